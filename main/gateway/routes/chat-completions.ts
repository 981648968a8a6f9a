import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import { abortOnClose, acquireRunSlot } from './run-slot.ts';
import type { Config } from '../../config/schema.ts';
import type { RunLimiter } from '../limiter.ts';
import type { ClaudeRuntime } from '../../claude/runtime.ts';
import { parseChatRequest } from '../chat-request.ts';
import { clientLabel } from '../client-label.ts';
import type { ModelCatalog } from '../models.ts';
import { GatewayError, sendError } from '../openai-errors.ts';
import { preparePrompt } from '../prompt.ts';
import type { RunExecutor, RunOutcome } from '../run.ts';
import { SseWriter } from '../sse.ts';

export interface ChatDeps {
  config: Config;
  models: ModelCatalog;
  limiter: RunLimiter;
  runtime: ClaudeRuntime;
  executor: RunExecutor;
}

export function newCompletionId(): string {
  return `chatcmpl-${crypto.randomUUID().replace(/-/g, '')}`;
}

function usageBody(o: RunOutcome): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  const u = o.usage;
  const prompt = u ? u.inputTokens + u.cacheReadInputTokens + u.cacheCreationInputTokens : 0;
  const completion = u ? u.outputTokens : 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** POST /v1/chat/completions: the complete agentic run, streamed or in one body. */
export function chatCompletionsHandler(deps: ChatDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const id = (res.locals.requestId as string | undefined) ?? newCompletionId();
    const created = Math.floor(Date.now() / 1000);
    const ac = new AbortController();
    const detach = abortOnClose(req, res, ac);
    let release: (() => void) | null = null;
    try {
      const body = parseChatRequest(req.body);
      const model = deps.models.resolve(body.model);
      if (!model) throw new GatewayError(404, `The model '${body.model}' does not exist. Available: ${deps.models.ids().join(', ')}.`, 'invalid_request_error', 'model_not_found', 'model');
      const prompt = preparePrompt(body.messages);
      const stream = body.stream === true;
      const includeUsage = stream && body.stream_options?.include_usage === true;

      release = await acquireRunSlot(deps, ac);
      if (ac.signal.aborted) return;

      const base = { id, object: 'chat.completion.chunk' as const, created, model: body.model };
      const sse = stream ? new SseWriter(res, deps.config.SSE_KEEPALIVE_S * 1000) : null;
      sse?.data({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] });

      const outcome = await deps.executor.execute(
        { requestId: id, endpoint: '/v1/chat/completions', model, stream, client: clientLabel(req), prompt, abort: ac },
        (piece) => {
          if (!sse) return;
          const delta = piece.kind === 'content' ? { content: piece.text } : { reasoning_content: piece.text };
          sse.data({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: null }] });
        },
      );

      if (sse) {
        if (outcome.status === 'cancelled') return sse.end();
        if (outcome.error) {
          sse.data(outcome.error.body());
        } else {
          sse.data({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: outcome.finishReason }] });
          if (includeUsage) sse.data({ ...base, choices: [], usage: usageBody(outcome) });
        }
        return sse.done();
      }
      if (outcome.status === 'cancelled') return;
      if (outcome.error) return sendError(res, outcome.error);
      res.status(200).json({
        id,
        object: 'chat.completion',
        created,
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: outcome.content, refusal: null, ...(outcome.reasoning ? { reasoning_content: outcome.reasoning } : {}) }, logprobs: null, finish_reason: outcome.finishReason }],
        usage: usageBody(outcome),
      });
    } catch (err) {
      if (err instanceof GatewayError) {
        if (err.status === 499) return; // client left while queued
        return sendError(res, err);
      }
      throw err;
    } finally {
      release?.();
      detach();
    }
  };
}
