/**
 * Issue 13, feedback to credit evaluation: `GET /api/v1/credit-events` streams published results (and published
 * corrections) as credit events in ledger order, NDJSON or CSV, each citing its ledger entry; read page by page
 * with the cursor while new results are published in between, nothing is lost or repeated. PGlite and PostgreSQL.
 */
import t from 'tap';
import { buildTestApp, signing } from '../helper.ts';
import { DRAWN_PLAN, okResult, seedPlans } from '../fixtures/tasks.ts';
import { encodeCreditCursor } from '../../src/domain/credit-events/service.ts';

interface Event {
  eventId: string;
  cursor: string;
  kind: string;
  correctsEventId: string | null;
  entityId: string;
  department: string;
  items: string[];
  resultCode: string;
  resultLabel: string;
  ledgerSeq: number;
  ledgerHash: string;
  planId: string;
}

const lines = (body: string): Event[] =>
  body
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

t.test('published results as credit events, resumable while results are published', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  const { tasks } = await seedPlans(database);
  const planner = await token('planner');
  const auditor = await token('auditor');
  const inspector = await token('inspector', 'SJ-001');
  const feed = (q = '', who = planner) => api('GET', `/api/v1/credit-events${q}`, { token: who });

  t.equal((await feed('', inspector)).statusCode, 403, 'inspectors do not read the feed');
  t.equal((await api('GET', '/api/v1/credit-events', { token: null })).statusCode, 401);
  let res = await feed();
  t.equal(res.statusCode, 200, res.body);
  t.match(res.headers['content-type'], /application\/x-ndjson/);
  t.equal(res.body, '', 'nothing published, no event');

  // Unpublished results are never events.
  const record = async (i: number, department: string, over: Record<string, unknown> = {}) => {
    const r = await api('PUT', `/api/v1/tasks/${tasks[i].id}/result`, { token: planner, body: okResult({ department, ...over }) });
    t.ok(r.statusCode === 201 || r.statusCode === 200, r.body);
  };
  await record(0, 'SCJG');
  await record(0, 'WJW', { resultCode: 'pending-action', followUp: 'order-correction', followUpDeadline: '2025-04-30' });
  await record(1, 'SCJG');
  t.equal((await feed()).body, '', 'recorded but unpublished: no event');

  const publish = async (body: Record<string, unknown>) => {
    const r = await api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, { token: planner, body });
    t.equal(r.statusCode, 201, r.body);
    return r.json();
  };
  const first = await publish({ scope: 'finished', department: 'SCJG' });
  res = await feed('', auditor);
  const events = lines(res.body);
  t.equal(events.length, 2, 'the two SCJG results');
  t.ok(
    events.every((e) => e.department === 'SCJG' && e.ledgerSeq === first.ledgerSeq && e.ledgerHash === first.ledgerHash),
    'each cites its publication’s ledger entry',
  );
  t.ok(
    events.every((e) => e.items.every((i) => i.startsWith('SCJG'))),
    'a joint task’s SCJG event names SCJG’s items',
  );
  t.same(
    events.map((e) => e.kind),
    ['result.published', 'result.published'],
  );

  // Page by page with limit=1, publishing between pages: every event exactly once, in ledger order.
  const seen: Event[] = [];
  let page = lines((await feed('?limit=1')).body);
  seen.push(...page);
  await publish({ scope: 'finished', department: 'WJW' });
  await record(2, 'SCJG');
  let publishedLate = false;
  for (let guard = 0; guard < 20; guard++) {
    const cursor = seen[seen.length - 1].cursor;
    page = lines((await feed(`?limit=1&cursor=${cursor}`)).body);
    if (page.length > 0) {
      seen.push(...page);
      continue;
    }
    if (publishedLate) break;
    // caught up: one more publication appears, and the reader resumes from where it stopped
    await publish({ scope: 'finished' });
    publishedLate = true;
  }
  const all = lines((await feed()).body);
  t.same(
    seen.map((e) => e.eventId),
    all.map((e) => e.eventId),
    'the paged reader saw exactly the events of one full read, in order',
  );
  t.equal(new Set(all.map((e) => e.eventId)).size, all.length, 'no event twice');
  t.equal(all.length, 4, 'SCJG ×2, WJW ×1, then task 3');
  const seqs = all.map((e) => e.ledgerSeq);
  t.same(
    seqs,
    [...seqs].sort((a, b) => a - b),
    'ledger order',
  );

  // A correction (更正) is an event naming the one it corrects.
  const wjw = all.find((e) => e.department === 'WJW')!;
  t.equal(wjw.resultCode, 'pending-action');
  const corrected = await api('PUT', `/api/v1/tasks/${tasks[0].id}/result`, {
    token: planner,
    body: okResult({ department: 'WJW', resultCode: 'corrected', followUp: 'none', correction: true }),
  });
  t.equal(corrected.statusCode, 201, corrected.body);
  const pubs = (await api('GET', `/api/v1/plans/${DRAWN_PLAN}/publications`, { token: planner })).json().items;
  const wjwPub = pubs.find((p: { department: string | null }) => p.department === 'WJW');
  await publish({ scope: 'finished', department: 'WJW', corrects: wjwPub.id, note: '更正录入错误' });
  const after = lines((await feed(`?cursor=${all[all.length - 1].cursor}`)).body);
  t.equal(after.length, 1);
  t.match(after[0], { kind: 'result.corrected', correctsEventId: wjw.eventId, resultCode: 'corrected', resultLabel: '发现问题经责令已改正' });

  // since: nothing before it.
  const future = new Date(Date.now() + 3600_000).toISOString();
  t.equal((await feed(`?since=${encodeURIComponent(future)}`)).body, '');
  t.equal(lines((await feed('?since=2000-01-01')).body).length, 5);

  // CSV: BOM, header, one row per event, the cursor last.
  res = await feed('?format=csv');
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /text\/csv/);
  t.ok(res.body.startsWith('\uFEFFeventId,kind,'), 'BOM and header');
  const rows = res.body.trim().split('\r\n');
  t.equal(rows.length, 6, 'header + 5 events');
  t.ok(rows[1].endsWith(all[0].cursor), 'the cursor is the last column');

  // Bad input names the field.
  for (const [q, field] of [
    ['?cursor=abc', 'cursor'],
    [`?cursor=${encodeCreditCursor({ ledgerSeq: 1, resultId: 1 })}x`, 'cursor'],
    [`?cursor=${Buffer.from('ce1:01:2').toString('base64url')}`, 'cursor'],
    ['?since=yesterday', 'since'],
  ] as const) {
    res = await feed(q);
    t.equal(res.statusCode, 400, `${q}: ${res.body}`);
    t.equal(res.json().details[0].field, field);
  }
  t.equal((await feed('?format=xml')).statusCode, 400);
  t.equal((await feed('?limit=0')).statusCode, 400);
});
