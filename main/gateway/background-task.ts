import type { ChatMessage } from './chat-request.ts';

/**
 * OpenWebUI's background tasks (title, tags, follow-ups, search queries, autocomplete, emoji) arrive as ordinary
 * non-stream chat requests right after an answer. Their prompt starts with "### Task:" (OpenWebUI's templates) and
 * newer versions also send `metadata.task`. They need no tools and one turn on a fast model.
 */
const TASK_RE = /^\s*###\s*Task:/m;
const KNOWN_TASKS = /title|tags|follow|query|queries|autocomplete|emoji|image_prompt|moa/i;

export function detectBackgroundTask(body: Record<string, unknown>, messages: ChatMessage[]): string | null {
  const meta = body.metadata;
  if (meta && typeof meta === 'object' && !Array.isArray(meta)) {
    const task = (meta as Record<string, unknown>).task;
    if (typeof task === 'string' && KNOWN_TASKS.test(task)) return task;
  }
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const text = typeof lastUser?.content === 'string' ? lastUser.content : (lastUser?.content ?? []).map((p) => ('text' in p && typeof p.text === 'string' ? p.text : '')).join('\n');
  if (!TASK_RE.test(text)) return null;
  const m = /###\s*Task:\s*\n?\s*([^\n]*)/.exec(text);
  const line = (m?.[1] ?? '').toLowerCase();
  if (line.includes('title')) return 'title_generation';
  if (line.includes('tag')) return 'tags_generation';
  if (line.includes('follow-up') || line.includes('follow up')) return 'follow_up_generation';
  if (line.includes('quer')) return 'query_generation';
  if (line.includes('autocomplet')) return 'autocomplete_generation';
  return 'task';
}
