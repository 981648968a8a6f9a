import { z } from 'zod';
import type { ChatMessage, ContentPart } from './chat-request.ts';
import { badRequest, type GatewayError } from './openai-errors.ts';

/**
 * The OpenAI Responses API request (n8n ≥ 1.3 "Use Responses API"). Its `input` items are turned into the same
 * chat messages /v1/chat/completions takes, so both endpoints share one prompt builder and one run.
 */
const inputPart = z
  .object({
    type: z.string(),
    text: z.string().optional(),
    image_url: z.union([z.string(), z.object({ url: z.string() }).passthrough()]).nullable().optional(),
  })
  .passthrough();

const inputItem = z
  .object({
    type: z.string().optional(),
    role: z.enum(['user', 'assistant', 'system', 'developer']).optional(),
    content: z.union([z.string(), z.array(inputPart)]).optional(),
    name: z.string().optional(),
    arguments: z.string().optional(),
    call_id: z.string().optional(),
    output: z.union([z.string(), z.array(inputPart)]).optional(),
  })
  .passthrough();

export const responsesRequestSchema = z
  .object({
    model: z.string().min(1).max(256),
    input: z.union([z.string(), z.array(inputItem).min(1).max(10_000)]),
    instructions: z.string().nullable().optional(),
    stream: z.boolean().nullable().optional(),
    previous_response_id: z.string().max(256).nullable().optional(),
    max_output_tokens: z.number().int().nullable().optional(),
    temperature: z.number().finite().nullable().optional(),
    top_p: z.number().finite().nullable().optional(),
    metadata: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .passthrough();
export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;

export function parseResponsesRequest(body: unknown): ResponsesRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('Request body must be a JSON object.');
  const r = responsesRequestSchema.safeParse(body);
  if (!r.success) throw toBadRequest(r.error);
  return r.data;
}

function toBadRequest(err: z.ZodError): GatewayError {
  const issue = err.issues[0];
  const param = issue?.path.length ? issue.path.map(String).join('.') : null;
  return badRequest(param ? `Invalid '${param}': ${issue?.message ?? 'invalid value'}` : issue?.message ?? 'invalid request', param);
}

function toParts(content: string | Array<z.infer<typeof inputPart>> | undefined): string | ContentPart[] {
  if (content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((p): ContentPart => {
    if (typeof p.text === 'string' && (p.type === 'input_text' || p.type === 'output_text' || p.type === 'text')) return { type: 'text', text: p.text };
    if (p.type === 'input_image' && p.image_url) return { type: 'image_url', image_url: typeof p.image_url === 'string' ? { url: p.image_url } : p.image_url };
    return { type: p.type };
  });
}

/** Responses `instructions` + `input` → chat messages. */
export function responsesToMessages(req: ResponsesRequest): ChatMessage[] {
  const out: ChatMessage[] = [];
  if (req.instructions) out.push({ role: 'system', content: req.instructions });
  if (typeof req.input === 'string') {
    out.push({ role: 'user', content: req.input });
    return out;
  }
  // With the history in `input` (and no stored previous response to hold the calls), an output must answer a
  // function_call item before it, as at OpenAI. Outputs alone continue a waiting run (checked by the route).
  const checkCalls = !req.previous_response_id && req.input.some((item) => (item.type ?? 'message') === 'message');
  const calls = new Set<string>();
  for (const [i, item] of req.input.entries()) {
    const type = item.type ?? 'message';
    if (type === 'function_call' && item.call_id) calls.add(item.call_id);
    if (checkCalls && type === 'function_call_output' && item.call_id !== undefined && !calls.has(item.call_id)) {
      throw badRequest(`Invalid 'input[${i}].call_id': '${item.call_id}' answers no tool call: no function_call item before it in 'input' has that call_id.`, `input[${i}].call_id`, 'unknown_tool_call_id');
    }
    if (type === 'message' && item.role) out.push({ role: item.role, content: toParts(item.content) });
    else if (type === 'function_call') out.push({ role: 'assistant', content: null, tool_calls: [{ id: item.call_id, function: { name: item.name ?? 'tool', arguments: item.arguments ?? '' } }] });
    else if (type === 'function_call_output') out.push({ role: 'tool', tool_call_id: item.call_id ?? null, content: typeof item.output === 'string' ? item.output : toParts(item.output) });
    // reasoning items and other server-side item types carry nothing Claude needs
  }
  // Only function_call_output items (previous_response_id style) can still continue a run that waits for them.
  if (!out.some((m) => m.role === 'user' || m.role === 'tool')) throw badRequest("'input' must contain at least one user message.", 'input');
  return out;
}
