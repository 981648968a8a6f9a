import crypto from 'node:crypto';
import fs from 'node:fs';
import type { ChatMessage } from './chat-request.ts';
import { NO_KEY_CALLER } from './caller.ts';
import { continuationOf } from './continuation.ts';
import { StateFile } from '../json-file.ts';
import { log } from '../log.ts';

interface Entry {
  sessionId: string;
  /** The model that ran the session: another model never resumes it. */
  model: string;
  /** Hash of the whole conversation as the client will resend it next turn (history + our answer). */
  nextPrefix: string;
  key: string | null;
  /** Whose conversation it is (caller.ts); absent in maps saved before callers: the keyless caller. */
  caller?: string;
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
  /**
   * Call once the run really starts: the entry it resumes is consumed (a regenerate of this turn must not continue
   * the session that will hold this answer). Until then the plan has changed nothing.
   */
  claim(): void;
  /** Call after a successful run so the next turn can resume. */
  commit(sessionId: string | null, answer: string): void;
}

/**
 * A client-given conversation id within its caller's namespace: the keyless caller keeps the id as it is (chat
 * folders and sessions from before callers stay theirs); a key's caller has its id in front, so two callers sending
 * the same id never meet. An id that looks like a key caller's own is moved out of their way.
 */
export function scopedConversationId(caller: string, id: string): string {
  return caller === NO_KEY_CALLER && !id.startsWith('key:') ? id : `${caller}/${id}`;
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

/**
 * Two models answering the same history keep separate entries even when their answers are identical; so do two
 * callers (the keyless caller's keys are as before callers existed).
 */
function entryKey(caller: string, model: string, prefix: string): string {
  return caller === NO_KEY_CALLER ? `${model}\u0000${prefix}` : `${caller}\u0000${model}\u0000${prefix}`;
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
  /** Saved in the background after each turn: the answer's end never waits on the disk. */
  private readonly state: StateFile;

  constructor(private readonly file: string, private readonly ttlMs: number) {
    this.state = new StateFile(file, () => JSON.stringify({ entries: [...this.entries.values()] }), (m) => log.warn(`conversation map not saved: ${m}`));
    this.load();
  }

  /** What is still to be saved is written now, synchronously (shutdown: the process may exit next). */
  flush(): void {
    this.state.flush();
  }

  /** Resolves once nothing is waiting to be saved. */
  settled(): Promise<void> {
    return this.state.settled();
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

  /**
   * The first turn of an anonymous conversation has nothing to protect: it gets a lock of its own. `explicitKey` is
   * the client's id as sent; `caller` scopes it (and the history hash).
   */
  lockKeyFor(messages: ChatMessage[], explicitKey: string | null, model: string, caller: string = NO_KEY_CALLER): string {
    if (explicitKey) return `id:${model}:${scopedConversationId(caller, explicitKey)}`;
    const hasHistory = messages.some((m) => m.role === 'assistant');
    return hasHistory ? `h:${caller}:${model}:${this.prefixHash(messages)}` : `solo:${crypto.randomUUID()}`;
  }

  /** What this turn of the conversation is: reads the map, changes nothing (see claim and commit). */
  plan(messages: ChatMessage[], explicitKey: string | null, model: string, caller: string = NO_KEY_CALLER): ConversationPlan {
    // A continuation ("Continue Response") resends our last answer as its final message: the whole history is the key.
    const continuation = continuationOf(messages);
    const prefix = entryKey(caller, model, continuation ? hashTurns(messages.map(normalize)) : this.prefixHash(messages));
    const lockKey = this.lockKeyFor(messages, explicitKey, model, caller);
    const entry = this.entries.get(prefix);
    const live = entry && entry.lastUsed >= Date.now() - this.ttlMs ? entry : null;
    const usable = live && live.model === model && (!explicitKey || live.key === explicitKey || live.key === null) ? live : null;
    const scoped = explicitKey ? scopedConversationId(caller, explicitKey) : null;
    const workspaceKey = scoped ? `chat:${scoped}` : (usable?.workspace ?? `anon:${crypto.randomUUID()}`);
    const answered = (continuation ? messages.slice(0, -1) : messages).map(normalize);
    return {
      lockKey,
      // A session saved before chat workspaces ran in CLAUDE_CWD: Claude Code finds it only there, so it starts fresh.
      resumeSessionId: usable?.workspace ? usable.sessionId : null,
      workspaceKey,
      claim: () => {
        if (usable && this.entries.get(prefix) === usable) this.entries.delete(prefix);
        this.expire();
      },
      commit: (sessionId, answer) => {
        if (!sessionId) return;
        // The client shows a continuation appended to the partial answer, and resends it that way.
        const nextPrefix = hashTurns([...answered, normalize({ role: 'assistant', content: (continuation?.shown ?? '') + answer })]);
        this.entries.set(entryKey(caller, model, nextPrefix), {
          sessionId, model, nextPrefix, key: explicitKey, ...(caller === NO_KEY_CALLER ? {} : { caller }), lastUsed: Date.now(), workspace: workspaceKey,
        });
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
        if (typeof e.sessionId === 'string' && typeof e.nextPrefix === 'string' && typeof e.model === 'string') this.entries.set(entryKey(typeof e.caller === 'string' ? e.caller : NO_KEY_CALLER, e.model, e.nextPrefix), e);
      }
    } catch {
      // no map yet (or unreadable): every conversation starts fresh
    }
  }

  private save(): void {
    this.state.saveSoon();
  }
}
