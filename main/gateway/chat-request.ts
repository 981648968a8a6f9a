import { z } from 'zod';
import { badRequest, type GatewayError } from './openai-errors.ts';

/**
 * The parts of an OpenAI chat request the gateway reads. Everything else (temperature, seed, logit_bias,
 * OpenWebUI's custom params, `user` as an object…) passes through unvalidated and ignored: clients send them all.
 */
const textPart = z.object({ type: z.enum(['text', 'input_text', 'output_text']), text: z.string() }).passthrough();
const imagePart = z
  .object({ type: z.literal('image_url'), image_url: z.union([z.string(), z.object({ url: z.string() }).passthrough()]) })
  .passthrough();
const otherPart = z.object({ type: z.string() }).passthrough();
const part = z.union([textPart, imagePart, otherPart]);
export type ContentPart = z.infer<typeof part>;

const content = z.union([z.string(), z.array(part), z.null()]);

const message = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
    content: content.optional(),
    name: z.string().optional().nullable(),
    tool_calls: z.array(z.object({ id: z.string().optional(), function: z.object({ name: z.string(), arguments: z.string().optional() }).passthrough().optional() }).passthrough()).optional().nullable(),
    tool_call_id: z.string().optional().nullable(),
  })
  .passthrough();
export type ChatMessage = z.infer<typeof message>;

const optNum = z.number().finite().nullable().optional();

export const chatRequestSchema = z
  .object({
    model: z.string().min(1).max(256),
    messages: z.array(message).min(1).max(10_000),
    stream: z.boolean().nullable().optional(),
    stream_options: z.object({ include_usage: z.boolean().nullable().optional() }).passthrough().nullable().optional(),
    temperature: optNum,
    top_p: optNum,
    max_tokens: z.number().int().nullable().optional(),
    max_completion_tokens: z.number().int().nullable().optional(),
    n: z.number().int().min(1).max(1).nullable().optional(),
    session_id: z.string().max(256).nullable().optional(),
    // The caller's functions: checked by client-tools/definitions.ts, which gives each mistake its own message.
    tools: z.unknown().optional(),
    tool_choice: z.unknown().optional(),
    parallel_tool_calls: z.unknown().optional(),
  })
  .passthrough();
export type ChatRequest = z.infer<typeof chatRequestSchema>;

export function parseChatRequest(body: unknown): ChatRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('Request body must be a JSON object.');
  const r = chatRequestSchema.safeParse(body);
  if (!r.success) throw zodToBadRequest(r.error);
  const last = [...r.data.messages].reverse().find((m) => m.role === 'user');
  if (!last) throw badRequest('messages must contain at least one user message.', 'messages');
  checkToolMessages(r.data.messages);
  return r.data;
}

/** As OpenAI does: a tool message answers a tool call an earlier assistant message made (else 400). */
function checkToolMessages(messages: ChatMessage[]): void {
  const calls = new Set<string>();
  for (const [i, m] of messages.entries()) {
    if (m.role === 'assistant') for (const c of m.tool_calls ?? []) if (c.id) calls.add(c.id);
    if (m.role !== 'tool' || typeof m.tool_call_id !== 'string' || calls.has(m.tool_call_id)) continue;
    throw badRequest(`Invalid 'messages[${i}].tool_call_id': '${m.tool_call_id}' answers no tool call of an earlier assistant message.`, `messages[${i}].tool_call_id`, 'unknown_tool_call_id');
  }
}

export function zodToBadRequest(err: z.ZodError): GatewayError {
  const issue = err.issues[0];
  const param = issue?.path.length ? issue.path.map(String).join('.') : null;
  let msg = issue?.message ?? 'invalid request';
  if (issue?.code === 'invalid_union' || issue?.code === 'invalid_value') msg = `invalid value${issue.code === 'invalid_value' ? `: expected one of ${issue.values.map(String).join(', ')}` : ''}`;
  return badRequest(param ? `Invalid '${param}': ${msg}` : msg, param);
}
