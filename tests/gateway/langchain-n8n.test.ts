import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AIMessage, AIMessageChunk, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { z } from 'zod';
import { CALCULATOR, CHAT_TOOLS_SHAPE, N8N_MEMORY, N8N_QUESTION, N8N_SYSTEM_MESSAGE, N8N_TWO_CALLS_QUESTION, n8nInterleaved, RESPONSES_TOOLS_SHAPE } from '../fixtures/n8n-agent.ts';
import { clientToolLoop } from '../fixtures/scripts.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/** n8n's Calculator as a LangChain tool: what the agent runs when the model calls it. */
const calculator = tool(
  ({ input }: { input: string }) => {
    const m = /^\s*(\d+)\s*(?:\*|times)\s*(\d+)\s*$/.exec(input);
    return m ? String(Number(m[1]) * Number(m[2])) : 'unsupported expression';
  },
  { name: CALCULATOR.name, description: CALCULATOR.description, schema: z.object({ input: z.string() }) },
);

interface Wire { url: string; body: Record<string, unknown> }

/** LangChain's ChatOpenAI as n8n's OpenAI Chat Model builds it; every request body it sends is kept. */
function n8nModel(v1: string, useResponsesApi: boolean, wire: Wire[]): ChatOpenAI {
  return new ChatOpenAI({
    model: 'sonnet',
    apiKey: 'n8n-credential',
    useResponsesApi,
    maxRetries: 0,
    timeout: 120_000,
    configuration: {
      baseURL: v1,
      fetch: async (url: string | URL | Request, init?: RequestInit) => {
        if (typeof init?.body === 'string') wire.push({ url: String(url), body: JSON.parse(init.body) as Record<string, unknown> });
        return fetch(url, init);
      },
    },
  });
}

/** One agent step: the model's reply, streamed (chunks concatenated as LangChain's agent does) or not. */
async function step(model: ReturnType<ChatOpenAI['bindTools']>, messages: BaseMessage[], stream: boolean): Promise<AIMessage | AIMessageChunk> {
  if (!stream) return model.invoke(messages);
  let full: AIMessageChunk | null = null;
  for await (const chunk of await model.stream(messages)) full = full ? full.concat(chunk) : chunk;
  assert.ok(full, 'the stream carried chunks');
  return full;
}

function textOf(m: AIMessage | AIMessageChunk): string {
  if (typeof m.content === 'string') return m.content;
  return m.content.map((p) => (p.type === 'text' && 'text' in p && typeof p.text === 'string' ? p.text : '')).join('');
}

/**
 * n8n's AI Agent (Calculator tool, memory on) through LangChain's OpenAI client against the gateway: the tool call
 * comes out as the model's tool_calls, the agent runs it, the result goes back in, and the final answer uses it —
 * from the same suspended Claude run (no second start).
 */
describe("n8n's AI Agent via LangChain's ChatOpenAI (real Claude Code)", () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ script: clientToolLoop({ tool: 'calculator', calls: [{ input: '6*7' }] }) });
  });
  after(async () => gw.close());

  for (const useResponsesApi of [true, false]) {
    for (const stream of [false, true]) {
      const label = `${useResponsesApi ? '/v1/responses (useResponsesApi, n8n default)' : '/v1/chat/completions'}, ${stream ? 'streaming' : 'non-stream'}`;
      it(`${label}: tool call out, result in, the final answer uses it`, async () => {
        const wire: Wire[] = [];
        const model = n8nModel(gw.v1, useResponsesApi, wire).bindTools([calculator]);
        const transcriptsBefore = gw.services.store.list().total;
        const modelRequestsBefore = gw.api.mainRequests().length;
        const messages: BaseMessage[] = [
          new SystemMessage(N8N_SYSTEM_MESSAGE),
          ...N8N_MEMORY.map((m) => (m.role === 'user' ? new HumanMessage(m.content) : new AIMessage(m.content))),
          new HumanMessage(N8N_QUESTION),
        ];

        const first = await step(model, messages, stream);
        assert.equal(first.tool_calls?.length, 1, JSON.stringify(first.tool_calls));
        const call = first.tool_calls[0];
        assert.equal(call.name, 'calculator');
        assert.deepEqual(call.args, { input: '6*7' });
        assert.match(call.id ?? '', /^toolu_/);

        // The request on the wire is n8n's shape for this endpoint.
        assert.equal(wire.length, 1);
        assert.ok(wire[0].url.endsWith(useResponsesApi ? '/v1/responses' : '/v1/chat/completions'), wire[0].url);
        assert.deepEqual(wire[0].body.tools, useResponsesApi ? RESPONSES_TOOLS_SHAPE : CHAT_TOOLS_SHAPE);
        // Memory on: the earlier turns reached Claude as context.
        const prompt = JSON.stringify(gw.api.mainRequests()[modelRequestsBefore].messages);
        assert.ok(prompt.includes('My name is Ada') && prompt.includes('Nice to meet you, Ada.'), 'the memory is in the prompt');

        const toolMessage = await calculator.invoke(call);
        const final = await step(model, [...messages, first, toolMessage], stream);
        assert.equal(final.tool_calls?.length ?? 0, 0);
        assert.equal(textOf(final), "Final answer from the caller's results: 42");

        const followUp = wire[1].body;
        if (useResponsesApi) {
          const input = followUp.input as Array<{ type?: string; call_id?: string; output?: unknown }>;
          assert.ok(input.some((i) => i.type === 'function_call' && i.call_id === call.id), 'the call is replayed as a function_call item');
          assert.ok(input.some((i) => i.type === 'function_call_output' && i.call_id === call.id && i.output === '42'));
        } else {
          const msgs = followUp.messages as Array<{ role: string; tool_call_id?: string; content?: unknown }>;
          assert.ok(msgs.some((m) => m.role === 'tool' && m.tool_call_id === call.id && m.content === '42'));
        }
        // One transcript, one Claude start: the follow-up continued the suspended run.
        assert.equal(gw.services.store.list().total - transcriptsBefore, 1);
        const id = gw.services.store.list().items[0].requestId;
        assert.equal(gw.services.store.events(id)?.filter((e) => e.type === 'init').length, 1);
        assert.equal(gw.services.store.summary(id)?.status, 'done');
        assert.equal(gw.services.executor.suspended.size, 0);
      });
    }
  }
});

/**
 * Two Calculator calls in one model turn, replayed by n8n one pair at a time (assistant(call 1), tool(result 1),
 * assistant(call 2), tool(result 2)): the suspended run takes both results and answers (issue 22 item 3).
 */
describe("n8n's AI Agent: two tool calls in one turn, results interleaved with their calls (real Claude Code)", () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ script: clientToolLoop({ tool: 'calculator', calls: [{ input: '6*7' }, { input: '2*3' }] }) });
  });
  after(async () => gw.close());

  for (const useResponsesApi of [true, false]) {
    for (const stream of [false, true]) {
      const label = `${useResponsesApi ? '/v1/responses' : '/v1/chat/completions'}, ${stream ? 'streaming' : 'non-stream'}`;
      it(`${label}: both results reach the waiting run`, async () => {
        const wire: Wire[] = [];
        const model = n8nModel(gw.v1, useResponsesApi, wire).bindTools([calculator]);
        const transcriptsBefore = gw.services.store.list().total;
        const messages: BaseMessage[] = [new SystemMessage(N8N_SYSTEM_MESSAGE), new HumanMessage(N8N_TWO_CALLS_QUESTION)];
        const first = await step(model, messages, stream);
        assert.equal(first.tool_calls?.length, 2, JSON.stringify(first.tool_calls));
        const calls = first.tool_calls.map((c, i) => new AIMessage({ content: i === 0 ? textOf(first) : '', tool_calls: [c] }));
        const results = await Promise.all(first.tool_calls.map(async (c) => (await calculator.invoke(c)) as ToolMessage));
        const final = await step(model, [...messages, ...n8nInterleaved<BaseMessage, BaseMessage>(calls, results)], stream);
        assert.equal(textOf(final), "Final answer from the caller's results: 42 | 6");
        // The follow-up on the wire really was interleaved.
        const followUp = wire[1].body;
        const kinds = useResponsesApi
          ? (followUp.input as Array<{ type?: string }>).map((i) => i.type ?? 'message').filter((t) => t !== 'message')
          : (followUp.messages as Array<{ role: string }>).map((m) => m.role).filter((r) => r === 'assistant' || r === 'tool');
        assert.deepEqual(kinds, useResponsesApi ? ['function_call', 'function_call_output', 'function_call', 'function_call_output'] : ['assistant', 'tool', 'assistant', 'tool']);
        assert.equal(gw.services.store.list().total - transcriptsBefore, 1, 'one run: the follow-up continued it');
        assert.equal(gw.services.executor.suspended.size, 0);
      });
    }
  }
});
