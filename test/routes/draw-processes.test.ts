/**
 * One draw per plan across service PROCESSES: two `node src/server.ts` on one PostgreSQL database race
 * to draw the same plan. Needs PostgreSQL (DATABASE_URL); on PGlite, which is embedded in one process,
 * the same race is asserted between two app instances sharing the database.
 */
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { ADMIN_TOKEN, buildTestApp, onPostgres, openTestDatabase, soon, untilEntropyAt } from '../helper.ts';
import { execRows, type Executor } from '../../src/db/client.ts';
import { verifyLedger } from '../../src/core/ledger.ts';
import { planBody, seedDirectories, syntheticDirectories } from '../fixtures/directories.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const count = async (db: Executor, query: string) =>
  Number((await execRows<{ n: number }>(db, sql.raw(`SELECT count(*)::int AS n FROM ${query}`)))[0].n);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function startServer(t: { teardown(fn: () => unknown): void }, databaseUrl: string): Promise<{ base: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', SUICHA_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  t.teardown(() => {
    child.kill('SIGTERM');
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}: ${stderr}`);
    try {
      if ((await fetch(`${base}/health`)).ok) return { base, child };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server on ${port} did not start: ${stderr}`);
}

async function call(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.text() };
}

if (onPostgres) {
  t.test('two service processes on one PostgreSQL: exactly one draw, one chain', async (t) => {
    const { database, url } = await openTestDatabase(t);
    const a = await startServer(t, url!);
    const b = await startServer(t, url!);
    await seedDirectories(database.db, syntheticDirectories(400));

    // Commits from both processes at once: the ledger appends take turns, the chain never forks.
    const plans = await Promise.all(
      [a, b, a, b].map(async (s) => JSON.parse((await call(s.base, 'POST', '/api/v1/plans', planBody())).body).id as string),
    );
    const entropyAt = soon(1500);
    const commits = await Promise.all(plans.map((id, i) => call([a, b][i % 2].base, 'POST', `/api/v1/plans/${id}/commit`, { entropyAt })));
    t.same(
      commits.map((c) => c.status),
      [201, 201, 201, 201],
    );
    t.equal(new Set(plans).size, 4, 'distinct plan ids from the database sequence');
    await untilEntropyAt(entropyAt);

    // Six draws of one plan, three at each process, all at once.
    const id = plans[0];
    const draws = await Promise.all(
      Array.from({ length: 6 }, (_, i) => call([a, b][i % 2].base, 'POST', `/api/v1/plans/${id}/draw`, { publicEntropy: `try ${i}` })),
    );
    t.same(draws.map((d) => d.status).sort(), [201, 409, 409, 409, 409, 409], 'exactly one process draws');
    const winner = JSON.parse(draws.find((d) => d.status === 201)!.body);
    t.equal(await count(database.db, `plan_draws WHERE plan_id = '${id}'`), 1, 'one draw record');
    t.equal(await count(database.db, `tasks WHERE plan_id = '${id}'`), winner.tasks.length, 'one set of tasks');
    t.equal(await count(database.db, `(SELECT DISTINCT seq FROM tasks WHERE plan_id = '${id}') s`), winner.tasks.length);

    // Draw the other three plans at once across both processes, then check the whole chain.
    const more = await Promise.all(plans.slice(1).map((p, i) => call([b, a][i % 2].base, 'POST', `/api/v1/plans/${p}/draw`, { publicEntropy: 'x' })));
    t.same(
      more.map((d) => d.status),
      [201, 201, 201],
    );
    const ledger = JSON.parse((await call(b.base, 'GET', '/public/v1/ledger?limit=1000')).body).items;
    t.equal(ledger.length, 8);
    t.match(verifyLedger(ledger), { ok: true, seq: 8 }, 'the ledger verifies');
    t.equal(ledger.filter((e: { kind: string; planId: string }) => e.kind === 'plan.drawn' && e.planId === id).length, 1);
  });
} else {
  t.test('PGlite (one process): two app instances on one database race to draw — exactly one wins', async (t) => {
    const first = await buildTestApp(t);
    const second = await buildTestApp(t, { database: { database: first.database, url: null } });
    await seedDirectories(first.database.db, syntheticDirectories(400));
    const plan = (await first.api('POST', '/api/v1/plans', { body: planBody() })).json();
    const entropyAt = soon();
    t.equal((await second.api('POST', `/api/v1/plans/${plan.id}/commit`, { body: { entropyAt } })).statusCode, 201);
    await untilEntropyAt(entropyAt);
    const draws = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        [first, second][i % 2].api('POST', `/api/v1/plans/${plan.id}/draw`, { body: { publicEntropy: `try ${i}` } }),
      ),
    );
    t.same(draws.map((d) => d.statusCode).sort(), [201, 409, 409, 409, 409, 409], 'exactly one draw');
    const winner = draws.find((d) => d.statusCode === 201)!.json();
    t.equal(await count(first.database.db, 'plan_draws'), 1);
    t.equal(await count(first.database.db, 'tasks'), winner.tasks.length);
    t.match(verifyLedger((await second.api('GET', '/public/v1/ledger')).json().items), { ok: true, seq: 2 });
    t.comment('the two-process race runs when DATABASE_URL points at PostgreSQL');
  });
}
