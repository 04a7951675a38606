import t from 'tap';
import { asAdmin, buildTestApp } from '../helper.ts';
import { appendLedgerEntry } from '../../src/domain/ledger/repository.ts';

t.test('the ledger page checks new entries incrementally and walks again past a rewritten anchor', async (t) => {
  const { app, database } = await buildTestApp(t); // default: full walk at most every 600 s
  const append = (n: number) =>
    database.db.transaction(async (tx) => {
      for (let i = 0; i < n; i++) {
        await appendLedgerEntry(tx, {
          kind: 'plan.voided',
          planId: `PLAN-TEST-${i}`,
          body: { planId: `PLAN-TEST-${i}`, reason: 'test', serverSeed: '0'.repeat(64) },
        });
      }
    });
  const view = async () => (await app.inject({ method: 'GET', url: '/ledger' })).body;

  await append(3);
  const first = await view();
  t.match(first, /data-state="ok"/);
  t.match(first, /重算了全部 3 条记录/, 'the first view walks the whole chain');

  await append(1);
  const second = await view();
  t.match(second, /data-state="ok"/);
  t.match(second, /全部 4 条记录的哈希链完整/);
  t.match(second, /第 4 条起/, 'only the new entry was re-hashed');

  await asAdmin(database).rawTransaction(async (tx) => {
    await tx.query('ALTER TABLE ledger DISABLE TRIGGER ledger_no_update_delete');
    await tx.query(`UPDATE ledger SET hash = '${'f'.repeat(64)}' WHERE seq = 4`);
    await tx.query('ALTER TABLE ledger ENABLE TRIGGER ledger_no_update_delete');
  });
  const third = await view();
  t.match(third, /链已损坏：第 4 条记录/, 'a rewritten anchor forces a full walk, which finds it');
});
