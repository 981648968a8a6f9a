/**
 * The docker runtime's view of a run's Claude Code settings. main/policy/confine.ts speaks in HOST paths (DATA_DIR,
 * the chats root, a chat's folder, the host's home and CLAUDE_CONFIG_DIR), but Claude Code runs in the container,
 * where those paths mean nothing (or something else): a deny rule naming /tmp/… of the host confines nothing there.
 * This module rewrites every path of the settings into the container's (pure: the caller gives the mapping), so it
 * composes with whatever confine emits:
 * - a host path inside a bind mount becomes the same place under the mount's container path (the workspace at
 *   /workspace, a project at /projects/<name>);
 * - a denied host folder that CONTAINS a mount (DATA_DIR holding the default workspace) denies that whole mount;
 * - a denied host path under the host's home (or Claude's config dir) is denied at the same place under the
 *   container's home, which holds the container's own counterparts (~/.claude, ~/.claude.json);
 * - anything else is not in the container: a deny of it is moot and a grant of it would name a different place, so
 *   it is dropped, and reported with the reason.
 * Allow-like entries (grants, working folders, exemptions) only ever map exactly: never widened, never guessed.
 */
import path from 'node:path';
import type { Settings } from '@anthropic-ai/claude-agent-sdk';

/** A host folder and where the container sees it: a bind mount's target, or a home-relative `~`/`~/…`. */
export interface PathMount {
  host: string;
  container: string;
}

export interface ContainerPathMap {
  /** Bind mounts (host folder → absolute container folder). */
  mounts: readonly PathMount[];
  /** Host folders whose counterpart is the container's home or a folder in it (host HOME → `~`, CLAUDE_CONFIG_DIR → `~/.claude`): deny side only. */
  homes: readonly PathMount[];
}

export interface DroppedPath {
  /** Where in the settings (`sandbox.filesystem.allowRead`, `permissions.deny`…). */
  key: string;
  value: string;
  reason: string;
}

/** A command hook: what runs, with its arguments (the file guard: policy/file-guard.ts). */
export interface HookCommand {
  command: string;
  args: string[];
}

/**
 * The file guard in the container: how a hook names the host's guard (the argument after which the guard's own
 * arguments follow: its script, or the desktop binary's guard flag), and how the container runs its own copy.
 */
export interface GuardInContainer {
  isGuardArg(arg: string): boolean;
  container: HookCommand;
}

export interface ContainerSettings {
  settings: Settings;
  dropped: DroppedPath[];
}

/** Built-in tools whose permission rules name paths (`Read(//abs/**)`, `Edit(~/x)`). */
const FILE_RULE_TOOLS = new Set(['Read', 'Edit', 'Write', 'MultiEdit', 'NotebookEdit', 'NotebookRead', 'Glob', 'Grep']);

const GLOB = /[*?[{]/;

function inside(child: string, parent: string): string | null {
  const rel = path.posix.relative(parent, child);
  if (rel === '') return '';
  return rel.startsWith('..') || path.posix.isAbsolute(rel) ? null : rel;
}

function norm(p: string): string {
  return path.posix.normalize(p.split(path.sep).join('/')).replace(/(.)\/+$/, '$1');
}

function join(base: string, ...parts: string[]): string {
  const rest = parts.filter(Boolean);
  if (base === '~') return rest.length ? `~/${rest.join('/')}` : '~';
  return path.posix.join(base, ...rest);
}

/** An absolute host path split into its literal folder part and what follows from the first glob segment on. */
function splitGlob(p: string): { base: string; rest: string } {
  const segs = p.split('/');
  const i = segs.findIndex((s) => GLOB.test(s));
  if (i < 0) return { base: norm(p), rest: '' };
  return { base: norm(segs.slice(0, i).join('/') || '/'), rest: segs.slice(i).join('/') };
}

/** The most specific entry holding `p`, with the path below it. */
function under(p: string, list: readonly PathMount[]): { m: PathMount; rel: string } | null {
  let best: { m: PathMount; rel: string } | null = null;
  for (const m of list) {
    const rel = inside(p, norm(m.host));
    if (rel !== null && (!best || norm(m.host).length > norm(best.m.host).length)) best = { m, rel };
  }
  return best;
}

/** The container path of a host path, exactly (inside a mount), else null. Globs after the literal part are kept. */
export function containerPathOf(hostPath: string, map: ContainerPathMap): string | null {
  const { base, rest } = splitGlob(hostPath);
  const hit = under(base, map.mounts);
  return hit ? join(hit.m.container, hit.rel, rest) : null;
}

/**
 * What a DENIED host path becomes in the container: its exact place in a mount, else the place under the
 * container's home plus every mount it contains (when the entry covers everything below it); [] when none of it is
 * in the container. `why` receives the reason when nothing is denied.
 */
export function deniedContainerPaths(hostPath: string, map: ContainerPathMap, why: (reason: string) => void = () => {}): string[] {
  const exact = containerPathOf(hostPath, map);
  if (exact) return [exact];
  const { base, rest } = splitGlob(hostPath);
  const out: string[] = [];
  const home = under(base, map.homes);
  if (home) out.push(join(home.m.container, home.rel, rest));
  const contained = map.mounts.filter((m) => inside(norm(m.host), base) !== null);
  if (contained.length && (rest === '' || rest === '**')) for (const m of contained) out.push(norm(m.container));
  else if (contained.length) why(`a pattern over a host folder that holds ${contained.map((m) => m.container).join(', ')}: not translated`);
  if (!out.length && !contained.length) why('not in the container (no mount or home holds it)');
  return [...new Set(out)];
}

type Side = 'deny' | 'allow';

/** One path entry (absolute or `~`-relative; others are relative to the run's folder and stay as they are). */
function translatePath(value: string, side: Side, map: ContainerPathMap, key: string, dropped: DroppedPath[]): string[] {
  if (!path.posix.isAbsolute(value)) return [value];
  if (side === 'allow') {
    const exact = containerPathOf(value, map);
    if (!exact) dropped.push({ key, value, reason: 'a grant of a host path outside every mount: it would name a different place in the container' });
    return exact ? [exact] : [];
  }
  const out = deniedContainerPaths(value, map, (reason) => dropped.push({ key, value, reason }));
  return out;
}

/** A permission rule: file tools' `//abs` specs are translated; other rules (Bash(…), WebFetch(…), mcp__…) stay. */
function translateRule(rule: string, side: Side, map: ContainerPathMap, key: string, dropped: DroppedPath[]): string[] {
  const m = /^(\w+)\((.*)\)$/s.exec(rule);
  if (!m || !FILE_RULE_TOOLS.has(m[1]) || !m[2].startsWith('//')) return [rule];
  const [, tool, spec] = m;
  const spelled = (p: string): string => (p.startsWith('~') ? p : `/${p}`);
  const paths = translatePath(spec.slice(1), side, map, key, dropped);
  // A denied folder that holds a mount denies the whole mount: its contents too.
  const denyAll = side === 'deny' && paths.length > 0 && !containerPathOf(spec.slice(1), map);
  return paths.flatMap((p) => (denyAll && !p.startsWith('~') && !GLOB.test(p) ? [`${tool}(${spelled(p)})`, `${tool}(${spelled(p)}/**)`] : [`${tool}(${spelled(p)})`]));
}

function list(values: readonly string[] | undefined, each: (v: string) => string[]): string[] | undefined {
  return values ? [...new Set(values.flatMap(each))] : undefined;
}

/**
 * The settings with every path in container terms; `dropped` lists what has no place in the container and why.
 * Keys this module does not know are kept as they are.
 */
export function containerSettings(settings: Settings, map: ContainerPathMap, guard?: GuardInContainer): ContainerSettings {
  const dropped: DroppedPath[] = [];
  const out: Settings = { ...settings };
  if (settings.hooks) out.hooks = guardHooksInContainer(settings.hooks, map, guard, dropped);
  const perms = settings.permissions;
  if (perms) {
    const rules = (k: 'allow' | 'deny' | 'ask', side: Side) => list(perms[k], (r) => translateRule(r, side, map, `permissions.${k}`, dropped));
    const paths = (k: 'additionalDirectories' | 'blockReadsExemptPaths' | 'workingDirectoriesAsGiven' | 'workingDirectoriesExclude', side: Side) =>
      list(perms[k], (p) => translatePath(p, side, map, `permissions.${k}`, dropped));
    out.permissions = defined({
      ...perms,
      allow: rules('allow', 'allow'),
      // An ask is a check, not a grant: kept wherever it can apply, like a deny.
      deny: rules('deny', 'deny'),
      ask: rules('ask', 'deny'),
      additionalDirectories: paths('additionalDirectories', 'allow'),
      blockReadsExemptPaths: paths('blockReadsExemptPaths', 'allow'),
      workingDirectoriesAsGiven: paths('workingDirectoriesAsGiven', 'allow'),
      workingDirectoriesExclude: paths('workingDirectoriesExclude', 'deny'),
    });
  }
  const sandbox = settings.sandbox;
  if (sandbox) {
    const fsys = sandbox.filesystem;
    const paths = (k: 'allowRead' | 'allowWrite' | 'denyRead' | 'denyWrite', side: Side) => list(fsys?.[k], (p) => translatePath(p, side, map, `sandbox.filesystem.${k}`, dropped));
    const creds = sandbox.credentials;
    out.sandbox = defined({
      ...sandbox,
      filesystem: fsys ? defined({ ...fsys, allowRead: paths('allowRead', 'allow'), allowWrite: paths('allowWrite', 'allow'), denyRead: paths('denyRead', 'deny'), denyWrite: paths('denyWrite', 'deny') }) : undefined,
      credentials: creds?.files ? { ...creds, files: creds.files.flatMap((f) => translatePath(f.path, 'deny', map, 'sandbox.credentials.files', dropped).map((p) => ({ ...f, path: p }))) } : creds,
    });
  }
  return { settings: out, dropped };
}

/** The object without its undefined values (exactOptionalPropertyTypes). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Host paths a (translated) settings object still names: every string under one of `hostRoots`. Empty when the
 * translation is complete; a safety net for keys confine may add later.
 */
export function hostPathsLeft(settings: Settings, hostRoots: readonly string[]): string[] {
  const found: string[] = [];
  const roots = hostRoots.map(norm);
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(/\/{1,2}[^\s()"']+/g)) {
        const p = norm(m[0].replace(/^\/\//, '/'));
        if (roots.some((r) => inside(splitGlob(p).base, r) !== null)) found.push(v);
      }
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(settings);
  return [...new Set(found)];
}

type HookSettings = NonNullable<Settings['hooks']>;

/**
 * The file guard's hook in container terms: the container's own copy of the guard, the run's folder and the guarded
 * roots as container paths (a denied root that holds a mount guards the whole mount). A host command means nothing in
 * the container — a hook that cannot start lets the tool through — so any other command hook is left out (and said).
 */
function guardHooksInContainer(hooks: HookSettings, map: ContainerPathMap, guard: GuardInContainer | undefined, dropped: DroppedPath[]): HookSettings {
  const out: Record<string, unknown> = {};
  for (const [event, matchers] of Object.entries(hooks)) {
    if (!Array.isArray(matchers)) continue;
    out[event] = matchers.map((m: { hooks?: unknown[] }) => ({
      ...m,
      hooks: (m.hooks ?? []).flatMap((h) => {
        const hook = h as { type?: string; command?: string; args?: string[] };
        if (hook.type !== 'command') return [h];
        const args = hook.args ?? [];
        const at = guard ? args.findIndex((a) => guard.isGuardArg(a)) : -1;
        if (!guard || at < 0) {
          dropped.push({ key: `hooks.${event}`, value: hook.command ?? '', reason: 'a host command does not run in the container' });
          return [];
        }
        const rest = args.slice(at + 1);
        const domains = rest.filter((a) => a.startsWith('--domain='));
        // Other flags (`--own=<host temp dir>`) name host places the container does not have: left out.
        const [own, ...roots] = rest.filter((a) => !a.startsWith('--'));
        const ownInside = own ? containerPathOf(own, map) : null;
        if (!ownInside) {
          dropped.push({ key: `hooks.${event}`, value: own ?? '', reason: "the run's folder has no place in the container" });
          return [];
        }
        const guarded = [...new Set(roots.flatMap((r) => deniedContainerPaths(r, map)).filter((r) => !r.startsWith('~')))];
        return [{ ...hook, command: guard.container.command, args: [...guard.container.args, ...domains, ownInside, ...guarded] }];
      }),
    }));
  }
  return out as HookSettings;
}
