import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Script } from '../fixtures/scripted-anthropic.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { waitUntil } from '../helpers/wait.ts';

type Msg = { role: 'user' | 'assistant' | 'system'; content: string };

/**
 * A turn changes nothing before it really starts (issue 23 items 2 and 8): a request refused with 429, or cancelled
 * while queued, leaves its conversation's resume point, folder and session as they were, so the next turn resumes.
 */
describe('runTurn: nothing changes before the run slot is held', () => {
  let gw: TestGateway;
  let open: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();
  const rearm = (): void => {
    gate = new Promise<void>((resolve) => { open = resolve; });
  };
  const script: Script = async (_req, info) => {
    const last = info.userTexts.at(-1) ?? '';
    if (last.includes('BLOCKER')) await gate;
    const fresh = last.includes('Earlier turns of this conversation');
    return { blocks: [{ type: 'text', text: `ok ${info.userTexts.length} [${fresh ? 'fresh' : 'resumed'}]` }] };
  };
  before(async () => {
    gw = await startTestGateway({ script, config: { MAX_CONCURRENT_RUNS: 1, MAX_QUEUED_RUNS: 1 } });
  });
  after(async () => {
    open();
    await gw.close();
  });

  const send = (messages: Msg[], headers: Record<string, string> = {}, signal?: AbortSignal) =>
    fetch(`${gw.v1}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ model: 'sonnet', messages }), ...(signal ? { signal } : {}) });

  async function answer(r: Response): Promise<{ id: string; content: string }> {
    assert.equal(r.status, 200, await r.clone().text());
    const b = (await r.json()) as { id: string; choices: Array<{ message: { content: string } }> };
    return { id: b.id, content: b.choices[0].message.content };
  }

  /** The folder and Claude session a transcript ran in. */
  function whereRan(id: string): { folder: string | undefined; session: string | null | undefined } {
    const req = gw.services.store.events(id)?.find((e) => e.type === 'request');
    return { folder: req && 'folder' in req ? (req.folder as string | undefined) : undefined, session: gw.services.store.summary(id)?.sessionId };
  }

  /** Holds the one run slot (and, with `queue`, the one queue place) with runs that wait on the gate. */
  async function occupy(queue: boolean): Promise<Array<Promise<Response>>> {
    rearm();
    const held = [send([{ role: 'user', content: 'BLOCKER 1' }])];
    await waitUntil(() => gw.services.limiter.activeCount === 1, { what: 'the blocker to hold the run slot' });
    if (queue) {
      held.push(send([{ role: 'user', content: 'BLOCKER 2' }]));
      await waitUntil(() => gw.services.limiter.queuedCount === 1, { what: 'the second blocker to be queued' });
    }
    return held;
  }

  it('an anonymous conversation refused with 429 resumes next turn, in the same folder and session', async () => {
    const h: Msg[] = [{ role: 'user', content: 'first turn of ANON-429' }];
    const t1 = await answer(await send(h));
    const before = whereRan(t1.id);
    assert.ok(before.folder && before.session);
    h.push({ role: 'assistant', content: t1.content }, { role: 'user', content: 'second turn' });
    const workspaces = gw.services.workspaces.list().length;

    const held = await occupy(true);
    const refused = await send(h);
    assert.equal(refused.status, 429);
    // A new conversation refused too: it must not have created a folder.
    const refusedNew = await send([{ role: 'user', content: 'a new chat, refused' }]);
    assert.equal(refusedNew.status, 429);
    open();
    for (const r of await Promise.all(held)) assert.equal(r.status, 200);
    assert.equal(gw.services.workspaces.list().length, workspaces + 2, 'the two blockers took a folder each, the refused requests none');

    const t2 = await answer(await send(h));
    assert.match(t2.content, /\[resumed\]/, 'the refused request left the resume point');
    assert.deepEqual(whereRan(t2.id), before, 'same folder, same Claude session');
  });

  it('a chat cancelled while queued resumes next turn, in the same folder and session', async () => {
    const headers = { 'X-OpenWebUI-Chat-Id': 'chat-cancelled-in-queue' };
    const h: Msg[] = [{ role: 'user', content: 'first turn of CANCEL' }];
    const t1 = await answer(await send(h, headers));
    const before = whereRan(t1.id);
    h.push({ role: 'assistant', content: t1.content }, { role: 'user', content: 'second turn' });

    const held = await occupy(false);
    const ac = new AbortController();
    const queued = send(h, headers, ac.signal).catch((err: unknown) => err);
    await waitUntil(() => gw.services.limiter.queuedCount === 1, { what: 'the second turn to be queued' });
    ac.abort();
    await queued;
    await waitUntil(() => gw.services.limiter.queuedCount === 0, { what: 'the cancelled turn to leave the queue' });
    open();
    for (const r of await Promise.all(held)) assert.equal(r.status, 200);

    const t2 = await answer(await send(h, headers));
    assert.match(t2.content, /\[resumed\]/, 'the cancelled request left the resume point');
    assert.deepEqual(whereRan(t2.id), before, 'same folder, same Claude session');
  });
});

describe('runTurn: a refused new conversation leaves the waiting spare alone', () => {
  let gw: TestGateway;
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => { open = resolve; });
  before(async () => {
    gw = await startTestGateway({
      script: async (_req, info) => {
        if ((info.userTexts.at(-1) ?? '').includes('BLOCKER')) await gate;
        return { blocks: [{ type: 'text', text: 'ok' }] };
      },
      config: { MAX_CONCURRENT_RUNS: 1, MAX_QUEUED_RUNS: 0, CLAUDE_SPARE_PROCESSES: 1 },
    });
  });
  after(async () => {
    open();
    await gw.close();
  });

  it('a new chat answered 429 neither takes the spare’s folder nor promises the spare', async () => {
    const send = (content: string) => fetch(`${gw.v1}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content }] }) });
    const bound = (): boolean => (gw.services.runtime.spares?.()?.bound ?? 0) === 1;
    await waitUntil(bound, { what: 'a spare bound to its fresh folder', ms: 60_000 });
    // The blocker takes the spare (and its folder); its replacement waits in a fresh folder of its own.
    const blocker = send('BLOCKER');
    await waitUntil(() => gw.services.limiter.activeCount === 1, { what: 'the blocker to hold the run slot' });
    await waitUntil(() => bound() && (gw.services.runtime.spareFolders?.().length ?? 0) === 1, { what: 'the replacement spare', ms: 60_000 });
    const [spareFolder] = gw.services.runtime.spareFolders?.() ?? [];
    const chats = gw.services.workspaces.list().length;

    const refused = await send('a new chat, refused');
    assert.equal(refused.status, 429);
    assert.ok(gw.services.runtime.spareFolders?.().includes(spareFolder), 'the spare still waits in its fresh folder, promised to nobody');
    assert.equal(gw.services.workspaces.list().length, chats, 'no chat folder was taken');
    open();
    assert.equal((await blocker).status, 200);
  });
});
