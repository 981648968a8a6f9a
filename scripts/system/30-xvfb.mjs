// System part for `npm test`: a private X server (Xvfb) so the Electron end-to-end test can open real windows wherever
// an Electron binary exists (none can be downloaded on the build machines: that test then prints
// `skipped: no Electron binary`). Linux only; installs xvfb with apt-get when missing; exports CCG_TEST_DISPLAY
// (not DISPLAY: nothing else should start talking to it); stop() ends it by its PID.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';

const log = (m) => console.log(`[xvfb] ${m}`);

function which(name) {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function install() {
  if (!fs.existsSync('/usr/bin/apt-get')) return 'no apt-get on this machine';
  if (process.getuid?.() !== 0) return 'not root: cannot apt-get install xvfb';
  const opts = { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, encoding: 'utf8', timeout: 600_000 };
  let r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'xvfb', 'xauth'], opts);
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], opts);
    r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'xvfb', 'xauth'], opts);
  }
  return r.status === 0 ? null : `apt-get install xvfb failed: ${(r.stderr ?? '').trim().split('\n').slice(-1)[0]}`;
}

/** @param {NodeJS.ProcessEnv} env */
export async function setup(env) {
  if (process.platform !== 'linux') return {};
  const fail = (reason) => {
    if (env.CI === 'true') throw new Error(`Xvfb: ${reason}`);
    log(`${reason} — the Electron window test will need a display of its own`);
    return {};
  };
  if (!which('Xvfb')) {
    const why = install();
    if (why) return fail(why);
  }
  const xvfb = which('Xvfb');
  if (!xvfb) return fail('Xvfb not found after installing xvfb');
  for (let n = 90 + Math.floor(Math.random() * 400); n < 600; n += 7) {
    if (fs.existsSync(`/tmp/.X11-unix/X${n}`) || fs.existsSync(`/tmp/.X${n}-lock`)) continue;
    const proc = spawn(xvfb, [`:${n}`, '-screen', '0', '1280x900x24', '-nolisten', 'tcp'], { stdio: 'ignore', detached: true });
    for (let i = 0; i < 50 && proc.exitCode === null; i++) {
      if (fs.existsSync(`/tmp/.X11-unix/X${n}`)) {
        log(`display :${n} (pid ${proc.pid})`);
        return {
          env: { CCG_TEST_DISPLAY: `:${n}` },
          stop: async () => {
            try { process.kill(proc.pid, 'SIGTERM'); } catch { /* gone */ }
            log(`stopped pid ${proc.pid}`);
          },
        };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    try { process.kill(proc.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  return fail('no free display number');
}
