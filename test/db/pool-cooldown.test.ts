/**
 * The cooldown pool as the commit reads it: through the server-side cursor, in batches, with the
 * exclusion computed once as a CTE and anti-joined (its speed is `npm run bench:cooldown`'s, not a test's).
 */
import t from 'tap';
import { PgDialect } from 'drizzle-orm/pg-core';
import { buildTestApp, commitAndWait } from '../helper.ts';
import { planBody, seedDirectories, syntheticDirectories } from '../fixtures/directories.ts';
import { createPlanRepository } from '../../src/domain/plans/repository.ts';
import { loadPlanContext, poolQuery } from '../../src/domain/draws/pool.ts';

t.test('the cooldown pool streamed by cursor leaves the drawn entities out, in byte order', async (t) => {
  const { api, database } = await buildTestApp(t);
  await seedDirectories(database.db, syntheticDirectories(40, 4, 2));
  const everyone = { ratiosBp: { A: 5000, B: 5000, C: 5000, D: 5000 }, items: ['WJW-GW'], inspectorsPerTask: { WJW: 2 } };
  const first = (await api('POST', '/api/v1/plans', { body: planBody(everyone) })).json();
  t.equal((await commitAndWait({ api }, first.id)).statusCode, 201);
  const draw = await api('POST', `/api/v1/plans/${first.id}/draw`, { body: { publicEntropy: '1' } });
  t.equal(draw.statusCode, 201);
  const drawn = new Set(draw.json().tasks.map((x: { entityId: string }) => x.entityId));

  const second = (await api('POST', '/api/v1/plans', { body: planBody({ ...everyone, cooldownDays: 90 }) })).json();
  const row = await createPlanRepository(database.db).row(database.db, second.id);
  if (!row) throw new Error('no plan row');
  const query = new PgDialect().sqlToQuery(poolQuery(await loadPlanContext(database.db, { ...row }), new Date()));
  const pool: string[] = [];
  for await (const batch of database.streamQuery<{ id: string }>(query.sql, query.params, 7)) pool.push(...batch.map((r) => r.id));
  t.equal(pool.length, 40 - drawn.size, 'the entities drawn for the item within 90 days are left out');
  t.notOk(pool.some((id) => drawn.has(id)));
  t.same(
    pool,
    [...pool].sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1)),
    'in byte order',
  );
});
