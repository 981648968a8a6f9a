// Builds the docker TEST image from local files only (no registry is reachable on test machines): a rootfs
// with busybox-static, bash, the real claude binary from the Agent SDK's platform package, the shared
// libraries `ldd` lists for them, a non-root user `claude` (uid 1000) and /tmp, imported with `docker import`.
// It mirrors docker/Dockerfile's layout: `claude` on PATH, HOME=/home/claude, /workspace, SHELL=/bin/bash.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TEST_IMAGE = 'claude-code-gateway-test:latest';
const RECIPE_VERSION = '2';

export function claudeBinaryPath() {
  return path.join(root, 'node_modules/@anthropic-ai/claude-agent-sdk-linux-x64/claude');
}

function which(name) {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/sbin', '/bin'])) {
    const p = path.join(dir, name);
    try { fs.accessSync(p, fs.constants.X_OK); return p; } catch { /* next */ }
  }
  return null;
}

/** Shared libraries a dynamic binary needs, as absolute paths (the loader included). */
function lddLibs(binary) {
  const r = spawnSync('ldd', [binary], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ldd ${binary} failed: ${r.stderr || r.stdout}`);
  const libs = [];
  for (const line of r.stdout.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]);
  }
  return libs;
}

function fingerprint(files) {
  const h = crypto.createHash('sha256').update(RECIPE_VERSION);
  for (const f of files) { const st = fs.statSync(f); h.update(`${f}:${st.size}:${st.mtimeMs}`); }
  return h.digest('hex').slice(0, 16);
}

function docker(args, env, opts = {}) {
  return spawnSync('docker', args, { encoding: 'utf8', env, ...opts });
}

/**
 * Builds (or reuses, when the same inputs built it before) the test image on the daemon `env` points at.
 * Returns the image tag.
 */
export async function buildTestImage({ env = process.env, tag = TEST_IMAGE, log = (m) => console.log(`[docker] ${m}`) } = {}) {
  const claude = claudeBinaryPath();
  if (!fs.existsSync(claude)) throw new Error(`claude binary not found at ${claude} (npm install)`);
  const busybox = which('busybox');
  if (!busybox) throw new Error('busybox not found (apt-get install busybox-static)');
  const bash = which('bash');
  if (!bash) throw new Error('bash not found');
  // Node runs the file guard (Claude Code's PreToolUse hook) inside the container, as in the shipped image.
  const node = fs.realpathSync(process.execPath);
  const fp = fingerprint([claude, busybox, bash, node]);
  const existing = docker(['image', 'inspect', '--format', '{{index .Config.Labels "ccg.test.fingerprint"}}', tag], env);
  if (existing.status === 0 && existing.stdout.trim() === fp) { log(`test image ${tag} is up to date`); return tag; }

  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-rootfs-'));
  try {
    const rootfs = path.join(stage, 'rootfs');
    for (const d of ['bin', 'usr/bin', 'usr/local/bin', 'etc', 'tmp', 'home/claude', 'workspace', 'root']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
    fs.copyFileSync(busybox, path.join(rootfs, 'bin/busybox'));
    fs.chmodSync(path.join(rootfs, 'bin/busybox'), 0o755);
    const applets = spawnSync(busybox, ['--list'], { encoding: 'utf8' }).stdout.split('\n').map((s) => s.trim()).filter(Boolean);
    for (const a of applets) {
      if (a === 'busybox' || a === 'bash') continue;
      fs.symlinkSync('busybox', path.join(rootfs, 'bin', a));
    }
    fs.symlinkSync('/bin/busybox', path.join(rootfs, 'usr/bin/env'));
    fs.copyFileSync(bash, path.join(rootfs, 'bin/bash'));
    fs.chmodSync(path.join(rootfs, 'bin/bash'), 0o755);
    // A copy, not a hard link: concurrent Claude runs may touch the original's inode while tar reads it.
    const claudeDst = path.join(rootfs, 'usr/local/bin/claude');
    fs.copyFileSync(claude, claudeDst);
    fs.chmodSync(claudeDst, 0o755);
    const nodeDst = path.join(rootfs, 'usr/local/bin/node');
    fs.copyFileSync(node, nodeDst);
    fs.chmodSync(nodeDst, 0o755);
    for (const lib of new Set([...lddLibs(claude), ...lddLibs(bash), ...lddLibs(node)])) {
      const dst = path.join(rootfs, lib);
      fs.mkdirSync(path.dirname(dst), { recursive: true });
      if (!fs.existsSync(dst)) fs.copyFileSync(fs.realpathSync(lib), dst);
    }
    fs.writeFileSync(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nclaude:x:1000:1000:claude:/home/claude:/bin/bash\n');
    fs.writeFileSync(path.join(rootfs, 'etc/group'), 'root:x:0:\nclaude:x:1000:\n');
    fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777);
    fs.chownSync(path.join(rootfs, 'home/claude'), 1000, 1000);
    fs.chownSync(path.join(rootfs, 'workspace'), 1000, 1000);

    const changes = [
      'ENV PATH=/usr/local/bin:/usr/bin:/bin',
      'ENV HOME=/home/claude',
      'ENV SHELL=/bin/bash',
      'USER claude',
      'WORKDIR /workspace',
      `LABEL ccg.test.fingerprint=${fp}`,
      'CMD ["sh", "-c", "echo \\"claude runtime ready: $(claude --version)\\"; exec tail -f /dev/null"]',
    ].flatMap((c) => ['-c', c]);
    log(`importing test image ${tag} (busybox + bash + node + claude)`);
    await new Promise((resolve, reject) => {
      const tar = spawn('tar', ['-C', rootfs, '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const imp = spawn('docker', ['import', ...changes, '-', tag], { env, stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      let tarErr = '';
      let tarCode = null;
      imp.stderr.on('data', (d) => { err += d; });
      tar.stderr.on('data', (d) => { tarErr += d; });
      tar.stdout.pipe(imp.stdin);
      tar.on('error', reject);
      tar.on('exit', (code) => { tarCode = code; });
      imp.on('error', reject);
      imp.on('close', (code) => {
        if (code !== 0) return reject(new Error(`docker import failed (${code}): ${err.trim()}`));
        if (tarCode !== 0) return reject(new Error(`tar of the rootfs failed (${tarCode}): ${tarErr.trim()}`));
        resolve();
      });
    });
    return tag;
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildTestImage({ tag: process.argv[2] ?? TEST_IMAGE }).then((t) => console.log(t), (e) => { console.error(e.message); process.exit(1); });
}
