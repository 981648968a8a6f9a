import type { ChatMessage } from './chat-request.ts';

/**
 * OpenWebUI's background tasks (title, tags, follow-ups, search queries, autocomplete, image prompt) arrive as
 * ordinary chat requests right after an answer. They need no tools and one turn on a fast model. OpenWebUI keeps its
 * `metadata.task` to itself (its OpenAI router pops `metadata` before sending), so a task is known by its shape:
 * one user message holding a filled task template — "### Task:" first, the chat history inside a
 * <chat_history> block — not streamed, no tools, no history of its own. A user's own "### Task:" heading is a chat:
 * streamed (OpenWebUI's chats are), in a conversation, with tools, or without the template's history block.
 * A client that declares its request a task (`metadata.task`) is taken at its word.
 */
const TEMPLATE_START = /^\s*###\s*Task:/;
const TEMPLATE_HISTORY = /<chat_history>[\s\S]*<\/chat_history>/;
const KNOWN_TASKS = /title|tags|follow|query|queries|autocomplete|emoji|image_prompt|moa/i;

function textOf(m: ChatMessage): string {
  return typeof m.content === 'string' ? m.content : (m.content ?? []).map((p) => ('text' in p && typeof p.text === 'string' ? p.text : '')).join('\n');
}

/** Whether the request has the shape of OpenWebUI's task requests (see above). */
function isTaskRequest(body: Record<string, unknown>, messages: ChatMessage[]): string | null {
  if (body.stream === true) return null;
  if (Array.isArray(body.tools) && body.tools.length > 0) return null;
  const turns = messages.filter((m) => m.role !== 'system' && m.role !== 'developer');
  if (turns.length !== 1 || turns[0].role !== 'user') return null;
  const text = textOf(turns[0]);
  if (!TEMPLATE_START.test(text) || !TEMPLATE_HISTORY.test(text)) return null;
  return text;
}

export function detectBackgroundTask(body: Record<string, unknown>, messages: ChatMessage[]): string | null {
  const meta = body.metadata;
  if (meta && typeof meta === 'object' && !Array.isArray(meta)) {
    const task = (meta as Record<string, unknown>).task;
    if (typeof task === 'string' && KNOWN_TASKS.test(task)) return task;
  }
  const text = isTaskRequest(body, messages);
  if (text === null) return null;
  const m = /###\s*Task:\s*\n?\s*([^\n]*)/.exec(text);
  const line = (m?.[1] ?? '').toLowerCase();
  if (line.includes('title')) return 'title_generation';
  if (line.includes('tag')) return 'tags_generation';
  if (line.includes('follow-up') || line.includes('follow up')) return 'follow_up_generation';
  if (line.includes('quer')) return 'query_generation';
  if (line.includes('autocomplet')) return 'autocomplete_generation';
  if (line.includes('image')) return 'image_prompt_generation';
  return 'task';
}
