import type { McpSdkServerConfigWithInstance } from '@anthropic-ai/claude-agent-sdk';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** The in-process MCP server every Claude process has from birth: Claude sees its tools as mcp__client_tools__<name>. */
export const CLIENT_TOOL_SERVER = 'client_tools';

/** One tool of a turn, as the model is shown it (the caller's own JSON Schema). */
export interface TurnTool {
  name: string;
  description: string;
  inputSchema: Record<string, unknown> & { type: 'object' };
}

/** The caller's functions for one turn and where their calls go (main/gateway/client-tools/bridge.ts). */
export interface ToolTurn {
  tools: readonly TurnTool[];
  /**
   * Listed ahead of a turn (a spare made ready for the tools new chats keep bringing), not shown to the model yet.
   * Measured with Claude Code 2.1.330 (bench/probes/listed-tools-taken-back.ts): a tool stays in a session's model
   * requests only once a request carried it; one that was only listed is gone from the next request after the list
   * changes. So these do not count as shown (`fits`).
   */
  ahead?: boolean;
  /** `extra`: the MCP request's extras (Claude Code names the tool_use in `_meta`). */
  call(name: string, args: Record<string, unknown>, extra: unknown): Promise<CallToolResult>;
}

/**
 * The client tools each session was ever shown (union over its turns): Claude Code keeps offering a tool its session
 * saw — in the same process and after `--resume` too, even with its MCP server removed and added again (measured,
 * 2.1.330: bench/probes/resumed-tool-reset.ts) — so a session whose tools this turn does not cover is not continued:
 * the turn starts a fresh session with the history as context (turn.ts).
 */
export class ShownTools {
  private readonly bySession = new Map<string, Map<string, string>>();

  constructor(private readonly max = 5_000) {}

  record(sessionId: string, turn: ToolTurn | null | undefined, from?: string): void {
    const shown = new Map([...(from ? (this.bySession.get(from) ?? []) : []), ...(this.bySession.get(sessionId) ?? [])]);
    for (const t of turn?.tools ?? []) shown.set(t.name, defKey(t));
    this.bySession.delete(sessionId);
    if (shown.size === 0) return;
    this.bySession.set(sessionId, shown);
    for (const id of this.bySession.keys()) {
      if (this.bySession.size <= this.max) break;
      this.bySession.delete(id);
    }
  }

  /** Whether a turn with these tools may continue the session: nothing the session was shown is missing or changed. */
  fits(sessionId: string, tools: readonly TurnTool[]): boolean {
    return covers(this.bySession.get(sessionId), tools);
  }
}

function covers(shown: ReadonlyMap<string, string> | undefined, tools: readonly TurnTool[]): boolean {
  if (!shown?.size) return true;
  const now = new Map(tools.map((t) => [t.name, defKey(t)]));
  for (const [name, key] of shown) if (now.get(name) !== key) return false;
  return true;
}

/** How long a process waits for Claude Code to read a changed tool list before the turn's prompt goes in anyway. */
const LIST_WAIT_MS = 2_000;

/** Each turn's tool objects are built once per request and never changed: their keys are computed once, not per check. */
const defKeys = new WeakMap<TurnTool, string>();

function defKey(t: TurnTool): string {
  let key = defKeys.get(t);
  if (key === undefined) {
    key = JSON.stringify([t.description, t.inputSchema]);
    defKeys.set(t, key);
  }
  return key;
}

/** What a tool set is, for comparing the sets of two requests (names and definitions, in any order). */
export function toolSetKey(tools: readonly TurnTool[]): string {
  let key = setKeys.get(tools);
  if (key === undefined) {
    key = JSON.stringify(tools.map((t) => [t.name, defKey(t)]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
    // Only frozen lists are remembered: a list that can still change must be read again.
    if (Object.isFrozen(tools)) setKeys.set(tools, key);
  }
  return key;
}

/** Requests that send the same tools share one frozen list (main/gateway/client-tools): its key is computed once. */
const setKeys = new WeakMap<readonly TurnTool[], string>();

/** What Claude gets for a call to a function the current turn does not offer. */
function notAvailable(name: string): CallToolResult {
  return { content: [{ type: 'text', text: `The function '${name}' is not available in this turn.` }], isError: true };
}

/** A turn that only lists tools (a spare made ready for the tools new chats keep bringing): no call can reach it. */
export function listedOnly(tools: readonly TurnTool[]): ToolTurn {
  return { tools, ahead: true, call: (name) => Promise.resolve(notAvailable(name)) };
}

/**
 * A process's client-tools endpoint: an in-process MCP server whose tool list is the current turn's. Set per turn
 * (`use`), it tells Claude Code with `notifications/tools/list_changed`. Measured with Claude Code 2.1.330: an added
 * tool reaches the next model request, but a removed one stays in the request's tool list (calling it fails "No such
 * tool available" inside Claude Code, before it reaches this server) — so a process can take a turn only when that
 * turn's tools cover every tool it ever showed the model with the same definition (`fits`).
 */
export class ToolEndpoint {
  readonly config: McpSdkServerConfigWithInstance;
  private readonly mcp: McpServer;
  private turn: ToolTurn | null = null;
  /** Every tool the process ever showed the model (name → definition): what its model requests still carry. */
  private readonly offered = new Map<string, string>();
  private listed: () => void = () => undefined;

  /** `timeoutMs`: how long Claude Code lets a call run (a call waits for the caller: CLIENT_TOOL_TIMEOUT_S and more). */
  constructor(timeoutMs: number) {
    this.mcp = new McpServer({ name: CLIENT_TOOL_SERVER, version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
    this.mcp.server.setRequestHandler(ListToolsRequestSchema, () => {
      const tools = this.turn?.tools ?? [];
      this.count(this.turn);
      this.listed();
      // alwaysLoad: Claude Code 2.1 defers MCP tools behind ToolSearch; the caller's must be in the model's request.
      return { tools: tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema, _meta: { 'anthropic/alwaysLoad': true } })) };
    });
    this.mcp.server.setRequestHandler(CallToolRequestSchema, (req, extra) => {
      const turn = this.turn;
      const name = req.params.name;
      if (!turn || turn.ahead || !turn.tools.some((t) => t.name === name)) return notAvailable(name);
      return turn.call(name, req.params.arguments ?? {}, extra);
    });
    this.config = { type: 'sdk', name: CLIENT_TOOL_SERVER, instance: this.mcp, timeout: timeoutMs };
  }

  /** Whether the process waits with tools listed ahead of its first turn. */
  get listsAhead(): boolean {
    return Boolean(this.turn?.ahead && this.turn.tools.length);
  }

  /** A turn's tools go to the model with its requests: from now on they stay in them (see ToolTurn.ahead). */
  private count(turn: ToolTurn | null): void {
    if (turn?.ahead) return;
    for (const t of turn?.tools ?? []) this.offered.set(t.name, defKey(t));
  }

  /** Whether a turn with these tools can run in this process: nothing it was shown is missing or changed. */
  fits(turn: ToolTurn | null | undefined): boolean {
    return covers(this.offered, turn?.tools ?? []);
  }

  /**
   * Makes `turn` the process's current turn. When its tools differ from what Claude Code listed last, it is told, and
   * this waits until it has read the new list (so the turn's first model request carries them).
   */
  async use(turn: ToolTurn | null | undefined): Promise<void> {
    const before = toolSetKey(this.turn?.tools ?? []);
    this.turn = turn ?? null;
    // Counted as shown now: the Agent SDK may hand Claude Code the list at start-up without a tools/list request.
    this.count(this.turn);
    const after = toolSetKey(this.turn?.tools ?? []);
    if (before === after || !this.mcp.isConnected()) return;
    let timer: NodeJS.Timeout | undefined;
    const read = new Promise<void>((resolve) => {
      this.listed = resolve;
      timer = setTimeout(resolve, LIST_WAIT_MS);
      timer.unref();
    });
    try {
      await this.mcp.server.sendToolListChanged();
      await read;
    } catch {
      // The process went away: its run fails on its own.
    } finally {
      clearTimeout(timer);
      this.listed = () => undefined;
    }
  }
}
