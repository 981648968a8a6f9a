import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import { parseChatRequest } from '../chat-request.ts';
import { callerOf } from '../caller.ts';
import { clientLabel } from '../client-label.ts';
import type { ClientToolCall } from '../client-tools/bridge.ts';
import { parseClientTools, reservedToolNames } from '../client-tools/definitions.ts';
import { GatewayError, sendError } from '../openai-errors.ts';
import type { RunOutcome } from '../run.ts';
import { jsonTemplate } from '../chunk-template.ts';
import { SseWriter } from '../sse.ts';
import { runTurn, type TurnDeps } from '../turn.ts';
import { abortOnClose } from './run-slot.ts';

export type ChatDeps = TurnDeps;

export function newCompletionId(): string {
  return `chatcmpl-${crypto.randomUUID().replace(/-/g, '')}`;
}

function usageBody(o: RunOutcome): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  const u = o.usage;
  const prompt = u ? u.inputTokens + u.cacheReadInputTokens + u.cacheCreationInputTokens : 0;
  const completion = u ? u.outputTokens : 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** The conversation key a client gave: OpenWebUI's chat id header, else a session_id field or header. */
export function conversationId(req: Request, bodySessionId: string | null | undefined): string | null {
  const v = req.get('x-openwebui-chat-id') ?? bodySessionId ?? req.get('x-session-id') ?? null;
  return v && v.trim() ? v.trim().slice(0, 256) : null;
}

function toolCallsBody(calls: ClientToolCall[]): Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> {
  return calls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } }));
}

/**
 * POST /v1/chat/completions: the complete agentic run, streamed or in one body. When Claude calls one of the
 * caller's own functions the response ends with `finish_reason:"tool_calls"` while the run waits for the results.
 */
export function chatCompletionsHandler(deps: ChatDeps) {
  const reserved = reservedToolNames([...deps.config.CLAUDE_ALLOWED_TOOLS, ...deps.config.CLAUDE_DISALLOWED_TOOLS]);
  return async (req: Request, res: Response): Promise<void> => {
    const id = (res.locals.requestId as string | undefined) ?? newCompletionId();
    const created = Math.floor(Date.now() / 1000);
    const ac = new AbortController();
    const detach = abortOnClose(req, res, ac);
    try {
      const body = parseChatRequest(req.body);
      const clientTools = parseClientTools(body, reserved);
      const stream = body.stream === true;
      const includeUsage = stream && body.stream_options?.include_usage === true;
      const base = { id, object: 'chat.completion.chunk' as const, created, model: body.model };
      let sse: SseWriter | null = null;
      const chunk = (delta: Record<string, string>): unknown => ({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: null }] });
      const contentChunk = jsonTemplate((text) => chunk({ content: text }));
      const reasoningChunk = jsonTemplate((text) => chunk({ reasoning_content: text }));

      const turn = await runTurn(
        deps,
        { requestId: id, endpoint: '/v1/chat/completions', requestedModel: body.model, messages: body.messages, body, conversationId: conversationId(req, body.session_id), stream, client: clientLabel(req), caller: callerOf(res), abort: ac, clientTools },
        {
          onStart: () => {
            if (!stream) return;
            sse = new SseWriter(res, { keepAliveMs: deps.config.SSE_KEEPALIVE_S * 1000 });
            sse.data({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] });
          },
          onPiece: (piece) => sse?.dataJson(piece.kind === 'content' ? contentChunk(piece.text) : reasoningChunk(piece.text)),
        },
      );
      if (!turn.started) return;
      const outcome = turn.outcome;
      const writer = sse as SseWriter | null;
      if (writer) {
        if (outcome.status === 'cancelled') return writer.end();
        if (outcome.error) {
          writer.data(outcome.error.body());
        } else {
          // Like OpenAI: each call opens with its id and name, then its arguments follow.
          for (const [index, c] of outcome.toolCalls.entries()) {
            writer.data({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }, logprobs: null, finish_reason: null }] });
            writer.data({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, function: { arguments: c.arguments } }] }, logprobs: null, finish_reason: null }] });
          }
          writer.data({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: outcome.finishReason }] });
          if (includeUsage) writer.data({ ...base, choices: [], usage: usageBody(outcome) });
        }
        return writer.done();
      }
      if (outcome.status === 'cancelled') return;
      if (outcome.error) return sendError(res, outcome.error);
      res.status(200).json({
        id,
        object: 'chat.completion',
        created,
        model: body.model,
        choices: [{
          index: 0,
          message: {
            role: 'assistant',
            // OpenAI sends null content beside tool_calls when nothing was said before them.
            content: outcome.toolCalls.length && !outcome.content ? null : outcome.content,
            refusal: null,
            ...(outcome.reasoning ? { reasoning_content: outcome.reasoning } : {}),
            ...(outcome.toolCalls.length ? { tool_calls: toolCallsBody(outcome.toolCalls) } : {}),
          },
          logprobs: null,
          finish_reason: outcome.finishReason,
        }],
        usage: usageBody(outcome),
      });
    } catch (err) {
      if (err instanceof GatewayError) {
        if (err.status === 499) return; // client left while queued
        return sendError(res, err);
      }
      throw err;
    } finally {
      detach();
    }
  };
}
