/**
 * Client tools in the benchmark: the time from the caller's tool result to the next token, when the result goes into
 * the Claude run that waits for it (suspended) and when a fresh run gets the same history instead (what the gateway
 * does once the waiting run is gone). Both through the gateway, streamed, timed on the client side.
 */
import { performance } from 'node:perf_hooks';
import { offeredTool, type RequestInfo, type MessagesRequest, type ScriptReply } from '../tests/fixtures/scripted-anthropic.ts';

export const BENCH_TOOL = 'bench_lookup';
export const CLIENT_TOOL_ANSWER = 'The lookup returned the value: answered from the caller.';

const tool = {
  type: 'function',
  function: { name: BENCH_TOOL, description: 'Looks a key up', parameters: { type: 'object', properties: { key: { type: 'string' } }, required: ['key'] } },
} as const;

/**
 * The scripted model's part for client tool requests (null for any other request): call the tool first, then answer
 * once a result is there — as the tool_result of the call (suspended run) or as history in the prompt (fresh run).
 */
export function clientToolReply(req: MessagesRequest, info: RequestInfo): ScriptReply | null {
  const asked = offeredTool(req, BENCH_TOOL);
  if (!asked) return null;
  if (info.lastToolResults.length || info.userTexts.some((t) => t.includes('<tool_result'))) return { blocks: [{ type: 'text', text: CLIENT_TOOL_ANSWER, chunks: 6 }] };
  return { blocks: [{ type: 'tool_use', name: asked, input: { key: 'k-1' } }] };
}

interface Call { id: string; type: 'function'; function: { name: string; arguments: string } }

async function post(v1: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${v1}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sonnet', tools: [tool], ...body }) });
}

/** Sends the question; the answer must end with one tool call (the run then waits for its result). */
export async function askForToolCall(v1: string, question: string): Promise<Call> {
  const res = await post(v1, { messages: [{ role: 'user', content: question }] });
  const body = (await res.json()) as { choices?: Array<{ finish_reason: string; message: { tool_calls?: Call[] } }>; error?: { message: string } };
  const call = body.choices?.[0]?.message.tool_calls?.[0];
  if (res.status !== 200 || body.choices?.[0]?.finish_reason !== 'tool_calls' || !call) throw new Error(`expected a tool call, got HTTP ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
  return call;
}

export interface ResultTiming { ttft: number; text: string; error: string | null }

/** Sends the history plus the tool's result, streamed; ms from sending it to the first content token. */
export async function sendToolResult(v1: string, question: string, call: Call): Promise<ResultTiming> {
  const t0 = performance.now();
  let ttft = Number.NaN;
  let text = '';
  let error: string | null = null;
  try {
    const res = await post(v1, {
      stream: true,
      messages: [{ role: 'user', content: question }, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: call.id, content: 'v-1' }],
    });
    if (res.status !== 200 || !res.body) return { ttft, text, error: `HTTP ${res.status}: ${(await res.text()).slice(0, 200)}` };
    const decoder = new TextDecoder();
    let buf = '';
    for await (const bytes of res.body) {
      buf += decoder.decode(bytes, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line.startsWith('data:') || line === 'data: [DONE]') continue;
        const chunk = JSON.parse(line.slice(5)) as { choices?: Array<{ delta?: { content?: string } }>; error?: { message?: string } };
        if (chunk.error) error = chunk.error.message ?? 'stream error';
        const piece = chunk.choices?.[0]?.delta?.content;
        if (!piece) continue;
        if (Number.isNaN(ttft)) ttft = performance.now() - t0;
        text += piece;
      }
    }
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  if (!error && text !== CLIENT_TOOL_ANSWER) error = `answer incomplete: ${JSON.stringify(text.slice(0, 120))}`;
  return { ttft, text, error };
}

/** A call id no run waits for: the gateway answers from a fresh run given the history. */
export function goneCall(call: Call, n: number): Call {
  return { ...call, id: `toolu_bench_gone_${n}` };
}
