/**
 * Migration 0008 on a database that already holds draws: each task's team moves from task_inspectors
 * rows into the arrays on tasks (in position order), plan_draws points at its plan.drawn ledger entry
 * instead of a second copy of the record, and the ledger bodies keep their exact text.
 */
import t from 'tap';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { execRows } from '../../src/db/client.ts';
import { MIGRATIONS_FOLDER, runMigrations } from '../../src/db/migrate.ts';
import { asOwner, openTestDatabase } from '../helper.ts';

/** The migrations folder as it was before 0008 (the journal cut after 0007). */
function migrationsBefore0008(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'suicha-migrations-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(MIGRATIONS_FOLDER, dir, { recursive: true });
  const journalFile = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { idx: number }[] };
  journal.entries = journal.entries.filter((e) => e.idx <= 7);
  writeFileSync(journalFile, JSON.stringify(journal));
  return dir;
}

t.test('0008 carries teams and draw records over from the old tables', async (t) => {
  // Migrations run as the owner role (on PostgreSQL; PGlite has one user): this test works as it throughout.
  const database = asOwner((await openTestDatabase(t, { migrate: false })).database);
  await runMigrations(database, migrationsBefore0008(t));
  const drawnBody = '{"planId":"P-OLD","protocol":"draw-v1","tasks":[{"entityId":"E1","inspectors":[],"seq":1}]}';
  await database.rawTransaction(async (tx) => {
    await tx.query(`INSERT INTO grade_schemes (code, name, grades, default_grade) VALUES ('old-4', '旧分级', '[{"code":"A"}]'::jsonb, 'A')`);
    await tx.query(`
      INSERT INTO plans (id, title, status, items, grade_scheme, ratios_bp, inspectors_per_task, filters, entropy_source)
      VALUES ('P-OLD', '旧计划', 'drawn', ARRAY['X']::text[], 'old-4', '{"A":100}'::jsonb, '{"SCJG":2}'::jsonb, '{}'::jsonb, 'dice')`);
    await tx.query(
      `INSERT INTO ledger (seq, kind, plan_id, at, body, prev_hash, hash)
                    VALUES (1, 'plan.committed', 'P-OLD', '2026-01-01T00:00:00.000Z', '{"b":1,"a":[1,2]}'::json, $1, $2),
                           (2, 'plan.drawn', 'P-OLD', '2026-01-02T00:00:00.000Z', $3::json, $2, $4)`,
      ['0'.repeat(64), '1'.repeat(64), drawnBody, '2'.repeat(64)],
    );
    await tx.query(
      `INSERT INTO plan_draws (plan_id, public_entropy, seed, record, grades_public, drawn_at)
                    VALUES ('P-OLD', '1 2 3', $1, $2::json, false, '2026-01-02T00:00:00Z')`,
      ['3'.repeat(64), drawnBody.slice(0, -1) + ',"drawnAt":"2026-01-02T00:00:00.000Z"}'],
    );
    await tx.query(`INSERT INTO tasks (id, plan_id, seq, entity_id, grade, mode) VALUES (10, 'P-OLD', 1, 'E1', 'A', 'written'),
                                                                                      (11, 'P-OLD', 2, 'E2', 'B', 'onsite'),
                                                                                      (12, 'P-OLD', 3, 'E3', 'C', 'onsite')`);
    // members written out of position order; task 12 has none
    await tx.query(`INSERT INTO task_inspectors (task_id, position, department_code, inspector_id) VALUES
                      (10, 2, 'WJW', 'W-1'), (10, 0, 'SCJG', 'S-2'), (10, 1, 'SCJG', 'S-1'),
                      (11, 1, 'SCJG', 'S-3'), (11, 0, 'SCJG', 'S-1')`);
  });

  await runMigrations(database);

  const tasks = await execRows<{ id: number; team_departments: string[]; team_inspectors: string[] }>(
    database.db,
    sql`SELECT id::int AS id, team_departments, team_inspectors FROM tasks ORDER BY id`,
  );
  t.same(tasks, [
    { id: 10, team_departments: ['SCJG', 'SCJG', 'WJW'], team_inspectors: ['S-2', 'S-1', 'W-1'] },
    { id: 11, team_departments: ['SCJG', 'SCJG'], team_inspectors: ['S-1', 'S-3'] },
    { id: 12, team_departments: [], team_inspectors: [] },
  ]);
  const members = await database.rawTransaction((tx) =>
    tx.query<{ task_id: number; position: number; department_code: string; inspector_id: string }>(
      'SELECT task_id::int AS task_id, position, department_code, inspector_id FROM task_inspectors ORDER BY task_id, position',
    ),
  );
  t.same(
    members,
    [
      { task_id: 10, position: 0, department_code: 'SCJG', inspector_id: 'S-2' },
      { task_id: 10, position: 1, department_code: 'SCJG', inspector_id: 'S-1' },
      { task_id: 10, position: 2, department_code: 'WJW', inspector_id: 'W-1' },
      { task_id: 11, position: 0, department_code: 'SCJG', inspector_id: 'S-1' },
      { task_id: 11, position: 1, department_code: 'SCJG', inspector_id: 'S-3' },
    ],
    'the task_inspectors view gives the old rows back',
  );

  const [draw] = await database.rawTransaction((tx) => tx.query<{ ledger_seq: number }>('SELECT ledger_seq::int AS ledger_seq FROM plan_draws'));
  t.equal(draw.ledger_seq, 2, 'plan_draws points at the plan.drawn entry');
  const bodies = await database.rawTransaction((tx) => tx.query<{ body: string }>('SELECT body FROM ledger ORDER BY seq'));
  t.same(
    bodies.map((b) => b.body),
    ['{"b":1,"a":[1,2]}', drawnBody],
    'ledger bodies keep their exact text',
  );
  const columns = await database.rawTransaction((tx) =>
    tx.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_name = 'plan_draws' ORDER BY column_name`),
  );
  t.notOk(
    columns.some((c) => c.column_name === 'record'),
    'no second copy of the record',
  );
});
