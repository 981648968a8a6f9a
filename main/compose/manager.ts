import fs from 'node:fs';
import path from 'node:path';
import { cancelled, deadline, delay, runCmd, tail, type CmdResult } from './exec.ts';
import { normalizeProjectName, parseInspect, PROJECT_LABEL, SERVICE_LABEL } from './inspect.ts';
import { streamLogs } from './logs.ts';
import {
  buildFailed,
  classifyDockerError,
  composeNotInstalled,
  daemonNotRunning,
  dockerNotInstalled,
  imageMissing,
  notRunning,
  shellQuote,
  unhealthy,
  type FixContext,
} from './problems.ts';
import { streamCmd, type StreamCmdResult } from './stream-cmd.ts';
import {
  ComposeError,
  type ComposeAction,
  type ComposeCli,
  type ComposeManager,
  type ComposeProblem,
  type ComposeStatus,
  type LogsOptions,
  type OpOptions,
  type ProgressOptions,
  type ServiceStatus,
  type Unsubscribe,
} from './types.ts';

export interface ComposeManagerOptions {
  /** Compose files, in merge order (absolute or relative to the process cwd). */
  files: string[];
  project: string;
  /** The service Claude runs in. */
  service: string;
  /** Runtime image; given to compose as DOCKER_IMAGE, checked before `up` and built (compose `build:`) when missing. */
  image: string;
  /** Host folder mounted as the container's /workspace (given to compose as CCG_WORKSPACE; created when missing). */
  workspace?: string;
  /** Extra variables for compose interpolation (e.g. CCG_HEALTH_INTERVAL) and the docker CLI (DOCKER_HOST). */
  env?: Record<string, string>;
  dockerBin?: string;
  /** Compose v1 executable (fallback when `docker compose` is absent). */
  composeV1Bin?: string;
  pollIntervalMs?: number;
  timeouts?: Partial<Record<'status' | 'up' | 'down' | 'restart' | 'build', number>>;
}

// A first build downloads a Node image and Claude Code: minutes on a slow line, so it has its own deadline.
const DEFAULT_TIMEOUTS = { status: 20_000, up: 180_000, down: 90_000, restart: 180_000, build: 1_800_000 };

/** Variables that change what a by-hand command does, so the commands shown to people carry them. */
const SHOWN_VARS = ['DOCKER_IMAGE', 'CCG_WORKSPACE', 'CCG_OAUTH_CALLBACK_PORT', 'DOCKER_HOST', 'CCG_BASE_IMAGE', 'CCG_CLAUDE_CODE_VERSION'];

/** Which compose CLI works depends only on the executables (and PATH), not on the project: detect once per process. */
const detected = new Map<string, ComposeCli>();

/**
 * Apps started from the macOS Finder get a bare PATH (/usr/bin:/bin…) without Docker Desktop's CLI: add the usual
 * places so "docker not installed" is never a false alarm there.
 */
function macDockerPath(): Record<string, string> {
  if (process.platform !== 'darwin') return {};
  const have = (process.env.PATH ?? '').split(':');
  const extra = ['/usr/local/bin', '/opt/homebrew/bin', '/Applications/Docker.app/Contents/Resources/bin'].filter((d) => !have.includes(d));
  return extra.length ? { PATH: [...have.filter(Boolean), ...extra].join(':') } : {};
}

function isEnoent(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOENT';
}

/**
 * Drives one compose project (docker compose v2, or docker-compose v1 when v2 is absent) with the docker CLI:
 * up (waits for healthy), down, restart, status per service (container labels + `docker inspect`), live logs.
 * Every call has a deadline and takes an AbortSignal; every failure is a ComposeError with the fixing command.
 */
export function createComposeManager(opts: ComposeManagerOptions): ComposeManager {
  const project = normalizeProjectName(opts.project);
  const files = opts.files.map((f) => path.resolve(f));
  const docker = opts.dockerBin ?? 'docker';
  const v1 = opts.composeV1Bin ?? 'docker-compose';
  const pollMs = opts.pollIntervalMs ?? 500;
  const timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const env: Record<string, string> = {
    ...macDockerPath(),
    DOCKER_IMAGE: opts.image,
    ...(opts.workspace ? { CCG_WORKSPACE: path.resolve(opts.workspace) } : {}),
    ...opts.env,
  };
  const detectKey = `${docker}\0${v1}\0${env.PATH ?? process.env.PATH ?? ''}`;
  let cli: ComposeCli | null = detected.get(detectKey) ?? null;
  let detecting: Promise<ComposeCli> | null = null;
  let chain: Promise<unknown> = Promise.resolve();

  const projectArgs = (): string[] => ['-p', project, ...files.flatMap((f) => ['-f', f])];

  function commandLine(...args: string[]): string {
    const prefix = (cli?.argv ?? ['docker', 'compose']).join(' ');
    const vars = Object.entries(env)
      .filter(([k]) => SHOWN_VARS.includes(k))
      .map(([k, v]) => `${k}=${shellQuote(v)}`);
    return [...vars, prefix, ...projectArgs().map(shellQuote), ...args].join(' ');
  }

  /** The Claude Code version a refresh installs: the user's pin, else the newest. */
  const refreshVersion = (): string => env.CCG_CLAUDE_CODE_VERSION ?? process.env.CCG_CLAUDE_CODE_VERSION ?? 'latest';

  function commandFor(action: ComposeAction): string {
    switch (action) {
      case 'up':
        return commandLine('up', '-d');
      case 'down':
        return commandLine('down');
      case 'restart':
        return commandLine('restart', opts.service);
      case 'rebuild': {
        const pin = env.CCG_CLAUDE_CODE_VERSION === undefined ? `CCG_CLAUDE_CODE_VERSION=${shellQuote(refreshVersion())} ` : '';
        return `${pin}CCG_CLAUDE_CODE_REFRESH=$(date +%s) ${commandLine('build', opts.service)} && ${commandLine('up', '-d', '--force-recreate')}`;
      }
    }
  }

  const fixCtx = (): FixContext => ({ compose: commandLine(), service: opts.service, image: opts.image, platform: process.platform });

  /** Any docker call: a missing binary or a daemon problem becomes a ComposeError. */
  async function dockerCmd(args: string[], o: OpOptions & { what?: string } = {}): Promise<CmdResult> {
    try {
      return await runCmd(docker, args, { env, signal: o.signal, timeoutMs: o.timeoutMs, what: o.what ?? `docker ${args[0]}` });
    } catch (err) {
      if (isEnoent(err)) throw new ComposeError(dockerNotInstalled());
      throw err;
    }
  }

  function failure(r: CmdResult, what: string): ComposeError {
    const known = classifyDockerError(r.stderr, fixCtx());
    if (known) return new ComposeError(known);
    return new ComposeError({ code: 'failed', reason: `\`${what}\` failed (exit ${r.exitCode}).`, fix: commandLine('logs', opts.service), detail: tail(r.stderr || r.stdout) });
  }

  async function detect(o: OpOptions = {}): Promise<ComposeCli> {
    if (cli) return cli;
    detecting ??= (async () => {
      const v2 = await dockerCmd(['compose', 'version', '--short'], { ...o, what: 'docker compose version', timeoutMs: o.timeoutMs ?? 20_000 });
      if (v2.exitCode === 0 && /\d/.test(v2.stdout)) return { kind: 'v2', argv: [docker, 'compose'], version: v2.stdout.trim().replace(/^v/, '') } satisfies ComposeCli;
      let r: CmdResult;
      try {
        r = await runCmd(v1, ['version', '--short'], { env, signal: o.signal, timeoutMs: o.timeoutMs ?? 20_000, what: 'docker-compose version' });
      } catch (err) {
        if (isEnoent(err)) throw new ComposeError(composeNotInstalled());
        throw err;
      }
      if (r.exitCode === 0 && /\d/.test(r.stdout)) return { kind: 'v1', argv: [v1], version: r.stdout.trim() } satisfies ComposeCli;
      throw new ComposeError({ ...composeNotInstalled(), detail: tail(r.stderr) });
    })();
    try {
      cli = await detecting;
      detected.set(detectKey, cli);
      return cli;
    } finally {
      detecting = null;
    }
  }

  async function compose(args: string[], o: OpOptions & { what: string }): Promise<CmdResult> {
    const c = await detect(o);
    try {
      return await runCmd(c.argv[0], [...c.argv.slice(1), ...projectArgs(), ...args], { env, signal: o.signal, timeoutMs: o.timeoutMs, what: o.what });
    } catch (err) {
      if (isEnoent(err)) throw new ComposeError(c.kind === 'v2' ? dockerNotInstalled() : composeNotInstalled());
      throw err;
    }
  }

  async function checkDaemon(o: OpOptions): Promise<void> {
    const r = await dockerCmd(['version', '--format', '{{.Server.Version}}'], { ...o, what: 'docker version' });
    if (r.exitCode !== 0) throw new ComposeError(classifyDockerError(r.stderr, fixCtx()) ?? daemonNotRunning(r.stderr));
  }

  /** The image's id, or null when it is not on this machine. */
  async function imageId(o: OpOptions, ref = opts.image): Promise<string | null> {
    const r = await dockerCmd(['image', 'inspect', '--format', '{{.Id}}', ref], { ...o, what: 'docker image inspect' });
    if (r.exitCode === 0) return r.stdout.trim() || null;
    const known = classifyDockerError(r.stderr, fixCtx());
    if (known && known.code !== 'image-missing') throw new ComposeError(known);
    return null;
  }

  async function imagePresent(o: OpOptions): Promise<boolean> {
    return (await imageId(o)) !== null;
  }

  /**
   * `compose build` of the main service, its output streamed as progress lines, under the build deadline (the
   * caller's signal still cancels it). A compose file without `build:` builds nothing: the image stays missing.
   */
  async function buildNow(o: OpOptions & ProgressOptions, refresh: boolean): Promise<void> {
    const ms = timeouts.build;
    const dl = deadline(ms, o.signal);
    try {
      const c = await detect({ signal: dl.signal });
      o.onProgress?.({ type: 'stage', stage: 'building' });
      // BUILDKIT_PROGRESS: v2's BuildKit output as plain lines; v1's classic builder prints "Step n/m" lines anyway.
      const buildEnv: Record<string, string> = { ...env, BUILDKIT_PROGRESS: 'plain' };
      if (refresh) Object.assign(buildEnv, { CCG_CLAUDE_CODE_VERSION: refreshVersion(), CCG_CLAUDE_CODE_REFRESH: String(Date.now()) });
      // v1's classic builder keeps a failed step's container unless told not to.
      const args = [...c.argv.slice(1), ...projectArgs(), 'build', ...(c.kind === 'v1' ? ['--force-rm'] : []), opts.service];
      let r: StreamCmdResult;
      try {
        r = await streamCmd(c.argv[0], args, { env: buildEnv, signal: dl.signal, what: 'compose build', onLine: (text) => o.onProgress?.({ type: 'line', text }) });
      } catch (err) {
        if (isEnoent(err)) throw new ComposeError(c.kind === 'v2' ? dockerNotInstalled() : composeNotInstalled());
        throw err;
      }
      if (r.exitCode !== 0) throw new ComposeError(buildFailed(fixCtx(), r.tail, r.exitCode));
      if (!(await imagePresent({ signal: dl.signal }))) {
        throw new ComposeError(imageMissing(fixCtx(), 'compose build ended without the image: does the compose file have a `build:` section for this service?'));
      }
    } catch (err) {
      throw asComposeError(err, 'compose build', dl.expired(), ms);
    } finally {
      dl.dispose();
    }
  }

  async function listServices(o: OpOptions): Promise<ServiceStatus[]> {
    const ps = await dockerCmd(['ps', '-a', '-q', '--no-trunc', '--filter', `label=${PROJECT_LABEL}=${project}`], { ...o, what: 'docker ps' });
    if (ps.exitCode !== 0) throw failure(ps, 'docker ps');
    const ids = ps.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
    if (!ids.length) return [];
    const ins = await dockerCmd(['inspect', ...ids], { ...o, what: 'docker inspect' });
    // A container removed between ps and inspect makes inspect exit 1 but still print the others.
    if (ins.exitCode !== 0 && !ins.stdout.trim().startsWith('[')) throw failure(ins, 'docker inspect');
    return parseInspect(ins.stdout);
  }

  function summarize(services: ServiceStatus[]): Pick<ComposeStatus, 'overall' | 'problem'> {
    const main = services.find((s) => s.service === opts.service);
    if (!main || main.state !== 'running') {
      if (main?.state === 'restarting') return { overall: 'starting', problem: null };
      return { overall: 'stopped', problem: null };
    }
    if (main.health === 'starting') return { overall: 'starting', problem: null };
    if (main.health === 'unhealthy') return { overall: 'unhealthy', problem: unhealthy(fixCtx(), main.lastHealthOutput ?? '') };
    return { overall: 'running', problem: null };
  }

  /** Maps anything thrown to a ComposeError (timeouts of a deadline read as 'timeout', not 'cancelled'). */
  function asComposeError(err: unknown, what: string, expired = false, ms = 0): ComposeError {
    if (err instanceof ComposeError) {
      if (expired && err.code === 'cancelled') {
        return new ComposeError({ code: 'timeout', reason: `${what} did not finish in ${Math.round(ms / 1000)} s.`, fix: `${commandLine('ps')}   and   ${commandLine('logs', opts.service)}` });
      }
      return err;
    }
    if (expired) return asComposeError(cancelled(what), what, true, ms);
    return new ComposeError({ code: 'failed', reason: `${what} failed: ${err instanceof Error ? err.message : String(err)}`, fix: commandLine('ps') });
  }

  async function status(o: OpOptions = {}): Promise<ComposeStatus> {
    const ms = o.timeoutMs ?? timeouts.status;
    const dl = deadline(ms, o.signal);
    const base = { project, compose: cli, checkedAt: new Date().toISOString() };
    try {
      await detect({ signal: dl.signal });
      await checkDaemon({ signal: dl.signal });
      const services = await listServices({ signal: dl.signal });
      const summary = summarize(services);
      if (summary.overall === 'stopped' && !(await imagePresent({ signal: dl.signal }))) {
        summary.problem = imageMissing(fixCtx());
      }
      return { ...base, compose: cli, ...summary, services };
    } catch (err) {
      const e = asComposeError(err, 'status', dl.expired(), ms);
      return { ...base, compose: cli, overall: 'error', services: [], problem: e.toProblem() };
    } finally {
      dl.dispose();
    }
  }

  /** Polls until the main service is healthy (or running without a healthcheck); throws on unhealthy/exited. */
  async function waitHealthy(signal: AbortSignal): Promise<ComposeStatus> {
    for (;;) {
      const services = await listServices({ signal });
      const main = services.find((s) => s.service === opts.service);
      const summary = summarize(services);
      if (summary.overall === 'running') return { project, compose: cli, checkedAt: new Date().toISOString(), services, ...summary };
      if (summary.overall === 'unhealthy' && summary.problem) throw new ComposeError(summary.problem);
      if (main && (main.state === 'exited' || main.state === 'dead')) {
        const logs = await compose(['logs', '--no-color', '--tail', '20', opts.service], { signal, what: 'compose logs' }).catch(() => null);
        throw new ComposeError({
          code: 'failed',
          reason: `The Claude container exited (code ${main.exitCode ?? '?'}) right after it started.`,
          fix: commandLine('logs', opts.service),
          detail: tail(logs ? logs.stdout + logs.stderr : ''),
        });
      }
      if (!main && services.length === 0) {
        throw new ComposeError({ ...notRunning(fixCtx()), reason: 'No container was created for the Claude service.' });
      }
      await delay(pollMs, signal).catch(() => { throw cancelled('waiting for the container to become healthy'); });
    }
  }

  /** up/down/restart/build never interleave within one manager (a tray double-click, a UI retry). */
  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = chain.then(fn, fn);
    chain = p.catch(() => undefined);
    return p;
  }

  /** Runs `fn` under a deadline of `ms` that the caller's signal can cut short. */
  async function timed<T>(what: string, ms: number, o: OpOptions, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const dl = deadline(ms, o.signal);
    try {
      return await fn(dl.signal);
    } catch (err) {
      throw asComposeError(err, what, dl.expired(), ms);
    } finally {
      dl.dispose();
    }
  }

  function withDeadline<T>(what: string, ms: number, o: OpOptions, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return serial(() => timed(what, ms, o, fn));
  }

  /** `compose up -d` (plus `extra`), then waits until the main service is healthy. */
  async function startNow(signal: AbortSignal, o: ProgressOptions, extra: string[] = []): Promise<ComposeStatus> {
    o.onProgress?.({ type: 'stage', stage: 'starting' });
    if (opts.workspace) fs.mkdirSync(opts.workspace, { recursive: true });
    const r = await compose(['up', '-d', ...extra], { signal, what: 'compose up' });
    if (r.exitCode !== 0) throw failure(r, 'compose up');
    o.onProgress?.({ type: 'stage', stage: 'waiting-healthy' });
    return waitHealthy(signal);
  }

  /** up: checks, a build when the image is missing (its own deadline), then start + health under `ms`. */
  async function upNow(o: OpOptions & ProgressOptions, ms: number): Promise<ComposeStatus> {
    const missing = await timed('compose up', ms, o, async (signal) => {
      o.onProgress?.({ type: 'stage', stage: 'checking' });
      await detect({ signal });
      await checkDaemon({ signal });
      return !(await imagePresent({ signal }));
    });
    if (missing) await buildNow(o, false);
    return timed('compose up', ms, o, (signal) => startNow(signal, o));
  }

  async function rebuildNow(o: OpOptions & ProgressOptions): Promise<ComposeStatus> {
    const ms = o.timeoutMs ?? timeouts.up;
    const old = await timed('rebuild', ms, o, async (signal) => {
      o.onProgress?.({ type: 'stage', stage: 'checking' });
      await detect({ signal });
      await checkDaemon({ signal });
      return imageId({ signal });
    });
    await buildNow(o, true);
    const st = await timed('compose up', ms, o, (signal) => startNow(signal, o, ['--force-recreate']));
    if (old) await dropIfDangling(old);
    return st;
  }

  /** The image a rebuild replaced, when nothing names or uses it any more (never a tag someone else kept). */
  async function dropIfDangling(id: string): Promise<void> {
    const r = await dockerCmd(['image', 'inspect', '--format', '{{len .RepoTags}}', id], { timeoutMs: 15_000, what: 'docker image inspect' }).catch(() => null);
    if (r?.exitCode !== 0 || r.stdout.trim() !== '0') return;
    // Fails (and is left) while a container of another project still runs it.
    await dockerCmd(['image', 'rm', id], { timeoutMs: 60_000, what: 'docker image rm' }).catch(() => null);
  }

  return {
    project,
    service: opts.service,
    files,
    image: opts.image,
    detect,
    status,
    commandLine,
    commandFor,
    up: (o = {}) => serial(() => upNow(o, o.timeoutMs ?? timeouts.up)),
    build: (o = {}) => serial(() => buildNow(o, o.refresh === true)),
    rebuild: (o = {}) => serial(() => rebuildNow(o)),

    down: (o = {}) =>
      withDeadline('compose down', o.timeoutMs ?? timeouts.down, o, async (signal) => {
        o.onProgress?.({ type: 'stage', stage: 'stopping' });
        await checkDaemon({ signal });
        const r = await compose(['down', '--remove-orphans', '-t', '10', ...(o.removeVolumes ? ['-v'] : [])], { signal, what: 'compose down' });
        if (r.exitCode !== 0) throw failure(r, 'compose down');
      }),

    restart: (o = {}) =>
      serial(async () => {
        const ms = o.timeoutMs ?? timeouts.restart;
        const running = await timed('compose restart', ms, o, async (signal) => {
          o.onProgress?.({ type: 'stage', stage: 'checking' });
          await checkDaemon({ signal });
          const main = (await listServices({ signal })).find((s) => s.service === opts.service);
          return main?.state === 'running';
        });
        // Nothing to restart: start it (building the image if need be).
        if (!running) return upNow(o, ms);
        return timed('compose restart', ms, o, async (signal) => {
          o.onProgress?.({ type: 'stage', stage: 'restarting' });
          const r = await compose(['restart', '-t', '10', opts.service], { signal, what: 'compose restart' });
          if (r.exitCode !== 0) throw failure(r, 'compose restart');
          o.onProgress?.({ type: 'stage', stage: 'waiting-healthy' });
          return waitHealthy(signal);
        });
      }),

    logs(lo: LogsOptions): Unsubscribe {
      let stop: Unsubscribe | null = null;
      let cancelledEarly = false;
      const args = ['logs', '--no-color', '--tail', String(lo.tail ?? 200), ...(lo.follow === false ? [] : ['-f']), lo.service ?? opts.service];
      const classify = (stderr: string, exitCode: number | undefined, spawnCode: string | undefined): ComposeProblem => {
        if (spawnCode === 'ENOENT') return cli?.kind === 'v1' ? composeNotInstalled() : dockerNotInstalled();
        return classifyDockerError(stderr, fixCtx()) ?? { code: 'failed', reason: `compose logs ended (exit ${exitCode ?? '?'}).`, fix: commandLine('logs', opts.service), detail: tail(stderr) };
      };
      void detect({ timeoutMs: 20_000 }).then(
        (c) => {
          if (cancelledEarly) return;
          stop = streamLogs({ file: c.argv[0], args: [...c.argv.slice(1), ...projectArgs(), ...args], env, project, onLine: lo.onLine, onEnd: lo.onEnd, classify });
        },
        (err: unknown) => { if (!cancelledEarly) lo.onEnd?.(asComposeError(err, 'compose logs').toProblem()); },
      );
      return () => {
        cancelledEarly = true;
        stop?.();
      };
    },

    async runningContainer(o: OpOptions = {}): Promise<string> {
      const r = await dockerCmd(
        ['ps', '--no-trunc', '--filter', `label=${PROJECT_LABEL}=${project}`, '--filter', `label=${SERVICE_LABEL}=${opts.service}`, '--filter', 'status=running', '--format', '{{.ID}}\t{{.Status}}'],
        { signal: o.signal, timeoutMs: o.timeoutMs ?? 15_000, what: 'docker ps' },
      );
      if (r.exitCode !== 0) throw new ComposeError(classifyDockerError(r.stderr, fixCtx()) ?? daemonNotRunning(r.stderr));
      const line = r.stdout.split('\n').find((l) => l.trim());
      if (!line) throw new ComposeError(notRunning(fixCtx()));
      const [id, st = ''] = line.split('\t');
      if (/\(unhealthy\)/.test(st)) throw new ComposeError(unhealthy(fixCtx()));
      return id.trim();
    },
  };
}
