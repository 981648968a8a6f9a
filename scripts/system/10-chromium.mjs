// System part for the dashboard's browser tests: Debian's Chromium, driven by playwright-core
// (Playwright's own browser download is refused on these machines). Exports CHROMIUM_PATH.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

function found() {
  if (process.env.CHROMIUM_PATH && fs.existsSync(process.env.CHROMIUM_PATH)) return process.env.CHROMIUM_PATH;
  return CANDIDATES.find((p) => fs.existsSync(p)) ?? null;
}

function aptInstall() {
  if (process.platform !== 'linux' || !fs.existsSync('/usr/bin/apt-get')) return 'no apt-get on this machine';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root: cannot apt-get install chromium';
  const opts = { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, encoding: 'utf8' };
  const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], opts);
  let r = install();
  if (r.status !== 0) {
    // a fresh machine has no package lists yet
    spawnSync('apt-get', ['update', '-q'], opts);
    r = install();
  }
  return r.status === 0 ? null : `apt-get install chromium failed: ${(r.stderr ?? '').trim().split('\n').slice(-2).join(' ')}`;
}

/** @param {NodeJS.ProcessEnv} _env */
export async function setup(_env) {
  let exe = found();
  if (!exe) {
    console.log('[chromium] /usr/bin/chromium missing: apt-get install chromium');
    const err = aptInstall();
    exe = found();
    if (!exe) {
      const msg = `Chromium is not available (${err ?? 'not found after install'}); browser tests will be skipped`;
      if (process.env.CI === 'true') throw new Error(msg);
      console.warn(`[chromium] ${msg}`);
      return {};
    }
  }
  return { env: { CHROMIUM_PATH: exe } };
}
