/** A 200,000-row entity file, generated on the fly and streamed: the import must take it whole. */
import { Readable } from 'node:stream';
import t from 'tap';
import { ENTITY_CSV_HEADER, generateEntities, toCsv } from '../../scripts/demo-data.ts';
import { ADMIN_TOKEN, buildTestApp } from '../helper.ts';

const COUNT = 200_000;
const SEED = 'entities-large-test';

t.test(`a ${COUNT}-row CSV imports as one streamed file`, async (t) => {
  const { app, database } = await buildTestApp(t);
  const statuses: Record<string, number> = {};
  let bytes = 0;
  // Chunks of ~64 KB, as a network upload would deliver them; nothing holds the whole file.
  function* chunks(): Generator<Buffer> {
    let chunk = '';
    for (const line of toCsv(
      (function* () {
        for (const e of generateEntities({ count: COUNT, seed: SEED })) {
          statuses[e.status] = (statuses[e.status] ?? 0) + 1;
          yield e;
        }
      })(),
      ENTITY_CSV_HEADER,
    )) {
      chunk += line;
      if (chunk.length >= 64 * 1024) {
        const buf = Buffer.from(chunk);
        bytes += buf.length;
        yield buf;
        chunk = '';
      }
    }
    if (chunk) yield Buffer.from(chunk);
  }
  const started = Date.now();
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/entities/import',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/csv' },
    payload: Readable.from(chunks()),
  });
  const seconds = (Date.now() - started) / 1000;
  t.equal(res.statusCode, 200, res.body.slice(0, 1000));
  t.same(res.json(), { imported: COUNT, updated: 0 });
  t.comment(`${COUNT} rows (${(bytes / 1e6).toFixed(0)} MB) in ${seconds.toFixed(1)} s on ${database.kind}: ${Math.round(COUNT / seconds)} rows/s`);
  const counted = await database.rawTransaction((tx) =>
    tx.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM entities GROUP BY status ORDER BY status'),
  );
  t.same(
    Object.fromEntries(counted.map((r) => [r.status, Number(r.n)])),
    Object.fromEntries(Object.entries(statuses).sort(([a], [b]) => (a < b ? -1 : 1))),
    'every row, with its status',
  );
  const [first] = generateEntities({ count: 1, seed: SEED });
  const [stored] = await database.rawTransaction((tx) => tx.query('SELECT name, region, address FROM entities WHERE id = $1', [first.id]));
  t.same(stored, { name: first.name, region: first.region, address: first.address });
});
