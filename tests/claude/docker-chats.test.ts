/**
 * Chats in the docker runtime (issue 21 item 9), on the real engine with the real claude: each chat works in its own
 * folder under /workspace/chats, and the sandboxed policy's rules reach the container in container terms, so chat
 * B's Bash can neither list nor read chat A's files. The test image gets bubblewrap and socat (as docker/Dockerfile
 * installs them) and the shipped docker/compose.sandbox.yaml (docker's default seccomp profile refuses the user
 * namespace bwrap needs).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createDockerRuntime } from '../../main/claude/docker-runtime.ts';
import type { ComposeManager } from '../../main/compose/index.ts';
import { loadConfig } from '../../main/config/load.ts';
import { buildServices, type Services } from '../../main/services.ts';
import { startScriptedAnthropic, toolResultText, type ScriptedAnthropic } from '../fixtures/scripted-anthropic.ts';
import { dockerDir, dockerSkip, forceRemoveProject, sandboxTestImage, testCompose, uniqueProject } from '../fixtures/docker-env.ts';
import { claudeTestEnv } from '../helpers/gateway.ts';

const noEngine = dockerSkip();
const built = noEngine ? null : sandboxTestImage();
const skip = noEngine || (built && 'skip' in built ? built.skip : false);

const WRITE = 'echo "cwd=$(pwd)"; echo secret-of-A > note.txt && echo wrote';
const PEEK = 'echo "cwd=$(pwd)"; echo "list: $(ls /workspace/chats 2>&1 | tr "\\n" " ")"; cat /workspace/chats/*/note.txt ../*/note.txt 2>&1; echo peeked';

describe('docker runtime: each chat in its own container folder, chat B cannot see chat A (real engine)', { skip }, () => {
  const project = uniqueProject('chats');
  let api: ScriptedAnthropic;
  let compose: ComposeManager;
  let gateway: Services | null = null;
  let dataDir = '';
  let home = '';

  async function chat(content: string): Promise<string> {
    const res = await fetch(`${gateway?.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content }] }),
    });
    const body = (await res.json()) as { choices?: Array<{ message: { content: string } }>; error?: unknown };
    assert.equal(res.status, 200, JSON.stringify(body));
    return body.choices?.[0]?.message.content ?? '';
  }

  /** Chat A's note in the container, for chat B's Read tool to try. */
  let noteOfA = '';

  before(async () => {
    api = await startScriptedAnthropic((_req, info) => {
      const prompt = info.userTexts[0] ?? '';
      const done = (): { blocks: Array<{ type: 'text'; text: string }> } => ({ blocks: [{ type: 'text', text: `Output: ${toolResultText(info.lastToolResults[0] ?? { type: 'text' }).trim()}` }] });
      if (prompt.includes('chat A')) return info.assistantTurns === 0 ? { blocks: [{ type: 'tool_use', name: 'Bash', input: { command: WRITE } }] } : done();
      if (prompt.includes('chat B')) {
        if (info.assistantTurns === 0) return { blocks: [{ type: 'tool_use', name: 'Bash', input: { command: PEEK } }] };
        if (info.assistantTurns === 1) return { blocks: [{ type: 'tool_use', name: 'Read', input: { file_path: noteOfA } }] };
        return done();
      }
      return { blocks: [{ type: 'text', text: 'ok' }] };
    });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-home-'));
    // The default layout: CLAUDE_CWD = DATA_DIR/workspace, so the sandbox's DATA_DIR deny holds the whole mount.
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-gw-'));
    const workspace = path.join(dataDir, 'workspace');
    fs.mkdirSync(workspace);
    fs.chmodSync(workspace, 0o777); // the container's user (uid 1000) writes there
    compose = testCompose({ project, workspace, extraFiles: [path.join(dockerDir, 'compose.sandbox.yaml')], image: built && 'image' in built ? built.image : '' });
    await compose.up({ timeoutMs: 180_000 });
    const config = loadConfig({ DATA_DIR: dataDir } as NodeJS.ProcessEnv, {
      GATEWAY_PORT: 0, OAUTH_CALLBACK_PORT: 0, CLAUDE_ALLOWED_TOOLS: 'Bash,Read', CLAUDE_RUNTIME: 'docker', DEFAULT_POLICY: 'sandboxed', LOG_LEVEL: 'warn',
    });
    assert.equal(config.claudeCwd, workspace);
    const baseEnv = { ...process.env, ...claudeTestEnv(api.url, home) };
    const runtime = createDockerRuntime({ compose, hostWorkspace: config.claudeCwd, baseEnv, killGraceMs: 1_500 });
    gateway = await buildServices(config, { runtime, consoleLog: false });
    await gateway.start();
  });

  after(async () => {
    await gateway?.stop({ graceMs: 0 }).catch(() => {});
    await compose?.down({ removeVolumes: true }).catch(() => {});
    forceRemoveProject(project);
    await api?.close();
    for (const d of [dataDir, home]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  it('chat A writes in /workspace/chats/<A>; chat B works in /workspace/chats/<B>: its Bash lists and reads nothing of A, its Read tool is refused A\'s note', async () => {
    const a = await chat('chat A: write a note');
    const cwdA = /cwd=(\/\S*)/.exec(a)?.[1] ?? '';
    assert.match(cwdA, /^\/workspace\/chats\/[a-z0-9-]+$/, `chat A's own folder in the container: ${a}`);
    assert.match(a, /wrote/, `chat A's sandboxed Bash ran and wrote: ${a}`);
    const idA = path.posix.basename(cwdA);
    assert.equal(fs.readFileSync(path.join(dataDir, 'workspace', 'chats', idA, 'note.txt'), 'utf8').trim(), 'secret-of-A', 'on the host: in A\'s chat folder');

    noteOfA = `${cwdA}/note.txt`;
    const b = await chat('chat B: look around');
    const cwdB = /cwd=(\/\S*)/.exec(b)?.[1] ?? '';
    assert.match(cwdB, /^\/workspace\/chats\/[a-z0-9-]+$/, `chat B's own folder in the container: ${b}`);
    assert.notEqual(cwdB, cwdA, 'two chats, two folders');
    assert.match(b, /peeked/, `chat B's Bash ran: ${b}`);
    assert.ok(!b.includes('secret-of-A'), `chat B read chat A's note: ${b}`);
    const listed = /^list: (?!\$)(.*)$/m.exec(b)?.[1] ?? '';
    assert.ok(listed.includes(path.posix.basename(cwdB)), `chat B's ls ran: ${b}`);
    assert.ok(!listed.includes(idA), `chat B listed chat A's folder: ${listed}`);
    // The file tools run outside the sandbox: the translated deny rules hold them (Read is an allowed tool here).
    assert.match(b, new RegExp(`Read: ${noteOfA} — error`), `chat B's Read step ran and was refused: ${b}`);
    assert.match(b, /denied by your permission settings|outside this conversation's folder/);
  });
});
