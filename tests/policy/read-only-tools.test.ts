import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PermissionResult } from '@anthropic-ai/claude-agent-sdk';
import { ApprovalCenter } from '../../main/approvals/center.ts';
import type { RunSpec } from '../../main/claude/runtime.ts';
import { preparePrompt } from '../../main/gateway/prompt.ts';
import { allowedForMode } from '../../main/policy/read-only-tools.ts';
import { bashThenAnswer } from '../fixtures/scripts.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const MCP = 'mcp__vault__get_secret';

describe('read-only runs ask for MCP tools (issue 21 item 8)', () => {
  it('allowedForMode drops every MCP rule under read-only only', () => {
    const list = ['Read', 'mcp__vault', MCP, 'Grep'];
    assert.deepEqual(allowedForMode('read-only', list), ['Read', 'Grep']);
    assert.deepEqual(allowedForMode('sandboxed', list), list);
    assert.deepEqual(allowedForMode('full', list), list);
    assert.deepEqual(allowedForMode(null, list), list);
  });

  it('a project rule naming the MCP tool answers under full, but under read-only the call asks', async () => {
    const rules = { rules: () => [MCP, 'mcp__vault'], add: async () => true, remove: async () => true };
    const center = new ApprovalCenter({ timeoutMs: 60_000, rules, grantTtlMs: 60_000 });
    const ask = (mode: 'full' | 'read-only'): Promise<PermissionResult | null> => center.gate({
      requestId: `req-${mode}`, project: 'docs', mode, client: 'n8n', conversation: null, signal: new AbortController().signal, record: () => undefined,
    })(MCP, {}, { signal: new AbortController().signal, toolUseID: `toolu_${mode}`, requestId: 'r' });
    assert.equal((await ask('full'))?.behavior, 'allow');
    const pending = ask('read-only');
    assert.deepEqual(center.list().map((p) => [p.tool, p.project]), [[MCP, 'docs']]);
    center.close();
    assert.equal((await pending)?.behavior, 'deny');
  });
});

describe('a read-only run hands Claude Code no MCP tool to run unasked', () => {
  let gw: TestGateway;
  let folder: string;
  const specs: RunSpec[] = [];
  before(async () => {
    folder = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-ro-mcp-')));
    gw = await startTestGateway({ script: bashThenAnswer('true'), config: { CLAUDE_ALLOWED_TOOLS: `Read,Grep,mcp__vault,${MCP}` } });
    const runtime = gw.services.runtime;
    const run = runtime.run.bind(runtime);
    runtime.run = (spec) => {
      specs.push(spec);
      return run(spec);
    };
  });
  after(async () => {
    await gw.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  for (const mode of ['read-only', 'full'] as const) {
    it(`${mode}: allowedTools ${mode === 'read-only' ? 'without' : 'with'} the MCP rules`, async () => {
      const run = gw.services.executor.start({
        requestId: `chatcmpl-ro-${mode}`, endpoint: '/v1/chat/completions', model: 'sonnet', stream: false, client: 'n8n',
        prompt: preparePrompt([{ role: 'user', content: 'look' }]), abort: new AbortController(),
        place: { project: 'docs', folder, policy: { mode, allow: [], denyRead: [], allowedDomains: [] } },
      });
      await run.drive(() => undefined);
      const allowed = specs.at(-1)?.allowedTools ?? [];
      assert.ok(allowed.includes('Read'), allowed.join(','));
      assert.equal(allowed.includes(MCP) || allowed.includes('mcp__vault'), mode === 'full', allowed.join(','));
    });
  }
});
