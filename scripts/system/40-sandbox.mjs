// System part for `npm test`: what Claude Code's command sandbox needs on Linux — bubblewrap and socat — plus curl
// (the sandbox tests reach the model API through the sandbox's proxy with it). Installs them with apt-get when
// missing and checks that bwrap can really make a namespace here; exports CCG_TEST_SANDBOX=1 when it can. Under
// CI=true a missing or broken one is a failure; elsewhere the sandbox tests skip, saying why.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const log = (m) => console.log(`[sandbox] ${m}`);
const PACKAGES = ['bubblewrap', 'socat', 'curl'];
const BINARIES = ['bwrap', 'socat', 'curl', 'unshare'];

function which(name) {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function install() {
  if (!fs.existsSync('/usr/bin/apt-get')) return 'no apt-get on this machine';
  if (process.getuid?.() !== 0) return `not root: cannot apt-get install ${PACKAGES.join(' ')}`;
  const opts = { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, encoding: 'utf8', timeout: 600_000 };
  let r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...PACKAGES], opts);
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], opts);
    r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...PACKAGES], opts);
  }
  return r.status === 0 ? null : `apt-get install ${PACKAGES.join(' ')} failed: ${(r.stderr ?? '').trim().split('\n').slice(-1)[0]}`;
}

/** @param {NodeJS.ProcessEnv} env */
export async function setup(env) {
  if (process.platform !== 'linux') return {};
  const fail = (reason) => {
    if (env.CI === 'true') throw new Error(`sandbox: ${reason}`);
    log(`${reason} — the sandbox tests skip`);
    return {};
  };
  if (BINARIES.some((b) => !which(b))) {
    const why = install();
    if (why) return fail(why);
  }
  const missing = BINARIES.filter((b) => !which(b));
  if (missing.length) return fail(`${missing.join(', ')} not found after installing ${PACKAGES.join(' ')}`);
  const probe = spawnSync('bwrap', ['--ro-bind', '/', '/', '--dev', '/dev', '--unshare-net', 'true'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.status !== 0) return fail(`bwrap cannot create a namespace here: ${(probe.stderr ?? '').trim()}`);
  log(`bwrap ${which('bwrap')}, socat ${which('socat')}`);
  return { env: { CCG_TEST_SANDBOX: '1' } };
}
