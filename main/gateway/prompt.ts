import type { SDKUserMessage } from '@anthropic-ai/claude-agent-sdk';
import type { ChatMessage, ContentPart } from './chat-request.ts';
import { continuationOf, continueFromText, continueResumedText } from './continuation.ts';
import { badRequest } from './openai-errors.ts';

type UserMessageParam = SDKUserMessage['message'];
type UserBlock = Exclude<UserMessageParam['content'], string>[number];
type UserBlocks = UserBlock[];
type ImageMediaType = 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp';
const IMAGE_TYPES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

export interface PreparedPrompt {
  /** The single user turn Claude receives: earlier turns as context, then the latest user message. */
  message: UserMessageParam;
  systemPrompt: string | null;
  /** Plain text of what was sent (transcripts, logs). */
  promptText: string;
  imageCount: number;
  /** Text of the latest user turn alone. */
  latestUserText: string;
}

/** The gateway's own rendered tool steps, removed from history so Claude does not read them back as prose. */
const TOOL_BLOCK_RE = /\n*<details>\n<summary>[\s\S]*?<\/details>\n*/g;

export function stripToolBlocks(text: string): string {
  return text.replace(TOOL_BLOCK_RE, '\n\n').replace(/\n{3,}/g, '\n\n').trim();
}

export function partsToText(content: ChatMessage['content']): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((p) => {
      if ('text' in p && typeof p.text === 'string') return p.text;
      if (p.type === 'image_url') return '[image]';
      return `[${p.type}]`;
    })
    .filter(Boolean)
    .join('\n');
}

function imageBlock(p: ContentPart): UserBlock | null {
  if (p.type !== 'image_url' || !('image_url' in p)) return null;
  const raw = p.image_url as string | { url: string };
  const url = typeof raw === 'string' ? raw : raw.url;
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (m) {
    const mediaType = m[1].toLowerCase();
    if (!IMAGE_TYPES.has(mediaType)) return { type: 'text', text: `[image of unsupported type ${mediaType} omitted]` };
    return { type: 'image', source: { type: 'base64', media_type: mediaType as ImageMediaType, data: m[2].replace(/\s+/g, '') } };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  return { type: 'text', text: '[image with an unreadable URL omitted]' };
}

function renderHistoryTurn(m: ChatMessage): string | null {
  const text = partsToText(m.content);
  switch (m.role) {
    case 'user':
      return `<user>\n${text}\n</user>`;
    case 'assistant': {
      const calls = (m.tool_calls ?? []).map((c) => `[called ${c.function?.name ?? 'a tool'}(${c.function?.arguments ?? ''})]`).join('\n');
      const body = [stripToolBlocks(text), calls].filter(Boolean).join('\n');
      return body ? `<assistant>\n${body}\n</assistant>` : null;
    }
    case 'tool':
    case 'function':
      return `<tool_result${m.tool_call_id ? ` id="${m.tool_call_id}"` : ''}>\n${text}\n</tool_result>`;
    default:
      return null;
  }
}

function systemPromptOf(messages: ChatMessage[]): string | null {
  const system = messages.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => partsToText(m.content).trim()).filter(Boolean);
  return system.length ? system.join('\n\n') : null;
}

/**
 * OpenAI messages → one Claude user turn. System/developer messages become the appended system prompt; earlier
 * turns are passed faithfully as context (the gateway's own tool blocks stripped); the latest user message keeps
 * its images as image blocks. A trailing partial assistant answer (a continuation) comes last, with the instruction
 * to go on from where it stops.
 */
export function preparePrompt(messages: ChatMessage[]): PreparedPrompt {
  const continuation = continuationOf(messages);
  const convo = messages.filter((m) => m.role !== 'system' && m.role !== 'developer').slice(0, continuation ? -1 : undefined);
  let lastUser = -1;
  for (let i = convo.length - 1; i >= 0; i--) if (convo[i].role === 'user') { lastUser = i; break; }
  if (lastUser < 0) throw badRequest('messages must contain at least one user message.', 'messages');
  const latest = convo[lastUser];
  const earlier = convo.slice(0, lastUser).map(renderHistoryTurn).filter((t): t is string => t !== null);
  const after = convo.slice(lastUser + 1).map(renderHistoryTurn).filter((t): t is string => t !== null);

  const blocks: UserBlocks = [];
  let imageCount = 0;
  const latestText: string[] = [];
  if (typeof latest.content === 'string') latestText.push(latest.content);
  else for (const p of latest.content ?? []) {
    if ('text' in p && typeof p.text === 'string') latestText.push(p.text);
    else if (p.type === 'image_url') {
      const img = imageBlock(p);
      if (img) { blocks.push(img); if (img.type === 'image') imageCount++; }
    }
  }
  const latestUserText = latestText.join('\n');
  if (!latestUserText.trim() && imageCount === 0) throw badRequest('The last user message is empty.', `messages.${messages.indexOf(latest)}.content`);

  const sections: string[] = [];
  if (earlier.length) sections.push(`Earlier turns of this conversation, for context:\n\n${earlier.join('\n\n')}`);
  if (earlier.length || after.length || continuation) sections.push(`Latest user message:\n\n${latestUserText}`);
  else sections.push(latestUserText);
  if (after.length) sections.push(`Turns after it:\n\n${after.join('\n\n')}`);
  // A follow-up whose suspended run is gone: the calls and their results are history; the task goes on from them.
  const lastTurn = convo.at(-1);
  if (!continuation && lastTurn && lastTurn !== latest && (lastTurn.role === 'tool' || lastTurn.role === 'function')) {
    sections.push('Your tool calls above have their results: continue from them.');
  }
  if (continuation) sections.push(continueFromText(stripToolBlocks(continuation.shown)));
  const promptText = sections.join('\n\n');
  const content: UserBlocks = [{ type: 'text' as const, text: promptText }];
  content.push(...blocks);
  return { message: { role: 'user', content }, systemPrompt: systemPromptOf(messages), promptText, imageCount, latestUserText };
}

/** A continuation in a resumed session (it holds the conversation and the answer): only where the answer stops. */
export function prepareResumedContinuation(messages: ChatMessage[]): PreparedPrompt {
  const continuation = continuationOf(messages);
  if (!continuation) throw new Error('prepareResumedContinuation needs a trailing assistant message');
  const promptText = continueResumedText(stripToolBlocks(continuation.shown));
  return { message: { role: 'user', content: [{ type: 'text', text: promptText }] }, systemPrompt: systemPromptOf(messages), promptText, imageCount: 0, latestUserText: promptText };
}
