import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { query, type CanUseTool, type Options, type SDKMessage, type Settings } from '@anthropic-ai/claude-agent-sdk';
import { resolveClaudeBinary } from './binary.ts';
import { ShownTools, ToolEndpoint, type TurnTool } from './client-tool-endpoint.ts';
import { commandGateHooks, FolderCommandGate } from './folder-command-gate.ts';
import { InputFeed } from './input-feed.ts';
import { killOwn, LiveConversations, type LiveProcess } from './live-conversations.ts';
import type { ProcessTracker } from './orphans.ts';
import { isAlive, killTree, spawnInOwnGroup } from './process-tree.ts';
import { SparePool, type ExpectedSession, type SpareProfile } from './spare-pool.ts';
import { readBaseEnv, type BaseEnv, type ClaudeRuntime, type RunSpec, type SpawnHook } from './runtime.ts';

export interface SdkRuntimeOptions {
  kind: 'local' | 'docker';
  /** Replaces the local spawn (the docker runtime runs Claude inside its container through this). */
  spawnHook?: SpawnHook;
  /** Extra readiness check (container up…); the local binary's presence is always checked. */
  ready?: () => Promise<void>;
  claudePath?: string;
  /** Base environment for Claude (default: this process's env, so ANTHROPIC_* reach it); a function is read per start. */
  baseEnv?: BaseEnv;
  /** Lists every local Claude process while it lives (crash recovery: see orphans.ts). */
  tracker?: ProcessTracker;
  /** Pre-started Claude processes for runs with this profile (CLAUDE_SPARE_PROCESSES; local spawn only). */
  spares?: { count: number; profile: SpareProfile; expect?: ExpectedSession; askHost?: boolean; freshCwd?: () => string; settingsFor?: (cwd: string) => Settings | null };
  /** Keep a finished turn's process for the conversation's next turn (local spawn only; see live-conversations.ts). */
  live?: { keepAliveS: number; max: number };
  /** How long Claude Code lets a client tool call wait (it waits for the caller: CLIENT_TOOL_TIMEOUT_S and a margin). */
  clientToolTimeoutMs?: number;
  /** Which client tools each session was shown, when it outlives this runtime (the docker runtime makes one per run). */
  shownTools?: ShownTools;
  /** The folders' command turns (folder-command-gate.ts), when they outlive this runtime (the docker runtime's). */
  commandGate?: FolderCommandGate;
}

/** Claude Code must not give up on a client call before the gateway does (MCP_TOOL_TIMEOUT may be set low for others). */
const DEFAULT_TOOL_TIMEOUT_MS = 3_660_000;

/**
 * Claude Code through the Agent SDK's query(): the bundled binary, partial messages for token streaming, one
 * AbortController per request. Locally each Claude process leads its own process group so a cancel kills the tree.
 */
export function createSdkRuntime(opts: SdkRuntimeOptions): ClaudeRuntime {
  const children = new Set<ChildProcess>();
  const binary = resolveClaudeBinary(opts.claudePath ?? '');
  const local = opts.kind === 'local' && !opts.spawnHook;
  const live = local && opts.live ? new LiveConversations({ keepAliveMs: opts.live.keepAliveS * 1000, max: opts.live.max }) : null;
  const toolTimeoutMs = opts.clientToolTimeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
  const shown = opts.shownTools ?? new ShownTools();
  // Sandboxed processes sharing a folder take turns for their commands (see folder-command-gate.ts).
  const commandGate = opts.commandGate ?? new FolderCommandGate();
  /** Notes which client tools each session was shown (its turns' results name the session). */
  async function* observe(spec: RunSpec, source: AsyncIterable<SDKMessage>): AsyncGenerator<SDKMessage> {
    for await (const m of source) {
      if (m.type === 'result') shown.record(m.session_id, spec.clientTools, spec.resumeSessionId);
      yield m;
    }
  }

  const runtime: ClaudeRuntime = {
    kind: opts.kind,
    async ready() {
      if (opts.kind === 'local' && !binary) {
        throw new Error('Claude Code binary not found: reinstall dependencies (npm install) or set CLAUDE_PATH');
      }
      if (opts.ready) await opts.ready();
    },
    hasSession(sessionId: string): boolean {
      if (!/^[A-Za-z0-9-]{8,64}$/.test(sessionId)) return false;
      const env = readBaseEnv(opts.baseEnv);
      const configDir = env.CLAUDE_CONFIG_DIR || path.join(env.HOME || os.homedir(), '.claude');
      const projects = path.join(configDir, 'projects');
      try {
        return fs.readdirSync(projects).some((d) => fs.existsSync(path.join(projects, d, `${sessionId}.jsonl`)));
      } catch {
        return false;
      }
    },
    livePids() {
      return [...children].map((c) => c.pid).filter((p): p is number => typeof p === 'number' && isAlive(p));
    },
    clientToolsFit(sessionId: string, tools: readonly TurnTool[]): boolean {
      return shown.fits(sessionId, tools);
    },
    run(spec: RunSpec): AsyncIterable<SDKMessage> {
      return observe(spec, runRaw(spec));
    },
  };

  function runRaw(spec: RunSpec): AsyncIterable<SDKMessage> {
    {
      const kept = live?.take(spec);
      if (live && kept) return live.serve(kept, spec);
      const env: Record<string, string | undefined> = { ...readBaseEnv(opts.baseEnv), ...spec.env };
      // A process that may outlive this request has its own abort: the request's ends the turn, not the process.
      const keepable = live !== null && live.accepts(spec);
      const abortController = keepable ? new AbortController() : spec.abortController;
      // Our own abort kills at once; the SDK's graceful close would wait ~2 s for the CLI first.
      let ownChild: ChildProcess | null = null;
      let stderrSink: ((line: string) => void) | null = (line) => spec.onStderr?.(line);
      // canUseTool is registered at start-up: a kept process forwards to the turn it serves now.
      let asker: CanUseTool | null = spec.canUseTool ?? null;
      const forwardAsk: CanUseTool = (tool, input, o) => asker?.(tool, input, o) ?? Promise.resolve({ behavior: 'deny', message: 'No request owns this Claude process.' });
      const onAbort = (): void => { if (ownChild) killTree(ownChild); };
      // Every process has the client-tools endpoint, showing this turn's functions (none: empty) from its start.
      const tools = new ToolEndpoint(toolTimeoutMs);
      void tools.use(spec.clientTools);
      if (!keepable) spec.abortController.signal.addEventListener('abort', onAbort, { once: true });
      const gated = spec.settings?.sandbox?.enabled === true;
      const owner = {};

      const spawnLocal: SpawnHook = (o) =>
        spawnInOwnGroup(o, (child) => {
          ownChild = child;
          children.add(child);
          opts.tracker?.track(child);
          child.once('exit', () => {
            children.delete(child);
            if (gated) commandGate.releaseAll(spec.cwd, owner);
          });
          // A custom spawn must drain stderr itself, or a chatty CLI blocks on a full pipe.
          child.stderr?.setEncoding('utf8');
          child.stderr?.on('data', (d: string) => {
            for (const line of d.split('\n')) if (line.trim()) stderrSink?.(line);
          });
          if (abortController.signal.aborted || spec.abortController.signal.aborted) killTree(child);
        });

      const options: Options = {
        abortController,
        cwd: spec.cwd,
        model: spec.model,
        includePartialMessages: true,
        allowedTools: spec.allowedTools,
        disallowedTools: spec.disallowedTools,
        permissionMode: spec.permissionMode,
        systemPrompt: spec.systemPrompt ? { type: 'preset', preset: 'claude_code', append: spec.systemPrompt } : { type: 'preset', preset: 'claude_code' },
        env,
        spawnClaudeCodeProcess: opts.spawnHook ?? spawnLocal,
        stderr: (d) => { for (const line of d.split('\n')) if (line.trim()) spec.onStderr?.(line); },
        ...(binary ? { pathToClaudeCodeExecutable: binary } : {}),
        ...(spec.maxTurns > 0 ? { maxTurns: spec.maxTurns } : {}),
        ...(spec.resumeSessionId ? { resume: spec.resumeSessionId } : {}),
        ...(spec.tools ? { tools: spec.tools } : {}),
        mcpServers: { [tools.config.name]: tools.config },
        ...(spec.canUseTool ? { canUseTool: keepable ? forwardAsk : spec.canUseTool } : {}),
        ...(spec.settings ? { settings: spec.settings } : {}),
        ...(gated ? { hooks: commandGateHooks(commandGate, spec.cwd, owner) } : {}),
        ...(spec.extraArgs ? { extraArgs: spec.extraArgs } : {}),
        ...(spec.settingSources ? { settingSources: spec.settingSources } : {}),
      };
      const feed = new InputFeed(spec.messages);
      // Input stays open only for a process that may be kept: otherwise it exits after its result, as always.
      if (!keepable) feed.end();
      const q = query({ prompt: feed, options });
      if (live && keepable) {
        const proc: LiveProcess = {
          feed,
          iterator: q[Symbol.asyncIterator](),
          tools,
          child: () => ownChild,
          setStderr: (sink) => { stderrSink = sink; },
          setCanUseTool: (cb) => { asker = cb; },
          kill: () => {
            feed.end();
            killOwn(abortController, ownChild);
          },
        };
        return live.serve(proc, spec, { held: [], next: null });
      }
      return (async function* () {
        try {
          for await (const m of q) yield m;
        } finally {
          spec.abortController.signal.removeEventListener('abort', onAbort);
          // A process that is not kept ends with its run: a command it was in (cancelled mid-way) holds nothing.
          if (gated) commandGate.releaseAll(spec.cwd, owner);
        }
      })();
    }
  }

  if (live) {
    runtime.livePids = () => [...new Set([...[...children].map((c) => c.pid).filter((p): p is number => typeof p === 'number' && isAlive(p)), ...live.pids()])];
    runtime.close = () => live.close();
    runtime.liveConversations = () => live.health();
    runtime.closeLiveConversations = (reason) => live.closeIdle(reason);
    // Claude Code reads its environment, MCP servers and their sign-ins at start-up: kept processes would miss a change.
    runtime.envChanged = () => live.closeAll('the Claude credential changed');
    runtime.retireProcesses = (reason) => live.closeAll(reason);
  }
  if (!local || !binary || !opts.spares || opts.spares.count <= 0) return runtime;
  const pool = new SparePool({ toolTimeoutMs, size: opts.spares.count, profile: opts.spares.profile, expect: opts.spares.expect, askHost: opts.spares.askHost, freshCwd: opts.spares.freshCwd, settingsFor: opts.spares.settingsFor, baseEnv: () => readBaseEnv(opts.baseEnv), binary, tracker: opts.tracker, live: live ?? undefined });
  return {
    ...runtime,
    // A spare when one fits the run (new conversations); a refused claim falls back to a cold start by itself, which
    // also serves a resumed conversation from its kept process.
    run: (spec) => {
      const claimed = pool.tryClaim(spec, () => runRaw(spec));
      return claimed ? observe(spec, claimed) : runtime.run(spec);
    },
    livePids: () => [...new Set([...runtime.livePids(), ...pool.activePids()])],
    start: () => pool.start(),
    close: async () => { await Promise.all([pool.close(), runtime.close?.()]); },
    spares: () => pool.stats(),
    envChanged: () => {
      pool.renewEnv();
      runtime.envChanged?.();
    },
    retireProcesses: (reason) => {
      pool.retire(reason);
      runtime.retireProcesses?.(reason);
    },
    takeSpareFolder: () => pool.takeFreshCwd(),
    spareFolders: () => pool.freshFolders(),
  };
}
