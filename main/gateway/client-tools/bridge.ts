import type { SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { CLIENT_TOOL_SERVER, type ToolTurn, type TurnTool } from '../../claude/client-tool-endpoint.ts';
import type { ClientTool, ClientToolSet } from './definitions.ts';

export { CLIENT_TOOL_SERVER } from '../../claude/client-tool-endpoint.ts';
const PREFIX = `mcp__${CLIENT_TOOL_SERVER}__`;

/** Argument validators by shape: converted shapes are shared across requests (definitions.ts), so are these. */
const validators = new WeakMap<z.ZodRawShape, z.ZodObject>();

function validatorFor(shape: z.ZodRawShape): z.ZodObject {
  let v = validators.get(shape);
  if (!v) {
    v = z.object(shape);
    validators.set(shape, v);
  }
  return v;
}

/** The caller's own name of a client tool Claude called, or null for any other tool. */
export function callerToolName(toolName: string): string | null {
  return toolName.startsWith(PREFIX) ? toolName.slice(PREFIX.length) : null;
}

/** The caller's functions as the model is shown them: the caller's own JSON Schema, always of type object. */
export function turnTools(set: ClientToolSet | null | undefined): readonly TurnTool[] {
  if (!set) return [];
  let tools = shown.get(set.tools);
  if (!tools) {
    tools = Object.freeze(set.tools.map((t): TurnTool => Object.freeze({ name: t.name, description: t.description, inputSchema: { properties: {}, ...t.parameters, type: 'object' as const } })));
    shown.set(set.tools, tools);
  }
  return tools;
}

/**
 * The model's view of each tool list, built once: requests that sent the same list share its ClientTool array
 * (definitions.ts), and sharing the TurnTool objects too lets the keys that compare tool sets be computed once.
 */
const shown = new WeakMap<readonly ClientTool[], readonly TurnTool[]>();

export function claudeToolName(callerName: string): string {
  return `${PREFIX}${callerName}`;
}

/** A call the caller must run: OpenAI's tool_call (id = Claude's tool_use id, arguments as JSON text). */
export interface ClientToolCall {
  id: string;
  name: string;
  arguments: string;
}

interface Use {
  name: string;
  input: unknown;
  /** The subagent that made it (parent_tool_use_id), null at the top level. */
  context: string | null;
  /** The model message holding it has ended: no further call of that turn is still being written. */
  complete: boolean;
  /** Claude Code has its result (handed over, or refused before it reached us). */
  answered: boolean;
  /** Its arguments match the schema: else the SDK answers it with the validation error and the caller never sees it. */
  valid: boolean;
}

function toolUseIdOf(extra: unknown): string | null {
  if (!extra || typeof extra !== 'object') return null;
  const meta = (extra as { _meta?: unknown })._meta;
  if (!meta || typeof meta !== 'object') return null;
  const id = (meta as Record<string, unknown>)['claudecode/toolUseId'];
  return typeof id === 'string' ? id : null;
}

/**
 * Connects a run's client tools to the caller. Claude Code calls a tool through its process's client-tools endpoint
 * (main/claude/client-tool-endpoint.ts), which hands the call to this run's `turn`; the call's promise stays open until the caller's result arrives (a later HTTP request), which keeps
 * the Claude run suspended and alive. The bridge watches the run's messages to know every client call of a model
 * turn — Claude Code starts the first call while the model is still writing the next, and runs them one after the
 * other — so the caller gets all of a turn's calls at once and answers them in one follow-up.
 */
export class ClientToolBridge {
  /** The run's tools and their handler, for the endpoint of whichever process serves the run. */
  readonly turn: ToolTurn;
  private readonly uses = new Map<string, Use>();
  private readonly waiting = new Map<string, (r: CallToolResult) => void>();
  private readonly results = new Map<string, string>();
  private readonly schemas: ReadonlyMap<string, z.ZodObject>;
  private wake: () => void = () => undefined;
  private woken: Promise<void>;

  constructor(readonly set: ClientToolSet) {
    this.woken = this.armWake();
    this.schemas = new Map(set.tools.map((t) => [t.name, validatorFor(t.shape)]));
    this.turn = {
      // The caller's own schema is what the model reads; arguments are checked against it before the caller sees them.
      tools: turnTools(set),
      call: (name, args, extra) => {
        const parsed = this.schemas.get(name)?.safeParse(args);
        if (parsed && !parsed.success) {
          return Promise.resolve({ content: [{ type: 'text', text: `Invalid arguments for ${name}: ${z.prettifyError(parsed.error)}` }], isError: true });
        }
        return this.call(name, extra);
      },
    };
  }

  /** Follows the run's messages: which client calls exist, which model turns ended, which calls got results. */
  observe(m: SDKMessage): void {
    if (m.type === 'stream_event' && m.event.type === 'message_stop') {
      for (const u of this.uses.values()) if (u.context === m.parent_tool_use_id) u.complete = true;
    } else if (m.type === 'assistant') {
      for (const b of m.message.content) {
        if (b.type !== 'tool_use') continue;
        const name = callerToolName(b.name);
        if (!name || this.uses.has(b.id)) continue;
        const valid = this.schemas.get(name)?.safeParse(b.input).success ?? false;
        this.uses.set(b.id, { name, input: b.input, context: m.parent_tool_use_id, complete: false, answered: false, valid });
      }
    } else if (m.type === 'user' && typeof m.message.content !== 'string') {
      for (const b of m.message.content) {
        if (b.type !== 'tool_result') continue;
        const u = this.uses.get(b.tool_use_id);
        if (u) u.answered = true;
      }
    }
  }

  /** Resolves when a handler starts waiting for the caller (then check readyToSuspend). */
  wakeup(): Promise<void> {
    return this.woken;
  }

  /** A client call waits for the caller and the model turns that made the waiting calls have ended. */
  readyToSuspend(): boolean {
    if (this.waiting.size === 0) return false;
    for (const id of this.waiting.keys()) if (!this.uses.get(id)?.complete) return false;
    return true;
  }

  /** The calls the caller must answer: complete, valid, not answered by Claude Code, no result supplied yet. */
  outstanding(): ClientToolCall[] {
    const out: ClientToolCall[] = [];
    for (const [id, u] of this.uses) {
      if (!u.complete || !u.valid || u.answered || this.results.has(id)) continue;
      out.push({ id, name: u.name, arguments: JSON.stringify(u.input ?? {}) });
    }
    return out;
  }

  /** The caller's results by call id: waiting handlers return now, later ones as soon as Claude Code calls them. */
  supply(results: ReadonlyMap<string, string>): void {
    for (const [id, text] of results) {
      this.results.set(id, text);
      const resolve = this.waiting.get(id);
      if (!resolve) continue;
      this.waiting.delete(id);
      resolve(textResult(text));
    }
  }

  private armWake(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = () => {
        this.woken = this.armWake();
        resolve();
      };
    });
  }

  private call(name: string, extra: unknown): Promise<CallToolResult> {
    // Claude Code names the tool_use in the call's _meta; without it, the oldest unanswered call of that tool.
    const id = toolUseIdOf(extra) ?? [...this.uses].find(([k, u]) => u.name === name && !u.answered && !this.waiting.has(k))?.[0] ?? null;
    if (!id) return Promise.resolve({ content: [{ type: 'text', text: 'The gateway could not match this call to the caller.' }], isError: true });
    const ready = this.results.get(id);
    if (ready !== undefined) return Promise.resolve(textResult(ready));
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.wake();
    });
  }
}

function textResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }] };
}
