import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { detectBackgroundTask } from '../../main/gateway/background-task.ts';
import type { ChatMessage } from '../../main/gateway/chat-request.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/** OpenWebUI 0.11's default task templates (backend/open_webui/config.py), filled as its tasks router fills them. */
const HISTORY = '<chat_history>\nUSER: How do I bake bread?\nASSISTANT: Mix flour, water, salt and yeast.\n</chat_history>';
const OPENWEBUI_TASKS: Record<string, string> = {
  title_generation: `### Task:\nGenerate a concise, 3-5 word title with an emoji summarizing the chat history.\n### Guidelines:\n- The title should clearly represent the main theme or subject of the conversation.\n### Output:\nJSON format: { "title": "your concise title here" }\n### Chat History:\n${HISTORY}`,
  tags_generation: `### Task:\nGenerate 1-3 broad tags categorizing the main themes of the chat history, along with 1-3 more specific subtopic tags.\n\n### Guidelines:\n- Start with high-level domains\n\n### Output:\nJSON format: { "tags": ["tag1", "tag2", "tag3"] }\n\n### Chat History:\n${HISTORY}`,
  follow_up_generation: `### Task:\nSuggest 3-5 relevant follow-up questions or prompts that the user might naturally ask next in this conversation as a **user**, based on the chat history, to help continue or deepen the discussion.\n### Output:\nJSON format: { "follow_ups": ["Question 1?", "Question 2?", "Question 3?"] }\n### Chat History:\n${HISTORY}`,
  query_generation: `### Task:\nAnalyze the chat history to determine the necessity of generating search queries, in the given language. By default, **prioritize generating 1-3 broad and relevant search queries** unless it is absolutely certain that no additional information is required.\n\n### Output:\nStrictly return in JSON format: \n{\n  "queries": ["query1", "query2"]\n}\n\n### Chat History:\n${HISTORY}\n`,
  autocomplete_generation: `### Task:\nYou are an autocompletion system. Continue the text in \`<text>\` based on the **completion type** in \`<type>\` and the given language.\n\n### **Output Rules**:\n- Respond only in JSON format: \`{ "text": "<your_completion>" }\`.\n\n### Context:\n${HISTORY}\n<type>General</type>\n<text>How long should the dough</text>\n#### Output:\n`,
};

const user = (content: string): ChatMessage => ({ role: 'user', content });

describe('OpenWebUI background tasks: only its real task requests take that path', () => {
  for (const [task, prompt] of Object.entries(OPENWEBUI_TASKS)) {
    it(`OpenWebUI's ${task} request is a background task`, () => {
      assert.equal(detectBackgroundTask({ model: 'sonnet', messages: [], stream: false }, [user(prompt)]), task);
    });
  }

  it('metadata.task (a client that says so) is a background task', () => {
    assert.equal(detectBackgroundTask({ metadata: { task: 'title_generation' } }, [user('anything')]), 'title_generation');
  });

  it("a user's own '### Task:' heading is a normal chat: first turn, later turn, streamed or not", () => {
    const mine = '### Task:\nRefactor the parser in src/parse.ts.\n### Notes:\nKeep the public API.';
    assert.equal(detectBackgroundTask({ stream: false }, [user(mine)]), null);
    assert.equal(detectBackgroundTask({ stream: true }, [user(mine)]), null);
    assert.equal(detectBackgroundTask({}, [user('hi'), { role: 'assistant', content: 'Hello!' }, user(mine)]), null);
    // Even a pasted template is a chat when the request has the shape of one: streamed, with history, or with tools.
    const pasted = OPENWEBUI_TASKS.title_generation;
    assert.equal(detectBackgroundTask({ stream: true }, [user(pasted)]), null);
    assert.equal(detectBackgroundTask({}, [user('hi'), { role: 'assistant', content: 'Hello!' }, user(pasted)]), null);
    assert.equal(detectBackgroundTask({ tools: [{ type: 'function', function: { name: 'memory_add' } }] }, [user(pasted)]), null);
  });
});

describe("a user's '### Task:' message runs as a normal turn (real Claude Code)", () => {
  let gw: TestGateway;
  let client: OpenAI;
  before(async () => {
    // Requests that offer tools are the main loop; the task path offers none (the fixture answers those 'Side reply').
    gw = await startTestGateway({ script: (_req, info) => ({ blocks: [{ type: 'text', text: `main loop, ${info.userTexts.length} user turn(s)` }] }) });
    client = new OpenAI({ baseURL: gw.v1, apiKey: 'x', maxRetries: 0 });
  });
  after(async () => gw.close());

  for (const stream of [false, true]) {
    it(`${stream ? 'streamed' : 'non-stream'}: the main model with its tools answers`, async () => {
      const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: '### Task:\nList three prime numbers.\n### Format:\nOne line.' }];
      let text = '';
      let id = '';
      if (stream) {
        for await (const c of await client.chat.completions.create({ model: 'sonnet', messages, stream: true })) {
          id = c.id;
          text += c.choices[0]?.delta?.content ?? '';
        }
      } else {
        const r = await client.chat.completions.create({ model: 'sonnet', messages });
        id = r.id;
        text = r.choices[0].message.content ?? '';
      }
      assert.match(text, /^main loop/);
      const req = gw.services.store.events(id)?.find((e) => e.type === 'request');
      assert.ok(req && req.type === 'request');
      assert.equal(req.model, 'sonnet', 'not the task model');
      assert.doesNotMatch(req.client, /\(.*_generation|\(task\)/);
    });
  }
});
