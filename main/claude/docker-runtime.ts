import os from 'node:os';
import path from 'node:path';
import type { Settings } from '@anthropic-ai/claude-agent-sdk';
import { ComposeError, type ComposeManager } from '../compose/types.ts';
import { log } from '../log.ts';
import { containerSettings, hostPathsLeft, type ContainerPathMap, type GuardInContainer, type PathMount } from './docker-paths.ts';
import { FILE_GUARD_FLAG, FILE_GUARD_SOURCE } from '../policy/file-guard.ts';
import fs from 'node:fs';
import { createDockerSpawnHook, killRunInContainer, type DockerSpawnHook } from './docker-spawn.ts';
import type { ProcessTracker } from './orphans.ts';
import { ShownTools } from './client-tool-endpoint.ts';
import { FolderCommandGate } from './folder-command-gate.ts';
import { createSdkRuntime } from './local-runtime.ts';
import { readBaseEnv, type BaseEnv, type ClaudeRuntime } from './runtime.ts';

export interface DockerRuntimeOptions {
  compose: ComposeManager;
  /** Host folder mounted as the container's workspace (the compose manager's workspace = config.claudeCwd). */
  hostWorkspace: string;
  containerWorkspace?: string;
  /** Host cwds mounted elsewhere than the workspace (projects): their container path, else null. */
  mapCwd?: (cwd: string) => string | null;
  /** Bind mounts besides the workspace (projects at /projects/<name>), read per run: the settings' paths are translated through them. */
  mounts?: () => readonly PathMount[];
  /** Base env for Claude (default process.env; a function is read per run); only Claude's own variables enter the container. */
  baseEnv?: BaseEnv;
  /** Env of the docker CLI (DOCKER_HOST…), on top of process.env. */
  dockerEnv?: Record<string, string>;
  dockerBin?: string;
  killGraceMs?: number;
  onStderr?: (line: string) => void;
  /** Lists runs while they live (crash recovery: see orphans.ts). */
  tracker?: ProcessTracker;
  /** How long a container id found by ready() is reused by the next spawn (saves a `docker ps` per request). */
  containerCacheMs?: number;
}

export interface DockerRuntime extends ClaudeRuntime {
  readonly kind: 'docker';
  /** The spawn hook (live runs, for diagnostics). */
  readonly spawnHook: DockerSpawnHook;
  /** Kills what is left of a run in a container (SIGKILL); resolves to the pids signalled. */
  killContainerRun(container: string, runId: string): Promise<number[]>;
}

/**
 * CLAUDE_RUNTIME=docker: every request runs `claude` inside the compose service's container through the Agent
 * SDK's spawn hook (`docker exec -i`), streaming exactly like the local runtime. ready() rejects with the
 * compose manager's ComposeError (reason + the command that fixes it) when the container is down or unhealthy.
 */
/**
 * The guard's copy for the container, under the workspace mount (`node` runs it there: the image has Node). Runs
 * write only in their own folder, never here.
 */
function installGuardInWorkspace(o: DockerRuntimeOptions): GuardInContainer {
  const dir = path.join(o.hostWorkspace, '.ccg');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'file-guard.cjs'), FILE_GUARD_SOURCE, { mode: 0o644 });
  return { isGuardArg: (a) => a === FILE_GUARD_FLAG || path.basename(a) === 'file-guard.cjs', container: { command: 'node', args: [path.posix.join(o.containerWorkspace ?? '/workspace', '.ccg', 'file-guard.cjs')] } };
}

export function createDockerRuntime(o: DockerRuntimeOptions): DockerRuntime {
  const guard = installGuardInWorkspace(o);
  const cacheMs = o.containerCacheMs ?? 3_000;
  let cached: { id: string; at: number } | null = null;

  const lookup = async (): Promise<string> => {
    const id = await o.compose.runningContainer({ timeoutMs: 15_000 });
    cached = { id, at: Date.now() };
    return id;
  };
  const container = async (): Promise<string> => (cached && Date.now() - cached.at < cacheMs ? cached.id : lookup());

  const spawnHook = createDockerSpawnHook({
    container,
    hostWorkspace: o.hostWorkspace,
    ...(o.containerWorkspace ? { containerWorkspace: o.containerWorkspace } : {}),
    ...(o.mapCwd ? { mapCwd: o.mapCwd } : {}),
    ...(o.dockerBin ? { dockerBin: o.dockerBin } : {}),
    ...(o.dockerEnv ? { dockerEnv: o.dockerEnv } : {}),
    ...(o.killGraceMs !== undefined ? { killGraceMs: o.killGraceMs } : {}),
    ...(o.onStderr ? { onStderr: o.onStderr } : {}),
    ...(o.tracker ? { tracker: o.tracker } : {}),
    explainExit: async (containerId) => {
      cached = null;
      try {
        const id = await lookup();
        return id === containerId ? null : 'The Claude container was replaced during the run.';
      } catch (err) {
        return err instanceof ComposeError ? `The Claude container stopped during the run: ${err.message}` : null;
      }
    },
  });

  const ready = async (): Promise<void> => {
    cached = null;
    await lookup();
  };
  // Sessions outlive the per-run SDK runtimes below: which client tools each was shown is kept here (client-tool-endpoint.ts).
  const shownTools = new ShownTools();
  // Chats of one project share its folder in the container too: their sandboxed commands take turns across runs.
  const commandGate = new FolderCommandGate();
  const readyRuntime = createSdkRuntime({ kind: 'docker', spawnHook, ready, ...(o.baseEnv ? { baseEnv: o.baseEnv } : {}) });

  return {
    kind: 'docker',
    spawnHook,
    ready: () => readyRuntime.ready(),
    // One SDK runtime per run, so the hook also gets this run's stderr sink and its immediate abort (the SDK's
    // own signal fires only after a ~2 s grace).
    run: (spec) =>
      createSdkRuntime({
        kind: 'docker',
        spawnHook: (options) => spawnHook(options, { onStderr: spec.onStderr, abortSignal: spec.abortController.signal }),
        shownTools,
        commandGate,
        ...(o.baseEnv ? { baseEnv: o.baseEnv } : {}),
      }).run(spec.settings ? { ...spec, settings: settingsForContainer(spec.settings, pathMap(o), guard) } : spec),
    clientToolsFit: (sessionId, tools) => shownTools.fits(sessionId, tools),
    livePids: () => spawnHook.live().map((p) => p.pid).filter((p): p is number => typeof p === 'number'),
    killContainerRun: (container, runId) => killRunInContainer({ dockerBin: o.dockerBin, dockerEnv: o.dockerEnv, containerId: container, runId, signal: 'KILL' }),
  };
}

/** How the container sees the host: the workspace and project mounts, the host's home and Claude's config dir. */
export function pathMap(o: Pick<DockerRuntimeOptions, 'hostWorkspace' | 'containerWorkspace' | 'mounts' | 'baseEnv'>): ContainerPathMap {
  const env = readBaseEnv(o.baseEnv);
  const homes: PathMount[] = [{ host: env.HOME || os.homedir(), container: '~' }];
  // The container's Claude keeps its config in ~/.claude (CLAUDE_CONFIG_DIR is never passed in).
  if (env.CLAUDE_CONFIG_DIR) homes.push({ host: path.resolve(env.CLAUDE_CONFIG_DIR), container: '~/.claude' });
  return { mounts: [{ host: path.resolve(o.hostWorkspace), container: o.containerWorkspace ?? '/workspace' }, ...(o.mounts?.() ?? [])], homes };
}

/** Host paths already warned about (see settingsForContainer). */
const warned = new Set<string>();

/**
 * A run's settings as the container needs them: every path in container terms (docker-paths.ts), and Claude Code's
 * sandbox in its nested mode — an unprivileged container cannot mount a fresh /proc, so bubblewrap fails without it
 * (the container's own /proc stays visible to sandboxed commands; the container is the outer boundary).
 */
export function settingsForContainer(settings: Settings, map: ContainerPathMap, guard?: GuardInContainer): Settings {
  const { settings: out, dropped } = containerSettings(settings, map, guard);
  for (const d of dropped) log.debug(`docker runtime: ${d.key} ${d.value} left out (${d.reason})`);
  // A key this translation does not know yet would carry host paths in: say so (once per value).
  for (const v of hostPathsLeft(out, [...map.mounts, ...map.homes].map((m) => m.host))) {
    if (warned.has(v) || warned.size >= 200) continue;
    warned.add(v);
    log.warn(`docker runtime: a run's settings still name a host path, which means nothing in the container: ${v}`);
  }
  return out.sandbox?.enabled ? { ...out, sandbox: { ...out.sandbox, enableWeakerNestedSandbox: true } } : out;
}
