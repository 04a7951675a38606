import t from 'tap';
import { sql } from 'drizzle-orm';
import { asAdmin, buildTestApp } from '../helper.ts';
import { execRows } from '../../src/db/client.ts';
import { GENESIS_HASH, ledgerEntryHash, verifyLedger } from '../../src/core/ledger.ts';
import { appendLedgerEntry } from '../../src/domain/ledger/repository.ts';

t.test('an empty ledger has head 0 and 64 zeros', async (t) => {
  const { api } = await buildTestApp(t);
  const head = await api('GET', '/public/v1/ledger/head', { token: null });
  t.equal(head.statusCode, 200);
  t.same(head.json(), { seq: 0, hash: GENESIS_HASH });
  t.same((await api('GET', '/public/v1/ledger', { token: null })).json(), { items: [], from: 1, limit: 100, next: null });
  t.equal((await api('GET', '/public/v1/ledger/1', { token: null })).statusCode, 404);
});

t.test('appends from concurrent transactions make one chain; pages walk it', async (t) => {
  const { api, database } = await buildTestApp(t);
  const N = 25;
  // On PostgreSQL each transaction has its own connection: only the advisory lock keeps them in line.
  await Promise.all(
    Array.from({ length: N }, (_, i) =>
      database.db.transaction((tx) =>
        appendLedgerEntry(tx, {
          kind: 'results.published',
          planId: `PLAN-2026-${String(i % 3).padStart(4, '0')}`,
          body: { n: i, nested: { big: Number.MAX_SAFE_INTEGER, negative: -7, list: [1, 2, 3], flag: true, none: null }, text: '检查结果 ✓' },
        }),
      ),
    ),
  );
  const all = (await api('GET', `/public/v1/ledger?limit=1000`, { token: null })).json();
  t.equal(all.items.length, N);
  t.same(
    all.items.map((e: { seq: number }) => e.seq),
    Array.from({ length: N }, (_, i) => i + 1),
  );
  t.match(verifyLedger(all.items), { ok: true, seq: N });
  t.equal(all.next, null);
  const head = (await api('GET', '/public/v1/ledger/head')).json();
  t.same(head, { seq: N, hash: all.items[N - 1].hash });
  // integers stay integers, and what is served hashes to the stored hash
  t.equal(all.items[0].body.nested.big, Number.MAX_SAFE_INTEGER);
  for (const e of all.items) t.equal(ledgerEntryHash(e), e.hash);

  // Paging: from, limit, next.
  const seen: unknown[] = [];
  let from: number | null = 1;
  while (from !== null) {
    const page: { items: unknown[]; next: number | null } = (await api('GET', `/public/v1/ledger?from=${from}&limit=7`)).json();
    seen.push(...page.items);
    from = page.next;
  }
  t.same(seen, all.items);
  const slice = (await api('GET', '/public/v1/ledger?from=10&limit=3')).json();
  t.same(
    slice.items.map((e: { seq: number }) => e.seq),
    [10, 11, 12],
  );
  t.equal(slice.next, 13);
  t.match(verifyLedger(slice.items, { startSeq: 10, startPrevHash: all.items[8].hash }), { ok: true, seq: 12 });
  t.equal((await api('GET', '/public/v1/ledger?limit=1001')).statusCode, 400, 'at most 1000 a page');
  t.equal((await api('GET', '/public/v1/ledger?from=0')).statusCode, 400);
  const planPage = (await api('GET', '/public/v1/ledger?plan=PLAN-2026-0001&limit=1000')).json();
  t.ok(planPage.items.length > 0 && planPage.items.every((e: { planId: string }) => e.planId === 'PLAN-2026-0001'));
  t.same((await api('GET', '/public/v1/ledger/5')).json(), all.items[4]);
});

t.test('appendLedgerEntry refuses what would break the chain, and writes nothing', async (t) => {
  const { database } = await buildTestApp(t);
  await t.rejects(appendLedgerEntry(database.db, { kind: 'plan.voided', planId: 'P', body: {} }), /inside a transaction/);
  await t.rejects(
    database.db.transaction((tx) => appendLedgerEntry(tx, { kind: 'plan.voided', planId: 'P', body: { ratio: 0.5 } })),
    /fractional/,
  );
  await t.rejects(
    database.db.transaction((tx) => appendLedgerEntry(tx, { kind: 'plan.voided', planId: 'P', body: {}, at: '2026-11-22 10:00' })),
    /ISO-8601/,
  );
  await t.rejects(
    database.db.transaction((tx) => appendLedgerEntry(tx, { kind: 'plan.edited' as never, planId: 'P', body: {} })),
    /unknown ledger kind/,
  );
  const [{ n }] = await execRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM ledger`);
  t.equal(n, 0);
  const entry = await database.db.transaction((tx) =>
    appendLedgerEntry(tx, { kind: 'plan.voided', planId: 'P', body: { planId: 'P' }, at: '2026-11-22T02:00:00.000Z' }),
  );
  t.match(entry, { seq: 1, at: '2026-11-22T02:00:00.000Z', prevHash: GENESIS_HASH });
  t.equal(entry.hash, ledgerEntryHash(entry), "the core's hash");
});

t.test('the ledger table is append-only: UPDATE, DELETE, TRUNCATE rejected; a fork violates a constraint', async (t) => {
  const { database } = await buildTestApp(t);
  const first = await database.db.transaction((tx) => appendLedgerEntry(tx, { kind: 'plan.voided', planId: 'P', body: { a: 1 } }));
  await database.db.transaction((tx) => appendLedgerEntry(tx, { kind: 'plan.voided', planId: 'P', body: { a: 2 } }));
  // drizzle wraps the database's error; the cause is PostgreSQL's own message
  const refusal = async (q: Promise<unknown>) =>
    q.then(
      () => 'accepted',
      (e: Error & { cause?: Error }) => (e.cause ?? e).message,
    );
  // As a superuser, past every privilege: the trigger still refuses (the service's role may not even try:
  // test/db/least-privilege.test.ts).
  const admin = asAdmin(database).db;
  t.match(await refusal(admin.execute(sql`UPDATE ledger SET body = '{"a": 3}'::json WHERE seq = 1`)), /append-only: UPDATE/);
  t.match(await refusal(admin.execute(sql`DELETE FROM ledger WHERE seq = 2`)), /append-only: DELETE/);
  t.match(await refusal(admin.execute(sql`TRUNCATE ledger CASCADE`)), /append-only: TRUNCATE/, 'CASCADE reaches the trigger past the foreign keys');
  // A second entry after entry 1 (a fork) is refused by the unique prev_hash, even bypassing the lock.
  t.match(
    await refusal(
      database.db.execute(sql`INSERT INTO ledger (seq, kind, plan_id, at, body, prev_hash, hash)
        VALUES (3, 'plan.voided', 'P', '2026-11-22T02:00:00.000Z', '{}'::json, ${first.hash}, ${'f'.repeat(64)})`),
    ),
    /duplicate key|unique/,
  );
  const rows = await execRows<{ seq: number; body: unknown }>(database.db, sql`SELECT seq::int AS seq, body FROM ledger ORDER BY seq`);
  t.same(
    rows.map((r) => r.seq),
    [1, 2],
  );
});
