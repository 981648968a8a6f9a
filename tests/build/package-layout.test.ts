/**
 * Packaging for real, up to the point this machine allows: electron-builder packs the app (`--linux dir`) exactly as
 * `npm run dist` would, except that a stand-in replaces the Electron runtime it cannot download here. Then the packed
 * app is checked: the entry point and preload are inside app.asar, every relative import of the packed Electron code
 * resolves inside it, the tray icons are there, the native Claude Code binary sits unpacked and executable, docker/
 * sits beside the archive — and the packed code BOOTS: extracted as Electron would read it (resources/app +
 * app.asar.unpacked + resources/docker), started with Node through the headless entry, with a local-runtime config
 * and a docker-runtime config, it answers /health and completes a chat against the scripted model. A resource the
 * installed app needs and the installer lacks fails here.
 * Built in a throwaway project directory so it never touches dist/ or out/ of the checkout.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { dockerSkip, forceRemoveProject, makeWorkspace, testImage, uniqueProject } from '../fixtures/docker-env.ts';
import { startScriptedAnthropic, type ScriptedAnthropic } from '../fixtures/scripted-anthropic.ts';
import { bashThenAnswer } from '../fixtures/scripts.ts';
import { claudeTestEnv } from '../helpers/gateway.ts';

const root = process.cwd();
const requireFromBuilder = createRequire(createRequire(path.join(root, 'package.json')).resolve('electron-builder/package.json'));
const asar = requireFromBuilder('@electron/asar') as {
  listPackage(archive: string, options: { isPack: boolean }): string[];
  extractFile(archive: string, filename: string): Buffer;
  extractAll(archive: string, dest: string): void;
};
const builderCli = requireFromBuilder.resolve('electron-builder/cli.js');

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true' }, maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
}

/** @electron/fuses' marker before the fuse wire: version byte, length byte, then one '0'/'1' per fuse. */
const FUSE_SENTINEL = Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX');
/** RunAsNode, CookieEncryption, NodeOptions, NodeCliInspect, AsarIntegrity, OnlyLoadAppFromAsar, V8Snapshot, FileProtocol. */
const ELECTRON_DEFAULT_FUSES = '10110001';

let project = '';
let appDir = '';

/** Packs once for every check below (electron-builder `--linux dir`, stand-in Electron runtime). */
function pack(): void {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-package-'));

  // the project as `npm run dist` sees it: package.json + lock, the config, build resources, node_modules, dist/
  for (const f of ['package.json', 'package-lock.json', 'electron-builder.yml']) fs.copyFileSync(path.join(root, f), path.join(project, f));
  fs.cpSync(path.join(root, 'build'), path.join(project, 'build'), { recursive: true });
  fs.cpSync(path.join(root, 'docker'), path.join(project, 'docker'), { recursive: true });
  // node_modules as hard links (instant, no copy; `npm ls` must see a real tree, a symlinked one reads as foreign).
  // Files are shared with the checkout, so nothing may be rebuilt in them: npmRebuild=false below.
  const linked = spawnSync('cp', ['-al', fs.realpathSync(path.join(root, 'node_modules')), path.join(project, 'node_modules')]);
  if (linked.status !== 0) {
    // another filesystem: a symlink, and electron-builder's own directory-walking collector instead of `npm ls`
    fs.rmSync(path.join(project, 'node_modules'), { recursive: true, force: true });
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(project, 'node_modules'), 'dir');
    const pkg = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ ...pkg, packageManager: 'traversal@1.0.0' }));
    fs.rmSync(path.join(project, 'package-lock.json'));
  }
  // tsconfig.electron.json covers the Electron entry, the preload and every service they import
  run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.electron.json'), '--outDir', path.join(project, 'dist')], root);
  // …and the dashboard the window loads from its own files, as scripts/build.mjs builds it
  run(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', path.join(root, 'renderer/vite.config.ts'), '--outDir', path.join(project, 'dist', 'renderer'), '--emptyOutDir', '--logLevel', 'warn'], root);

  const runtime = path.join(project, 'electron-runtime');
  fs.mkdirSync(runtime);
  // with Electron's fuse wire as a real binary carries it (sentinel, version 1, 8 fuses, Electron's defaults), so
  // electron-builder's electronFuses really flip something here
  fs.writeFileSync(path.join(runtime, 'electron'), Buffer.concat([Buffer.from('#!/bin/sh\nexit 0\n# '), FUSE_SENTINEL, Buffer.from([1, 8]), Buffer.from(ELECTRON_DEFAULT_FUSES), Buffer.from('\n')]), { mode: 0o755 });
  fs.writeFileSync(path.join(runtime, 'LICENSE'), 'stand-in\n');
  run(process.execPath, [builderCli, '--config', 'electron-builder.yml', '--publish', 'never', '--linux', 'dir', `-c.electronDist=${runtime}`, '-c.npmRebuild=false', `-c.directories.output=${path.join(project, 'out')}`], project);
  appDir = path.join(project, 'out', 'linux-unpacked');
}

describe('the packed app', { timeout: 900_000 }, () => {
  before(() => pack(), { timeout: 300_000 });
  after(() => {
    if (project) fs.rmSync(project, { recursive: true, force: true });
  });

it('has its Electron fuses set: no RunAsNode, NODE_OPTIONS or --inspect; asar only, integrity checked, cookies encrypted', () => {
    const binary = fs.readFileSync(path.join(appDir, 'claude-code-gateway'));
    const at = binary.indexOf(FUSE_SENTINEL);
    assert.ok(at >= 0, 'the fuse wire is in the packed binary');
    const wirePos = at + FUSE_SENTINEL.length;
    assert.equal(binary[wirePos], 1, 'fuse wire version 1');
    const wire = binary.subarray(wirePos + 2, wirePos + 2 + binary[wirePos + 1]).toString('latin1');
    const fuse = (i: number): string => wire[i];
    assert.equal(fuse(0), '0', 'RunAsNode off: ELECTRON_RUN_AS_NODE=1 does not make the app a Node interpreter');
    assert.equal(fuse(1), '1', 'cookie encryption on');
    assert.equal(fuse(2), '0', 'NODE_OPTIONS ignored');
    assert.equal(fuse(3), '0', '--inspect arguments ignored');
    assert.equal(fuse(4), '1', 'embedded asar integrity validation on');
    assert.equal(fuse(5), '1', 'only loads the app from app.asar');
    assert.equal(fuse(7), '0', 'no extra privileges for file://');
    assert.notEqual(wire, ELECTRON_DEFAULT_FUSES);
  });

it('holds everything it loads: entry, preload, icons, every import, docker/ beside the archive, the Claude binary', () => {
  assert.ok(fs.statSync(path.join(appDir, 'claude-code-gateway')).mode & 0o100, 'executable named per linux.executableName');
  const archive = path.join(appDir, 'resources', 'app.asar');
  const files = new Set(asar.listPackage(archive, { isPack: false }).map((f) => f.replace(/\\/g, '/')));

  const pkg = JSON.parse(asar.extractFile(archive, 'package.json').toString('utf8')) as { main: string; desktopName: string };
  assert.equal(pkg.main, 'dist/main/electron/main.js');
  assert.equal(pkg.desktopName, 'claude-code-gateway.desktop');
  assert.ok(files.has(`/${pkg.main}`), 'entry point packed');
  assert.ok(files.has('/dist/preload/index.cjs'), 'preload packed');
  assert.ok(files.has('/dist/renderer/index.html'), 'the dashboard the window loads is packed');
  assert.ok(files.has('/dist/main/headless.js'), 'the headless entry is packed (a server without a display runs the same app)');
  for (const f of ['tray-runningTemplate.png', 'tray-runningTemplate@2x.png', 'tray-running.ico']) assert.ok(files.has(`/build/tray/${f}`), `${f} packed`);
  for (const s of ['running', 'starting', 'stopped', 'error']) {
    assert.ok(files.has(`/build/tray/tray-${s}.png`) && files.has(`/build/tray/tray-${s}-badge@2x.png`), `tray icons for ${s}`);
  }
  assert.ok(![...files].some((f) => f.endsWith('.map') || f.startsWith('/tests/') || f.startsWith('/main/')), 'no sources or source maps packed');

  // every relative import in the packed Electron code resolves inside the archive
  const electronFiles = [...files].filter((f) => f.startsWith('/dist/main/electron/') && f.endsWith('.js'));
  assert.ok(electronFiles.length >= 5);
  const seen = new Set<string>();
  const queue = [...electronFiles];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const code = asar.extractFile(archive, file.slice(1)).toString('utf8');
    for (const m of code.matchAll(/(?:from\s+|import\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = path.posix.resolve(path.posix.dirname(file), m[1]);
      assert.ok(files.has(target), `${file} imports ${m[1]} → ${target}, packed`);
      queue.push(target);
    }
  }
  assert.ok(seen.has('/dist/main/services.js'), 'the composition root is reachable from the Electron entry');

  // docker/ beside the archive (extraResources): the docker runtime's compose file must be readable by the docker CLI
  for (const f of ['compose.yaml', 'Dockerfile']) assert.ok(fs.existsSync(path.join(appDir, 'resources', 'docker', f)), `resources/docker/${f} shipped`);
  assert.ok(![...files].some((f) => f.startsWith('/docker/')), 'docker/ is not inside app.asar');

  // Claude Code must be spawnable: outside the archive, executable
  const claude = path.join(appDir, 'resources', 'app.asar.unpacked', 'node_modules', '@anthropic-ai', `claude-agent-sdk-${process.platform}-${process.arch}`, 'claude');
  if (fs.existsSync(path.join(root, 'node_modules', '@anthropic-ai', `claude-agent-sdk-${process.platform}-${process.arch}`))) {
    assert.ok(fs.statSync(claude).mode & 0o100, `${claude} unpacked and executable`);
  }
});

  /** The packed code laid out as Electron reads it — resources/app (archive + unpacked files), resources/docker — for Node. */
  function extractForNode(): string {
    const resources = path.join(project, 'boot', 'resources');
    if (!fs.existsSync(resources)) {
      asar.extractAll(path.join(appDir, 'resources', 'app.asar'), path.join(resources, 'app'));
      // the unpacked files as they are on disk (extractAll copies their bytes but not the executable bit)
      fs.cpSync(path.join(appDir, 'resources', 'app.asar.unpacked'), path.join(resources, 'app'), { recursive: true });
      fs.cpSync(path.join(appDir, 'resources', 'docker'), path.join(resources, 'docker'), { recursive: true });
    }
    return resources;
  }

  function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as net.AddressInfo;
        srv.close(() => resolve(port));
      });
    });
  }

  /** Starts the packed headless entry; resolves once /health answers (or fails with what it printed). */
  async function boot(env: Record<string, string>): Promise<{ url: string; dataDir: string; output: () => string; stop(): Promise<void> }> {
    const resources = extractForNode();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-boot-'));
    const port = await freePort();
    const proc: ChildProcess = spawn(process.execPath, [path.join(resources, 'app', 'dist', 'main', 'headless.js')], {
      cwd: dataDir,
      env: { ...process.env, DATA_DIR: dataDir, GATEWAY_PORT: String(port), OAUTH_CALLBACK_PORT: '0', CLAUDE_SPARE_PROCESSES: '0', LOG_LEVEL: 'warn', ...claudeTestEnv(api.url, path.join(dataDir, 'home')), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const url = `http://127.0.0.1:${port}`;
    const end = Date.now() + 60_000;
    for (;;) {
      if (proc.exitCode !== null) assert.fail(`the packed app exited with ${proc.exitCode} before answering:\n${out}`);
      const ok = await fetch(`${url}/health`).then((r) => r.status === 200 || r.status === 503, () => false);
      if (ok) break;
      if (Date.now() > end) assert.fail(`no /health answer in 60 s:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return {
      url,
      dataDir,
      output: () => out,
      async stop() {
        if (proc.exitCode === null) {
          const exited = new Promise((r) => proc.once('exit', r));
          proc.kill('SIGTERM');
          await exited;
        }
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }

  let api: ScriptedAnthropic;
  before(async () => {
    api = await startScriptedAnthropic(bashThenAnswer());
  });
  after(async () => api?.close());

  async function chat(url: string): Promise<string> {
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content: 'run it' }] }) });
    const body = (await res.json()) as { choices?: Array<{ message: { content: string } }>; error?: unknown };
    assert.equal(res.status, 200, JSON.stringify(body));
    return body.choices?.[0]?.message.content ?? '';
  }

  it('boots from the archive with the local runtime: /health answers, a chat runs a tool and completes', { timeout: 120_000 }, async () => {
    const app = await boot({ CLAUDE_ALLOWED_TOOLS: 'Bash' });
    try {
      const health = (await (await fetch(`${app.url}/health`)).json()) as { components: Array<{ name: string; status: string; details?: { version?: string } }> };
      const claude = health.components.find((c) => c.name === 'claude');
      assert.equal(claude?.status, 'ok', `the packed Claude binary runs: ${JSON.stringify(claude)}`);
      assert.ok(!health.components.some((c) => c.name === 'docker'), 'nothing docker-related is built for the local runtime');
      const content = await chat(app.url);
      assert.match(content, /fib-7/, 'the tool ran');
      assert.match(content, /The command printed fib-7\. Done\./, 'the final answer arrived');
    } catch (err) {
      console.error(app.output());
      throw err;
    } finally {
      await app.stop();
    }
  });

  it('boots from the archive with the docker runtime: the shipped compose file starts the container, a chat completes in it', { timeout: 240_000, skip: dockerSkip() }, async () => {
    const project = uniqueProject('packed');
    const workspace = makeWorkspace();
    const docker = path.join(extractForNode(), 'docker');
    const app = await boot({
      CLAUDE_RUNTIME: 'docker',
      CLAUDE_ALLOWED_TOOLS: 'Bash',
      CLAUDE_CWD: workspace,
      // the files the installer shipped, plus host networking so the container reaches the scripted model
      COMPOSE_FILE: [path.join(docker, 'compose.yaml'), path.join(docker, 'compose.hostnet.yaml')].join(path.delimiter),
      COMPOSE_PROJECT: project,
      DOCKER_IMAGE: testImage(),
    });
    try {
      const token = fs.readFileSync(path.join(app.dataDir, 'admin-token'), 'utf8').trim();
      const headers = { authorization: `Bearer ${token}` };
      assert.equal((await fetch(`${app.url}/api/docker/up`, { method: 'POST', headers })).status, 202);
      const end = Date.now() + 150_000;
      for (;;) {
        const st = (await (await fetch(`${app.url}/api/docker/status`, { headers })).json()) as { status: { overall: string }; operation: { state: string; problem: unknown } | null };
        if (st.operation?.state === 'failed') assert.fail(`up failed: ${JSON.stringify(st.operation.problem)}`);
        if (st.status.overall === 'running' && st.operation?.state === 'done') break;
        if (Date.now() > end) assert.fail(`container not running: ${JSON.stringify(st)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      const content = await chat(app.url);
      assert.match(content, /The command printed fib-7\. Done\./);
    } catch (err) {
      console.error(app.output());
      throw err;
    } finally {
      await app.stop();
      forceRemoveProject(project);
      fs.rmSync(workspace, { recursive: true, force: true });
    }
  });
});

