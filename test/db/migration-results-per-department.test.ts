/**
 * Migration 0014 on a database that already holds results: every result and history entry gets the department
 * it belongs to (the inspector's who entered version 1, else the first of the task's team), every value is kept,
 * a published result stays frozen, and the results' key becomes (task, department, version).
 */
import t from 'tap';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS_FOLDER, runMigrations } from '../../src/db/migrate.ts';
import { asOwner, openTestDatabase } from '../helper.ts';

/** The migrations folder as it was before 0014 (the journal cut after 0013). */
function migrationsBefore0014(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'suicha-migrations-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(MIGRATIONS_FOLDER, dir, { recursive: true });
  const journalFile = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { idx: number }[] };
  journal.entries = journal.entries.filter((e) => e.idx <= 13);
  writeFileSync(journalFile, JSON.stringify(journal));
  return dir;
}

t.test('0014 gives old results and their history a department, keeping every value', async (t) => {
  const database = asOwner((await openTestDatabase(t, { migrate: false })).database);
  await runMigrations(database, migrationsBefore0014(t));
  await database.rawTransaction(async (tx) => {
    await tx.query(`INSERT INTO departments (code, name) VALUES ('SCJG', '市场监管局'), ('WJW', '卫健委')`);
    await tx.query(`INSERT INTO grade_schemes (code, name, grades, default_grade) VALUES ('old-4', '旧分级', '[{"code":"A"}]'::jsonb, 'A')`);
    await tx.query(
      `INSERT INTO items (code, name, department_code, grade_scheme) VALUES ('S-1', '食品', 'SCJG', 'old-4'), ('W-1', '卫生', 'WJW', 'old-4')`,
    );
    await tx.query(`
      INSERT INTO plans (id, title, status, items, grade_scheme, ratios_bp, inspectors_per_task, filters, entropy_source)
      VALUES ('P-JOINT', '联合', 'drawn', ARRAY['W-1', 'S-1']::text[], 'old-4', '{"A":100}'::jsonb, '{"SCJG":1,"WJW":1}'::jsonb, '{}'::jsonb, 'dice'),
             ('P-ONE', '单部门', 'drawn', ARRAY['W-1']::text[], 'old-4', '{"A":100}'::jsonb, '{"WJW":1}'::jsonb, '{}'::jsonb, 'dice')`);
    await tx.query(`INSERT INTO tasks (id, plan_id, seq, entity_id, grade, mode, team_departments, team_inspectors) VALUES
                      (10, 'P-JOINT', 1, 'E1', 'A', 'onsite', ARRAY['SCJG','WJW'], ARRAY['S-9','W-9']),
                      (11, 'P-JOINT', 2, 'E2', 'A', 'onsite', ARRAY['SCJG','WJW'], ARRAY['S-9','W-9']),
                      (12, 'P-ONE', 1, 'E3', 'A', 'onsite', ARRAY['WJW'], ARRAY['W-8'])`);
    await tx.query(`INSERT INTO result_codes (code, label) VALUES ('ok-old', '未发现问题') ON CONFLICT DO NOTHING`);
    await tx.query(`INSERT INTO follow_up_actions (code, label) VALUES ('none-old', '无') ON CONFLICT DO NOTHING`);
    await tx.query(
      `INSERT INTO ledger (seq, kind, plan_id, at, body, prev_hash, hash)
            VALUES (1, 'results.published', 'P-JOINT', '2026-01-02T00:00:00.000Z', '{"x":1}', $1, $2)`,
      ['0'.repeat(64), '1'.repeat(64)],
    );
    await tx.query(`INSERT INTO publications (id, plan_id, number, scope, ledger_seq, task_count, published_at)
                    VALUES (1, 'P-JOINT', 1, 'finished', 1, 1, '2026-01-02T00:00:00Z')`);
    // task 10: entered by the WJW inspector, published, then corrected by a planner (the chain stays WJW's);
    // task 11: entered by a planner (no inspector: the first department of the team); task 12: single department.
    await tx.query(`INSERT INTO results (id, task_id, version, result_code, inspected_on, findings, follow_up, corrects_result_id,
                                         created_by, created_by_inspector, updated_by, updated_by_inspector, publication_id, published_at) VALUES
                      (100, 10, 1, 'ok-old', '2026-01-01', '卫生合格', 'none-old', NULL, 'tok-w', 'W-9', 'tok-w', 'W-9', 1, '2026-01-02T00:00:00Z'),
                      (101, 10, 2, 'ok-old', '2026-01-01', '更正', 'none-old', 100, 'tok-p', NULL, 'tok-p', NULL, NULL, NULL),
                      (102, 11, 1, 'ok-old', '2026-01-01', '规划员录入', 'none-old', NULL, 'tok-p', NULL, 'tok-p', NULL, NULL, NULL),
                      (103, 12, 1, 'ok-old', '2026-01-01', '单部门', 'none-old', NULL, 'tok-w', 'W-8', 'tok-w', 'W-8', NULL, NULL)`);
    await tx.query(`INSERT INTO result_history (result_id, task_id, version, action, values, changed_by, changed_by_inspector) VALUES
                      (100, 10, 1, 'created', '{"findings":"卫生合格"}', 'tok-w', 'W-9'),
                      (101, 10, 2, 'correction', '{"findings":"更正"}', 'tok-p', NULL),
                      (102, 11, 1, 'created', '{"findings":"规划员录入"}', 'tok-p', NULL),
                      (103, 12, 1, 'created', '{"findings":"单部门"}', 'tok-w', 'W-8')`);
  });

  await runMigrations(database);

  const rows = await database.rawTransaction((tx) =>
    tx.query<{ id: number; department_code: string; version: number; findings: string; publication_id: number | null }>(
      'SELECT id::int AS id, department_code, version, findings, publication_id::int AS publication_id FROM results ORDER BY id',
    ),
  );
  t.same(rows, [
    { id: 100, department_code: 'WJW', version: 1, findings: '卫生合格', publication_id: 1 },
    { id: 101, department_code: 'WJW', version: 2, findings: '更正', publication_id: null },
    { id: 102, department_code: 'SCJG', version: 1, findings: '规划员录入', publication_id: null },
    { id: 103, department_code: 'WJW', version: 1, findings: '单部门', publication_id: null },
  ]);
  const history = await database.rawTransaction((tx) =>
    tx.query<{ result_id: number; department_code: string; action: string }>(
      'SELECT result_id::int AS result_id, department_code, action FROM result_history ORDER BY id',
    ),
  );
  t.same(history, [
    { result_id: 100, department_code: 'WJW', action: 'created' },
    { result_id: 101, department_code: 'WJW', action: 'correction' },
    { result_id: 102, department_code: 'SCJG', action: 'created' },
    { result_id: 103, department_code: 'WJW', action: 'created' },
  ]);

  // The triggers are back: a published result is frozen, the history append-only.
  await t.rejects(
    database.rawTransaction((tx) => tx.query(`UPDATE results SET findings = 'x' WHERE id = 100`)),
    /published/,
  );
  await t.rejects(
    database.rawTransaction((tx) => tx.query(`DELETE FROM result_history`)),
    /append-only/,
  );
  // The key is (task, department, version): the SCJG department of task 10 can now have its own version 1.
  await database.rawTransaction((tx) =>
    tx.query(`INSERT INTO results (task_id, department_code, version, result_code, inspected_on, follow_up, created_by, updated_by)
              VALUES (10, 'SCJG', 1, 'ok-old', '2026-01-01', 'none-old', 'tok-s', 'tok-s')`),
  );
  await t.rejects(
    database.rawTransaction((tx) =>
      tx.query(`INSERT INTO results (task_id, department_code, version, result_code, inspected_on, follow_up, created_by, updated_by)
                VALUES (10, 'SCJG', 2, 'ok-old', '2026-01-01', 'none-old', 'tok-s', 'tok-s')`),
    ),
    /results_one_pending_idx|duplicate/,
    'one pending result per task and department',
  );
});
