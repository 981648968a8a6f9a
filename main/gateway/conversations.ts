import crypto from 'node:crypto';
import fs from 'node:fs';
import type { ChatMessage } from './chat-request.ts';
import { continuationOf } from './continuation.ts';
import { writeFileAtomic } from '../json-file.ts';
import { log } from '../log.ts';

interface Entry {
  sessionId: string;
  /** The model that ran the session: another model never resumes it. */
  model: string;
  /** Hash of the whole conversation as the client will resend it next turn (history + our answer). */
  nextPrefix: string;
  key: string | null;
  lastUsed: number;
  /** Which chat workspace the conversation works in (absent in maps saved before workspaces). */
  workspace?: string;
}

export interface ConversationPlan {
  /** Lock key: the explicit conversation id, else the history's hash. */
  lockKey: string;
  /** The Claude Code session to resume (send only the new user turn), or null for a fresh start. */
  resumeSessionId: string | null;
  /**
   * The key of the conversation's own workspace folder: its chat id (every model of the chat shares it), else the
   * one its previous turn used, else a new one.
   */
  workspaceKey: string;
  /** Call after a successful run so the next turn can resume. */
  commit(sessionId: string | null, answer: string): void;
}

function textOf(content: ChatMessage['content']): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content.map((p) => ('text' in p && typeof p.text === 'string' ? p.text : `[${p.type}]`)).join('\n');
}

/**
 * How a turn is compared across requests: whitespace collapsed and every <details> block removed (our own tool
 * blocks, OpenWebUI's reasoning blocks), since clients resend an answer with those reshaped.
 */
function normalize(m: ChatMessage): string {
  const text = textOf(m.content).replace(/<details[\s\S]*?<\/details>/g, ' ').replace(/\s+/g, ' ').trim();
  return `${m.role === 'developer' ? 'system' : m.role}:${text}`;
}

/** Two models answering the same history keep separate entries even when their answers are identical. */
function entryKey(model: string, prefix: string): string {
  return `${model}\u0000${prefix}`;
}

function hashTurns(turns: string[]): string {
  const h = crypto.createHash('sha256');
  for (const t of turns) h.update(t).update('\u0000');
  return h.digest('hex');
}

/**
 * Maps an OpenAI conversation (stateless: the client resends the whole history) to its Claude Code session. A new
 * request resumes a session only when its history is exactly what the gateway last answered in that conversation;
 * an edited, regenerated or branched history starts fresh. Entries are consumed when resumed, so a regenerate of a
 * turn never continues the session that already holds the old answer. Persisted under DATA_DIR; entries expire.
 * A conversation is a chat *and a model*: OpenWebUI's side-by-side models share one chat id, yet each has its own
 * session and runs in parallel with the others. Requests of one conversation run one at a time (a second one queues
 * until the first ends).
 */
export class ConversationMap {
  private entries = new Map<string, Entry>();
  private readonly locks = new Map<string, Promise<void>>();

  constructor(private readonly file: string, private readonly ttlMs: number) {
    this.load();
  }

  /** Waits until no other request of this conversation runs; resolves with the release function. */
  async lock(key: string): Promise<() => void> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => { release = r; });
    const chained = prev.then(() => mine);
    this.locks.set(key, chained);
    await prev;
    return () => {
      release();
      if (this.locks.get(key) === chained) this.locks.delete(key);
    };
  }

  /** The first turn of an anonymous conversation has nothing to protect: it gets a lock of its own. */
  lockKeyFor(messages: ChatMessage[], explicitKey: string | null, model: string): string {
    if (explicitKey) return `id:${model}:${explicitKey}`;
    const hasHistory = messages.some((m) => m.role === 'assistant');
    return hasHistory ? `h:${model}:${this.prefixHash(messages)}` : `solo:${crypto.randomUUID()}`;
  }

  plan(messages: ChatMessage[], explicitKey: string | null, model: string): ConversationPlan {
    this.expire();
    // A continuation ("Continue Response") resends our last answer as its final message: the whole history is the key.
    const continuation = continuationOf(messages);
    const prefix = entryKey(model, continuation ? hashTurns(messages.map(normalize)) : this.prefixHash(messages));
    const lockKey = this.lockKeyFor(messages, explicitKey, model);
    const entry = this.entries.get(prefix);
    const usable = entry && entry.model === model && (!explicitKey || entry.key === explicitKey || entry.key === null) ? entry : null;
    if (usable) this.entries.delete(prefix);
    const workspaceKey = explicitKey ? `chat:${explicitKey}` : (usable?.workspace ?? `anon:${crypto.randomUUID()}`);
    const answered = (continuation ? messages.slice(0, -1) : messages).map(normalize);
    return {
      lockKey,
      // A session saved before chat workspaces ran in CLAUDE_CWD: Claude Code finds it only there, so it starts fresh.
      resumeSessionId: usable?.workspace ? usable.sessionId : null,
      workspaceKey,
      commit: (sessionId, answer) => {
        if (!sessionId) return;
        // The client shows a continuation appended to the partial answer, and resends it that way.
        const nextPrefix = hashTurns([...answered, normalize({ role: 'assistant', content: (continuation?.shown ?? '') + answer })]);
        this.entries.set(entryKey(model, nextPrefix), { sessionId, model, nextPrefix, key: explicitKey, lastUsed: Date.now(), workspace: workspaceKey });
        this.save();
      },
    };
  }

  get size(): number {
    return this.entries.size;
  }

  /** Hash of everything before the latest user message: what the previous turn's answer ended. */
  private prefixHash(messages: ChatMessage[]): string {
    let last = -1;
    for (let i = messages.length - 1; i >= 0; i--) if (messages[i].role === 'user') { last = i; break; }
    return hashTurns(messages.slice(0, Math.max(0, last)).map(normalize));
  }

  private expire(): void {
    const cutoff = Date.now() - this.ttlMs;
    let changed = false;
    for (const [k, e] of this.entries) if (e.lastUsed < cutoff) { this.entries.delete(k); changed = true; }
    if (changed) this.save();
  }

  private load(): void {
    try {
      const raw = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { entries?: Entry[] };
      // Entries saved before sessions were keyed by model carry none: dropped (that chat starts fresh once).
      for (const e of raw.entries ?? []) {
        if (typeof e.sessionId === 'string' && typeof e.nextPrefix === 'string' && typeof e.model === 'string') this.entries.set(entryKey(e.model, e.nextPrefix), e);
      }
    } catch {
      // no map yet (or unreadable): every conversation starts fresh
    }
  }

  private save(): void {
    try {
      writeFileAtomic(this.file, JSON.stringify({ entries: [...this.entries.values()] }));
    } catch (err) {
      log.warn(`conversation map not saved: ${(err as Error).message}`);
    }
  }
}
