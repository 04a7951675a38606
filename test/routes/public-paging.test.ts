/**
 * Bounded public responses (issue 10): a plan's public record comes as its header plus the first page of its
 * tasks, the rest by cursor; ledger entries and the whole-record download are streamed. Paging changes how a
 * record is delivered, never what it hashes to.
 */
import t from 'tap';

const tap = t;
import { buildTestApp, soon, untilEntropyAt, type TestApp } from '../helper.ts';
import { planBody, seedDirectories, syntheticDirectories } from '../fixtures/directories.ts';
import { canonicalJson } from '../../src/core/jcs.ts';
import { ledgerEntryHash, verifyLedger, type LedgerEntry } from '../../src/core/ledger.ts';
import { verifyDraw } from '../../src/core/replay.ts';
import { compareUtf8 } from '../../src/core/draw/ids.ts';
import { createLedgerRepository } from '../../src/domain/ledger/repository.ts';
import { ledgerEntryStream, ledgerPageStream } from '../../src/domain/ledger/stream.ts';
import { encodeTaskCursor } from '../../src/domain/disclosure/service.ts';

interface Task {
  entityId: string;
  seq?: number;
  grade?: string;
  inspectors: Array<{ departmentCode: string; inspectorId: string }>;
}

async function drawnPlan(app: TestApp, n = 300) {
  await seedDirectories(app.database.db, syntheticDirectories(n));
  const plan = (await app.api('POST', '/api/v1/plans', { body: planBody() })).json();
  const entropyAt = soon(1000);
  const commit = await app.api('POST', `/api/v1/plans/${plan.id}/commit`, { body: { entropyAt } });
  if (commit.statusCode !== 201) throw new Error(`commit: ${commit.statusCode} ${commit.body}`);
  await untilEntropyAt(entropyAt);
  const draw = await app.api('POST', `/api/v1/plans/${plan.id}/draw`, { body: { publicEntropy: '3 1 4 1 5 9 2 6' } });
  if (draw.statusCode !== 201) throw new Error(`draw: ${draw.statusCode} ${draw.body}`);
  return { id: plan.id as string, commit: commit.json(), draw: draw.json() };
}

async function files(app: TestApp, id: string) {
  const get = async (f: string) => (await app.api('GET', `/api/v1/plans/${id}/snapshot/${f}`)).body;
  return { entitySnapshot: await get('entities.tsv'), inspectorSnapshot: await get('inspectors.tsv'), recusalSnapshot: await get('recusals.tsv') };
}

const withoutDrawnAt = ({ drawnAt: _a, ...rest }: Record<string, unknown>) => rest;

t.test('a plan with more tasks than a page: walk the cursor, every task once, the draw record byte for byte', async (t) => {
  const app = await buildTestApp(t);
  const { api } = app;
  const { id, draw } = await drawnPlan(app);
  const total = draw.tasks.length as number;
  t.ok(total > 50, `${total} tasks`);

  const first = await api('GET', `/public/v1/plans/${id}?limit=17`, { token: null });
  t.equal(first.statusCode, 200);
  const record = first.json();
  t.notOk('tasks' in record.draw, 'the draw header has no task list');
  t.notOk('entityNames' in record, 'nor the whole list of names');
  t.equal(record.tasks.items.length, 17, 'the first page');
  t.type(record.tasks.next, 'string');
  t.equal(record.download, `/public/v1/plans/${id}/record.json`);

  const tasks: Task[] = [...record.tasks.items];
  const names: Record<string, string> = { ...record.tasks.entityNames };
  const cursors = new Set<string>();
  let pages = 1;
  for (let next = record.tasks.next as string | null; next !== null; pages++) {
    t.notOk(cursors.has(next), 'a cursor is never repeated');
    cursors.add(next);
    const res = await api('GET', `/public/v1/plans/${id}/tasks?cursor=${encodeURIComponent(next)}&limit=17`, { token: null });
    t.equal(res.statusCode, 200);
    const page = res.json();
    t.ok(page.items.length >= 1 && page.items.length <= 17, 'a page within its limit');
    t.same(
      Object.keys(page.entityNames),
      page.items.map((x: Task) => x.entityId),
      "the page's names, in its order",
    );
    tasks.push(...page.items);
    Object.assign(names, page.entityNames);
    next = page.next;
  }
  t.equal(pages, Math.ceil(total / 17), 'as many pages as it takes');
  const ids = tasks.map((x) => x.entityId);
  t.equal(new Set(ids).size, ids.length, 'no task twice');
  t.same(ids, [...ids].sort(compareUtf8), 'by entity id (UTF-8 bytes)');
  t.same(tasks, draw.tasks, 'the same tasks as the draw, in its order, with exactly its members');
  t.notOk(
    tasks.some((x) => 'seq' in x || 'grade' in x),
    'no seq and no grade (credit-4 is not public)',
  );
  t.same(Object.keys(names).sort(compareUtf8), [...ids].sort(compareUtf8), 'a name for each');

  // The header with every page's tasks is the record the ledger hashed.
  const assembled = { ...record.draw, tasks };
  const ledger = (await api('GET', `/public/v1/ledger?plan=${id}`, { token: null })).json().items as LedgerEntry[];
  const drawn = ledger.find((e) => e.kind === 'plan.drawn')!;
  t.equal(canonicalJson(withoutDrawnAt(assembled)), canonicalJson(drawn.body), 'JCS of the assembled record = the ledger body');
  t.equal(assembled.drawnAt, drawn.at);
  t.equal(verifyDraw({ commit: record.commit, draw: assembled, ...(await files(app, id)) }).ok, true, 'and it replays');

  // Without a limit: the hard cap's default (1000) holds all of these.
  const whole = (await api('GET', `/public/v1/plans/${id}`, { token: null })).json();
  t.equal(whole.tasks.items.length, total);
  t.equal(whole.tasks.next, null);
  const firstPage = (await api('GET', `/public/v1/plans/${id}/tasks`, { token: null })).json();
  t.same(firstPage.items, draw.tasks, 'the task list from its start');
});

t.test('the page cap, bad cursors and plans without tasks: 4xx in the error shape', async (t) => {
  const app = await buildTestApp(t);
  const { api } = app;
  const { id } = await drawnPlan(app, 60);
  const shape = (
    t: { equal: typeof tap.equal; type: typeof tap.type; ok: typeof tap.ok },
    res: { statusCode: number; json(): unknown },
    status: number,
    field?: string,
  ) => {
    t.equal(res.statusCode, status);
    const body = res.json() as { error: unknown; message: unknown; details: unknown };
    t.type(body.error, 'string');
    t.type(body.message, 'string');
    t.ok(Array.isArray(body.details), 'details');
    if (field) t.ok(JSON.stringify(body).includes(field), `names ${field}`);
  };
  shape(t, await api('GET', `/public/v1/plans/${id}?limit=1001`, { token: null }), 400, 'limit');
  shape(t, await api('GET', `/public/v1/plans/${id}/tasks?limit=1001`, { token: null }), 400, 'limit');
  shape(t, await api('GET', `/public/v1/plans/${id}/tasks?limit=0`, { token: null }), 400, 'limit');
  const bad = [
    'nonsense',
    '!!!',
    Buffer.from('x1:E000001').toString('base64url'),
    Buffer.from('e1:').toString('base64url'),
    Buffer.from('e1:\u0000').toString('base64url'),
    Buffer.from([0x65, 0x31, 0x3a, 0xff]).toString('base64url'),
    `${encodeTaskCursor('E000001')}=`,
  ];
  for (const cursor of bad) {
    const res = await api('GET', `/public/v1/plans/${id}/tasks?cursor=${encodeURIComponent(cursor)}`, { token: null });
    shape(t, res, 400, 'cursor');
  }
  // A cursor past the last entity: an empty last page, not an error.
  const past = (await api('GET', `/public/v1/plans/${id}/tasks?cursor=${encodeTaskCursor('ZZZZZZ')}`, { token: null })).json();
  t.same(past, { items: [], entityNames: {}, limit: 1000, next: null });
  shape(t, await api('GET', '/public/v1/plans/PLAN-2099-9999/tasks', { token: null }), 404);
  const draft = (await api('POST', '/api/v1/plans', { body: planBody({ title: '草稿' }) })).json();
  shape(t, await api('GET', `/public/v1/plans/${draft.id}/tasks`, { token: null }), 404);
  shape(t, await api('GET', `/public/v1/plans/${draft.id}/record.json`, { token: null }), 404);
  const committed = (await api('POST', '/api/v1/plans', { body: planBody({ title: '已承诺' }) })).json();
  t.equal((await api('POST', `/api/v1/plans/${committed.id}/commit`, { body: { entropyAt: soon(60_000) } })).statusCode, 201);
  shape(t, await api('GET', `/public/v1/plans/${committed.id}/tasks`, { token: null }), 404);
  const pub = (await api('GET', `/public/v1/plans/${committed.id}`, { token: null })).json();
  t.equal(pub.draw, null);
  t.equal(pub.tasks, null);
});

t.test('streamed ledger entries and pages are the stored entries, and their hashes check out', async (t) => {
  const app = await buildTestApp(t);
  const { api, database } = app;
  const { id } = await drawnPlan(app);
  const repo = createLedgerRepository(database.db);
  const head = await repo.head();
  t.ok(head.seq >= 2);
  for (let seq = 1; seq <= head.seq; seq++) {
    const res = await api('GET', `/public/v1/ledger/${seq}`, { token: null });
    t.equal(res.statusCode, 200);
    t.match(res.headers['content-type'], /^application\/json/);
    const entry = res.json();
    t.same(entry, await repo.get(seq), `entry ${seq} as stored`);
    t.equal(ledgerEntryHash(entry), entry.hash, `entry ${seq}: its hash checks out`);
  }
  // The sliced path (every body read in 100-character slices) gives the same bytes as the inline one.
  const text = async (chunks: AsyncGenerator<string> | null) => {
    let s = '';
    for await (const c of chunks!) s += c;
    return s;
  };
  const drawSeq = (await repo.ofPlan(id)).find((e) => e.kind === 'plan.drawn')!.seq;
  const inline = await text(await ledgerEntryStream(database.db, drawSeq));
  const sliced = await text(await ledgerEntryStream(database.db, drawSeq, { inlineBytes: 0, chunkChars: 100 }));
  t.ok(inline.length > 1000);
  t.equal(sliced, inline, 'sliced = inline, byte for byte');
  t.equal((await api('GET', `/public/v1/ledger/${drawSeq}`, { token: null })).body, inline, 'what the route sends');
  t.equal(ledgerEntryHash(JSON.parse(sliced)), JSON.parse(sliced).hash);
  t.equal(await ledgerEntryStream(database.db, head.seq + 1), null);
  t.equal((await api('GET', `/public/v1/ledger/${head.seq + 1}`, { token: null })).statusCode, 404);

  // A byte budget smaller than any body: one entry per page, `next` goes on, the walk sees the whole chain.
  const entries: LedgerEntry[] = [];
  for (let from: number | null = 1; from !== null; ) {
    const page = await ledgerPageStream(database.db, from, 1000, undefined, { budget: 1, inlineBytes: 0, chunkChars: 64 });
    t.equal(page.count, 1, `page from ${from}: cut by the budget`);
    const json = JSON.parse(await text(page.chunks));
    t.equal(json.next, page.next);
    entries.push(...json.items);
    from = json.next;
  }
  t.equal(entries.length, head.seq);
  t.same(verifyLedger(entries), { ok: true, seq: head.seq, hash: head.hash }, 'the chain verifies');
  // The route's page: the same entries as the repository's, next null at the end.
  const page = (await api('GET', '/public/v1/ledger?from=1&limit=1000', { token: null })).json();
  t.same(page.items, await repo.page(1, 1000));
  t.equal(page.next, null);
  const short = (await api('GET', '/public/v1/ledger?from=1&limit=1', { token: null })).json();
  t.equal(short.items.length, 1);
  t.equal(short.next, 2, 'a full page names the next');
});

t.test('the whole public record, streamed: the draw record as hashed, every name', async (t) => {
  const app = await buildTestApp(t);
  const { api } = app;
  const { id, draw } = await drawnPlan(app);
  const res = await api('GET', `/public/v1/plans/${id}/record.json`, { token: null });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-disposition'], /attachment; filename="/);
  const record = res.json();
  t.same(record.draw, draw, 'the draw record as the draw answered it');
  t.same(
    Object.keys(record.entityNames),
    draw.tasks.map((x: Task) => x.entityId),
    'names by entity id',
  );
  const header = (await api('GET', `/public/v1/plans/${id}`, { token: null })).json();
  for (const k of ['id', 'title', 'status', 'items', 'departments', 'gradeScheme', 'window', 'commit', 'void', 'ledger']) {
    t.same(record[k], header[k], k);
  }
  t.equal(verifyDraw({ commit: record.commit, draw: record.draw, ...(await files(app, id)) }).ok, true, 'it replays');
});
