// System part for `npm test`: a real docker engine + compose, and the runtime TEST image built from local files.
// Installs docker.io, docker-compose and busybox-static with apt-get when missing (root, Debian), then starts a
// PRIVATE dockerd (own socket, data-root, exec-root, pidfile under a temp dir) that never touches the host
// network: no bridge, no iptables, no NAT; test containers use `network_mode: host` and only ever reach
// 127.0.0.1. Exports DOCKER_HOST, DOCKER_AVAILABLE=1 and CCG_DOCKER_TEST_IMAGE; stop() removes every container
// and stops that dockerd by its PID. Under CI=true any failure is an error; elsewhere docker tests are skipped
// with the printed reason (DOCKER_AVAILABLE=0, CCG_DOCKER_SKIP_REASON).
// Run directly (`node scripts/system/20-docker.mjs`) to keep an engine up for running single test files.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTestImage, TEST_IMAGE } from '../docker/test-image.mjs';

const log = (m) => console.log(`[docker] ${m}`);

function which(name) {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/sbin', '/bin'])) {
    const p = path.join(dir, name);
    try { fs.accessSync(p, fs.constants.X_OK); return p; } catch { /* next */ }
  }
  return null;
}

function hasCompose() {
  return spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0 || which('docker-compose') !== null;
}

function ensurePackages() {
  const missing = [];
  if (!which('dockerd') || !which('docker')) missing.push('docker.io');
  if (!hasCompose()) missing.push('docker-compose');
  if (!which('busybox')) missing.push('busybox-static');
  if (!missing.length) return;
  if (process.getuid?.() !== 0 || !which('apt-get')) throw new Error(`missing ${missing.join(', ')} and cannot apt-get install them (not root on Debian)`);
  log(`installing ${missing.join(' ')} with apt-get`);
  const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const upd = spawnSync('apt-get', ['update', '-q'], { stdio: ['ignore', 'ignore', 'inherit'], env: aptEnv, timeout: 300_000 });
  if (upd.status !== 0) throw new Error('apt-get update failed');
  const inst = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { stdio: ['ignore', 'ignore', 'inherit'], env: aptEnv, timeout: 600_000 });
  if (inst.status !== 0) throw new Error(`apt-get install ${missing.join(' ')} failed`);
}

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Leftovers of a run that was killed: temp dirs whose dockerd is gone. */
function cleanStale() {
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!name.startsWith('ccg-dockerd-')) continue;
    const dir = path.join(os.tmpdir(), name);
    let pid = 0;
    try { pid = Number(fs.readFileSync(path.join(dir, 'dockerd.pid'), 'utf8')); } catch { /* no pidfile */ }
    if (pid && alive(pid)) continue;
    try {
      const st = fs.statSync(dir);
      if (Date.now() - st.mtimeMs < 10 * 60_000 && !pid) continue; // maybe still starting
      unmountUnder(dir);
      fs.rmSync(dir, { recursive: true, force: true });
    } catch { /* mounts left behind: leave it */ }
  }
}

export async function startPrivateDaemon() {
  const dockerd = which('dockerd');
  if (!dockerd) throw new Error('dockerd not found');
  if (process.getuid?.() !== 0) throw new Error('a private dockerd needs root');
  cleanStale();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-dockerd-'));
  const sock = path.join(dir, 'docker.sock');
  const pidfile = path.join(dir, 'dockerd.pid');
  const logFile = path.join(dir, 'dockerd.log');
  const out = fs.openSync(logFile, 'a');
  const child = spawn(dockerd, [
    '--iptables=false', '--ip6tables=false', '--bridge=none', '--ip-forward=false', '--ip-masq=false', '--userland-proxy=false',
    '-H', `unix://${sock}`, '--data-root', path.join(dir, 'data'), '--exec-root', path.join(dir, 'exec'), '--pidfile', pidfile,
  ], { stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out);
  child.unref();
  const env = { ...process.env, DOCKER_HOST: `unix://${sock}` };
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null || !alive(child.pid)) throw new Error(`dockerd exited: ${fs.readFileSync(logFile, 'utf8').split('\n').slice(-5).join('\n')}`);
    if (spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { env, stdio: 'ignore', timeout: 10_000 }).status === 0) break;
    if (Date.now() - t0 > 60_000) { process.kill(child.pid, 'SIGKILL'); throw new Error('dockerd did not become ready in 60 s'); }
    await sleep(200);
  }
  log(`private dockerd pid ${child.pid} ready in ${Date.now() - t0} ms (${sock})`);
  return { pid: child.pid, dir, env };
}

/** dockerd leaves some mounts behind (exec-root/netns/default, overlay layers after a crash): lazily unmount them. */
function unmountUnder(dir) {
  let mounts = [];
  try { mounts = fs.readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter((m) => m && m.startsWith(dir + '/')); } catch { return; }
  for (const m of mounts.sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
}

export async function stopDaemon(d) {
  const ids = spawnSync('docker', ['ps', '-aq'], { env: d.env, encoding: 'utf8', timeout: 20_000 }).stdout?.split('\n').filter(Boolean) ?? [];
  if (ids.length) spawnSync('docker', ['rm', '-f', '-v', ...ids], { env: d.env, stdio: 'ignore', timeout: 60_000 });
  if (alive(d.pid)) process.kill(d.pid, 'SIGTERM');
  for (let i = 0; i < 150 && alive(d.pid); i++) await sleep(100);
  if (alive(d.pid)) process.kill(d.pid, 'SIGKILL');
  for (let i = 0; i < 50 && alive(d.pid); i++) await sleep(100);
  unmountUnder(d.dir);
  try { fs.rmSync(d.dir, { recursive: true, force: true }); } catch (err) { log(`could not remove ${d.dir}: ${err.message}`); }
  log(`private dockerd ${d.pid} stopped`);
}

export async function setup(env) {
  const inCi = env.CI === 'true';
  let daemon = null;
  try {
    ensurePackages();
    daemon = await startPrivateDaemon();
    const image = await buildTestImage({ env: daemon.env, tag: TEST_IMAGE, log });
    return {
      env: { DOCKER_HOST: daemon.env.DOCKER_HOST, DOCKER_AVAILABLE: '1', CCG_DOCKER_TEST_IMAGE: image },
      stop: () => stopDaemon(daemon),
    };
  } catch (err) {
    if (daemon) await stopDaemon(daemon).catch(() => {});
    const reason = `docker engine unavailable: ${err instanceof Error ? err.message : String(err)}`;
    if (inCi) throw new Error(reason);
    log(`${reason} — docker tests will be skipped`);
    return { env: { DOCKER_AVAILABLE: '0', CCG_DOCKER_SKIP_REASON: reason } };
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const res = await setup({ ...process.env });
  for (const [k, v] of Object.entries(res.env ?? {})) console.log(`export ${k}=${JSON.stringify(v)}`);
  if (res.stop) {
    console.log('# engine up; Ctrl-C stops it');
    const stop = async () => { await res.stop(); process.exit(0); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    setInterval(() => {}, 1 << 30);
  }
}
