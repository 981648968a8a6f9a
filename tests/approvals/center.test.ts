import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { PermissionResult } from '@anthropic-ai/claude-agent-sdk';
import { ApprovalCenter, ApprovalError, type ApprovalContext } from '../../main/approvals/center.ts';
import type { ProjectRuleStore } from '../../main/approvals/rule-store.ts';
import type { TranscriptEventBody } from '../../main/contract/events.ts';
import { FileRuleStore } from '../../main/approvals/rule-store.ts';
import { waitUntil } from '../helpers/wait.ts';

class MemoryRules implements ProjectRuleStore {
  readonly byProject = new Map<string | null, string[]>();
  fail = false;
  rules(p: string | null): string[] { return this.byProject.get(p) ?? []; }
  async add(p: string | null, rule: string): Promise<boolean> {
    if (this.fail) throw new Error('disk full');
    if (this.rules(p).includes(rule)) return false;
    this.byProject.set(p, [...this.rules(p), rule]);
    return true;
  }
  async remove(p: string | null, rule: string): Promise<boolean> {
    const had = this.rules(p).includes(rule);
    this.byProject.set(p, this.rules(p).filter((r) => r !== rule));
    return had;
  }
}

function context(over: Partial<ApprovalContext> = {}): ApprovalContext & { events: TranscriptEventBody[]; ac: AbortController } {
  const ac = new AbortController();
  const events: TranscriptEventBody[] = [];
  return { requestId: 'req1', project: 'myrepo', client: 'OpenWebUI', conversation: 'chat1', signal: ac.signal, record: (b) => events.push(b), events, ac, ...over };
}

function call(center: ApprovalCenter, ctx: ApprovalContext, command: string, toolUseID = 'toolu_1'): Promise<PermissionResult | null> {
  return center.gate(ctx)('Bash', { command }, { signal: new AbortController().signal, toolUseID, requestId: 'r' });
}

describe('ApprovalCenter', () => {
  it('a project grant that cannot be saved leaves the approval waiting (500 rule_not_saved)', async () => {
    const rules = new MemoryRules();
    rules.fail = true;
    const center = new ApprovalCenter({ timeoutMs: 60_000, rules, grantTtlMs: 60_000 });
    const ctx = context();
    const result = call(center, ctx, 'rm -rf build/');
    const [p] = center.list();
    await assert.rejects(center.decide(p.id, 'allow_project'), (e: unknown) => e instanceof ApprovalError && e.status === 500 && e.code === 'rule_not_saved');
    assert.equal(center.list().length, 1);
    rules.fail = false;
    assert.deepEqual(await center.decide(p.id, 'allow_project'), { id: p.id, outcome: 'allow_project', rule: 'Bash(rm -rf build/)' });
    assert.deepEqual(await result, { behavior: 'allow', updatedInput: { command: 'rm -rf build/' } });
    assert.deepEqual(rules.rules('myrepo'), ['Bash(rm -rf build/)']);
  });

  it('a grant answers the other waiting calls it covers; calls it does not cover keep waiting', async () => {
    const center = new ApprovalCenter({ timeoutMs: 60_000, rules: new MemoryRules(), grantTtlMs: 60_000 });
    const ctx = context();
    const a = call(center, ctx, 'make clean', 'toolu_a');
    const b = call(center, context({ requestId: 'req2' }), 'make clean', 'toolu_b');
    const c = call(center, ctx, 'make dist', 'toolu_c');
    const other = call(center, context({ requestId: 'req3', conversation: 'chat2' }), 'make clean', 'toolu_d');
    assert.equal(center.list().length, 4);
    await center.decide(center.list()[0].id, 'allow_conversation');
    assert.equal((await a)?.behavior, 'allow');
    assert.equal((await b)?.behavior, 'allow');
    assert.deepEqual(center.list().map((p) => p.toolUseId).sort(), ['toolu_c', 'toolu_d']);
    center.close();
    assert.equal((await c)?.behavior, 'deny');
    assert.equal((await other)?.behavior, 'deny');
  });

  it('the run aborting withdraws (recorded), and the listeners hear of every change', async () => {
    const center = new ApprovalCenter({ timeoutMs: 60_000, rules: new MemoryRules(), grantTtlMs: 60_000 });
    let changes = 0;
    const asked: string[] = [];
    center.onChange(() => { changes++; });
    center.onAsk((p) => asked.push(p.summary));
    const ctx = context();
    const r = call(center, ctx, 'rm -rf build/');
    assert.deepEqual(asked, ['Bash: rm -rf build/']);
    ctx.ac.abort();
    assert.deepEqual(await r, { behavior: 'deny', message: 'The request was cancelled.', interrupt: true });
    await waitUntil(() => changes === 2, { what: 'two changes (asked, withdrawn)' });
    assert.deepEqual(ctx.events.map((e) => e.type === 'approval_decision' ? e.outcome : e.type), ['approval_wait', 'withdrawn']);
  });
  it('an approval that ends while its "always allow" rule is saved answers 409 and the rule is not kept', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-center-'));
    try {
      const rules = FileRuleStore.inDataDir(dir);
      const center = new ApprovalCenter({ timeoutMs: 60_000, rules, grantTtlMs: 60_000 });
      const ctx = context();
      const r = call(center, ctx, 'make deploy');
      const [p] = center.list();
      const deciding = center.decide(p.id, 'allow_project');
      center.withdraw(ctx.requestId); // the client went away while the file was written
      await assert.rejects(deciding, (e: unknown) => e instanceof ApprovalError && e.status === 409);
      assert.equal((await r)?.behavior, 'deny');
      assert.deepEqual(rules.rules('myrepo'), [], 'not in force');
      assert.deepEqual(FileRuleStore.inDataDir(dir).rules('myrepo'), [], 'not persisted');
      // Decided already (withdrawn): answered 409 without writing anything.
      await assert.rejects(center.decide(p.id, 'allow_project'), (e: unknown) => e instanceof ApprovalError && e.status === 409);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('conversation grants are pruned once the conversation expires (SESSION_TTL_S after last use); a request\'s own grants when it is cancelled', async () => {
    const clock = { t: 1_000_000 };
    const center = new ApprovalCenter({ timeoutMs: 60_000, rules: new MemoryRules(), grantTtlMs: 60_000, now: () => clock.t });
    const a = context({ conversation: 'chat-a' });
    const pa = call(center, a, 'make a');
    await center.decide(center.list()[0].id, 'allow_conversation');
    await pa;
    const anon = context({ requestId: 'req-anon', conversation: null });
    const pb = call(center, anon, 'make b');
    await center.decide(center.list()[0].id, 'allow_conversation');
    await pb;
    assert.equal(center.grantCount(), 2);
    anon.ac.abort();
    assert.equal(center.grantCount(), 1, "the cancelled request's grant is gone");
    clock.t += 59_000;
    assert.equal((await call(center, a, 'make a'))?.behavior, 'allow', 'still in force, and this use renews it');
    clock.t += 61_000;
    // Any later activity (another conversation asking) prunes what expired, used again or not.
    const other = call(center, context({ requestId: 'req-x', conversation: 'chat-x' }), 'make x');
    assert.equal(center.grantCount(), 0);
    center.close();
    await other;
  });

  it("Claude Code's question tool is answered at once (the question belongs in the reply), never a pending card", async () => {
    const center = new ApprovalCenter({ timeoutMs: 60_000, rules: new MemoryRules(), grantTtlMs: 60_000 });
    const r = await center.gate(context())('AskUserQuestion', { questions: [] }, { signal: new AbortController().signal, toolUseID: 't', requestId: 'r' });
    assert.equal(r?.behavior, 'deny');
    assert.deepEqual(center.list(), []);
  });
});
