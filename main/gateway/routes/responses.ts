import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import { callerOf } from '../caller.ts';
import { clientLabel } from '../client-label.ts';
import { parseClientTools, reservedToolNames } from '../client-tools/definitions.ts';
import { GatewayError, sendError } from '../openai-errors.ts';
import { ResponsesAssembler } from '../responses-assembler.ts';
import { parseResponsesRequest, responsesToMessages, type ResponsesRequest } from '../responses-request.ts';
import type { RunOutcome } from '../run.ts';
import { SseWriter } from '../sse.ts';
import { conversationId, type ChatDeps } from './chat-completions.ts';
import { runTurn } from '../turn.ts';
import { abortOnClose } from './run-slot.ts';

function usageBody(o: RunOutcome | null) {
  const u = o?.usage;
  const input = u ? u.inputTokens + u.cacheReadInputTokens + u.cacheCreationInputTokens : 0;
  const output = u ? u.outputTokens : 0;
  return { input_tokens: input, input_tokens_details: { cached_tokens: u?.cacheReadInputTokens ?? 0 }, output_tokens: output, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: input + output };
}

/** The Response object in the shape openai-node and n8n read. */
function responseObject(id: string, createdAt: number, body: ResponsesRequest, status: string, asm: ResponsesAssembler, outcome: RunOutcome | null, error: GatewayError | null, tools: unknown[]) {
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status,
    background: false,
    error: error ? { code: error.code ?? 'server_error', message: error.message } : null,
    incomplete_details: outcome?.finishReason === 'length' ? { reason: 'max_output_tokens' } : null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: body.model,
    output: asm.output,
    output_text: asm.outputText,
    parallel_tool_calls: body.parallel_tool_calls !== false,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: body.temperature ?? null,
    text: { format: { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    tools,
    top_p: body.top_p ?? null,
    truncation: 'disabled',
    usage: status === 'completed' || status === 'incomplete' ? usageBody(outcome) : null,
    user: null,
    metadata: body.metadata ?? {},
  };
}

/**
 * Function tools of a Responses request. OpenAI's hosted tools (web_search_preview, file_search, mcp…) are left out:
 * Claude Code brings its own, and n8n adds them as options a user may have switched on.
 */
function functionTools(tools: unknown): unknown {
  return Array.isArray(tools) ? tools.filter((t: unknown) => !!t && typeof t === 'object' && (t as { type?: unknown }).type === 'function') : tools;
}

/**
 * POST /v1/responses: the same complete agentic run as chat completions, in the Responses API's shapes. When Claude
 * calls one of the caller's functions the response ends with function_call items while the run waits for their output.
 */
export function responsesHandler(deps: ChatDeps) {
  const reserved = reservedToolNames([...deps.config.CLAUDE_ALLOWED_TOOLS, ...deps.config.CLAUDE_DISALLOWED_TOOLS]);
  return async (req: Request, res: Response): Promise<void> => {
    const id = `resp_${crypto.randomUUID().replace(/-/g, '')}`;
    res.setHeader('x-request-id', id);
    const createdAt = Math.floor(Date.now() / 1000);
    const ac = new AbortController();
    const detach = abortOnClose(req, res, ac);
    try {
      const body = parseResponsesRequest(req.body);
      const tools = functionTools(body.tools);
      const clientTools = parseClientTools({ tools, tool_choice: body.tool_choice, parallel_tool_calls: body.parallel_tool_calls }, reserved);
      const echoTools = Array.isArray(tools) ? tools : [];
      const stream = body.stream === true;
      let sse: SseWriter | null = null;
      const asm = new ResponsesAssembler((ev) => sse?.event(ev.type, ev));
      const turn = await runTurn(
        deps,
        { requestId: id, endpoint: '/v1/responses', requestedModel: body.model, messages: responsesToMessages(body), body, conversationId: conversationId(req, null), stream, client: clientLabel(req), caller: callerOf(res), abort: ac, clientTools },
        {
          onStart: () => {
            if (!stream) return;
            sse = new SseWriter(res, { keepAliveMs: deps.config.SSE_KEEPALIVE_S * 1000 });
            const initial = responseObject(id, createdAt, body, 'in_progress', asm, null, null, echoTools);
            asm.event('response.created', { response: initial });
            asm.event('response.in_progress', { response: initial });
          },
          onPiece: (piece) => asm.push(piece),
        },
      );
      if (!turn.started) return;
      const outcome = turn.outcome;
      const writer = sse as SseWriter | null;
      asm.close();
      if (outcome.status === 'cancelled') return writer?.end();
      asm.functionCalls(outcome.toolCalls);
      const status = outcome.error ? 'failed' : outcome.finishReason === 'length' ? 'incomplete' : 'completed';
      const final = responseObject(id, createdAt, body, status, asm, outcome, outcome.error, echoTools);
      if (writer) {
        asm.event(outcome.error ? 'response.failed' : status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: final });
        // openai-node/-python (so LangChain and n8n) raise only on an event with a top-level `error` object and stop
        // reading there: it comes after response.failed so clients that read that event still get it.
        if (outcome.error) asm.event('error', { code: outcome.error.code, message: outcome.error.message, param: outcome.error.param, ...outcome.error.body() });
        return writer.end();
      }
      if (outcome.error) return sendError(res, outcome.error);
      res.status(200).json(final);
    } catch (err) {
      if (err instanceof GatewayError) {
        if (err.status === 499) return;
        return sendError(res, err);
      }
      throw err;
    } finally {
      detach();
    }
  };
}
