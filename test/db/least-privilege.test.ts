/**
 * Least privilege on PostgreSQL (issue 10): the service's role (the suite's: test/helper.ts TEST_ROLES, set up by
 * `npm run db:roles`' code) is no superuser and owns nothing, so it cannot rewrite the ledger, switch its trigger
 * off or change the schema — while everything the service does still works as that role.
 */
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config.ts';
import { openPostgres, type Database } from '../../src/db/client.ts';
import { applyRoles, SERVICE_GRANTS } from '../../src/db/roles.ts';
import { verifyLedger } from '../../src/core/ledger.ts';
import { chinaDate } from '../../src/core/calendar.ts';
import { asAdmin, buildTestApp, commitAndWait, onPostgres, openTestDatabase, signPending, TEST_ROLES } from '../helper.ts';
import { planBody, seedDirectories, syntheticDirectories } from '../fixtures/directories.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SKIP = onPostgres ? false : 'PostgreSQL only: PGlite has one user, a superuser, and no roles to separate (set DATABASE_URL)';

/** The error a statement run as `database`'s role gets (null if it succeeds), in its own transaction. */
async function failure(database: Database, statement: string): Promise<{ code: string; message: string } | null> {
  try {
    await database.rawTransaction((tx) => tx.query(statement));
    return null;
  } catch (err) {
    const e = err as { code?: string; message: string };
    return { code: e.code ?? '', message: e.message };
  }
}

t.test('the service role cannot rewrite the ledger, switch its trigger off or change the schema', { skip: SKIP }, async (t) => {
  const { database } = await openTestDatabase(t);
  const [me] = await database.rawTransaction((tx) =>
    tx.query<Record<string, unknown>>(
      `SELECT current_user AS name, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication,
              pg_has_role(current_user, ${`'${TEST_ROLES.owner}'`}, 'MEMBER') AS owner_member,
              (SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname IN ('public', 'drizzle') AND pg_has_role(current_user, c.relowner, 'USAGE')) AS owns
         FROM pg_roles WHERE rolname = current_user`,
    ),
  );
  t.same(me, {
    name: TEST_ROLES.service,
    rolsuper: false,
    rolcreaterole: false,
    rolcreatedb: false,
    rolbypassrls: false,
    rolreplication: false,
    owner_member: false,
    owns: 0,
  });

  // A ledger entry to aim at (the service may append: INSERT is granted).
  const app = await buildTestApp(t, { database: { database, url: null } });
  await seedDirectories(database.db, syntheticDirectories(30));
  const plan = (await app.api('POST', '/api/v1/plans', { body: planBody() })).json();
  t.equal((await commitAndWait(app, plan.id)).statusCode, 201);

  const refused: [string, string][] = [
    ['UPDATE the ledger', `UPDATE ledger SET body = '{"tampered": true}' WHERE seq = 1`],
    ['DELETE from the ledger', 'DELETE FROM ledger'],
    ['TRUNCATE the ledger', 'TRUNCATE ledger CASCADE'],
    ['disable the ledger trigger', 'ALTER TABLE ledger DISABLE TRIGGER ledger_no_update_delete'],
    ['disable all triggers', 'ALTER TABLE ledger DISABLE TRIGGER ALL'],
    ['drop the ledger trigger', 'DROP TRIGGER ledger_no_update_delete ON ledger'],
    [
      'replace the trigger function',
      `CREATE OR REPLACE FUNCTION suicha_ledger_append_only() RETURNS trigger AS $$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql`,
    ],
    ['SET session_replication_role', 'SET session_replication_role = replica'],
    ['SET LOCAL session_replication_role', 'SET LOCAL session_replication_role = replica'],
    ['DROP TABLE', 'DROP TABLE ledger'],
    ['CREATE TABLE', 'CREATE TABLE sneaky (id int)'],
    ['ALTER TABLE', 'ALTER TABLE plans ADD COLUMN sneaky text'],
    ['UPDATE a drawn task', `UPDATE tasks SET entity_id = 'X'`],
    ['UPDATE a commit', `UPDATE plan_commits SET server_seed = 'x'`],
    ['DELETE a result', 'DELETE FROM results'],
    ['rewind a sequence', `SELECT setval('plan_number_seq', 1)`],
    ['write drizzle’s migrations table', `INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('x', 0)`],
    ['empty drizzle’s migrations table', 'DELETE FROM drizzle.__drizzle_migrations'],
  ];
  for (const [what, statement] of refused) {
    const e = await failure(database, statement);
    t.ok(e, `${what}: refused`);
    // 42501 is also the trigger's code: the message shows it is the privilege system that said no.
    t.match(e, { code: '42501', message: /permission denied|must be owner|no privileges were granted/ }, `${what}: a permission error`);
  }
  t.equal(await failure(database, 'SELECT count(*) FROM drizzle.__drizzle_migrations'), null, 'it may read which migrations ran');
  // A GRANT by a non-owner is only a warning ("no privileges were granted"): check that nothing was.
  await failure(database, `GRANT UPDATE, DELETE, TRUNCATE ON ledger TO ${TEST_ROLES.service}`);
  const [granted] = await database.rawTransaction((tx) =>
    tx.query(
      `SELECT has_table_privilege('ledger', 'UPDATE') AS u, has_table_privilege('ledger', 'DELETE') AS d, has_table_privilege('ledger', 'TRUNCATE') AS t`,
    ),
  );
  t.same(granted, { u: false, d: false, t: false }, 'it cannot grant itself more');

  // As a superuser the entry is still the one the service wrote: nothing above got through.
  const ledger = (await app.api('GET', '/public/v1/ledger')).json().items;
  t.equal(ledger.length, 1);
  t.match(verifyLedger(ledger), { ok: true });
  const [{ n }] = await asAdmin(database).rawTransaction((tx) => tx.query<{ n: number }>('SELECT count(*)::int AS n FROM ledger'));
  t.equal(n, 1);
});

t.test('the grants are exactly SERVICE_GRANTS, on every relation the migrations create', { skip: SKIP }, async (t) => {
  const { database } = await openTestDatabase(t);
  const rows = await asAdmin(database).rawTransaction((tx) =>
    tx.query<{ relname: string; privileges: string[]; columns: string[] }>(
      `SELECT c.relname,
              ARRAY(SELECT p FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p
                     WHERE has_table_privilege($1, c.oid, p)) AS privileges,
              ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                       AND has_column_privilege($1, c.oid, a.attnum, 'UPDATE') ORDER BY a.attname) AS columns
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') ORDER BY c.relname`,
      [TEST_ROLES.service],
    ),
  );
  t.same(rows.map((r) => r.relname).sort(), Object.keys(SERVICE_GRANTS).sort(), 'one entry per relation, no more, no less');
  for (const r of rows) {
    const want = SERVICE_GRANTS[r.relname];
    t.same(r.privileges, want.privileges, `${r.relname}: ${want.privileges.join(', ')}`);
    if (!want.privileges.includes('UPDATE'))
      t.same(r.columns, want.columnUpdate ?? [], `${r.relname}: UPDATE only on ${want.columnUpdate ?? 'no column'}`);
  }
  t.same(SERVICE_GRANTS.ledger.privileges, ['SELECT', 'INSERT'], 'the ledger: appended and read, nothing more');
});

t.test('the service works as that role: import, commit, draw, result, publication, void', { skip: SKIP }, async (t) => {
  const app = await buildTestApp(t);
  const { api, token } = app;
  // The import stages rows in a temporary table and COPYs them (TEMPORARY on the database).
  await seedDirectories(app.database.db, syntheticDirectories(60));
  const csv = 'id,name,type,region,industry\n91500112MFMA6C8B0X,重庆权限测试科技有限公司,company,500112,I65\n';
  const imported = await api('POST', '/api/v1/entities/import', { body: csv, contentType: 'text/csv' });
  t.equal(imported.statusCode, 200, imported.body);

  const plan = (await api('POST', '/api/v1/plans', { body: planBody() })).json();
  t.equal((await commitAndWait(app, plan.id)).statusCode, 201, 'a commit');
  const draw = await api('POST', `/api/v1/plans/${plan.id}/draw`, { body: { publicEntropy: '6 2 5 3 1' } });
  t.equal(draw.statusCode, 201, `a draw: ${draw.body.slice(0, 200)}`);
  const tasks = (await api('GET', `/api/v1/tasks?plan=${plan.id}`)).json().items;
  t.ok(tasks.length > 0, `tasks: ${JSON.stringify(tasks[0])}`);
  const planner = await token('planner');
  const result = await api('PUT', `/api/v1/tasks/${tasks[0].id}/result`, {
    token: planner,
    body: { resultCode: 'no-issue', inspectedOn: chinaDate(new Date()), findings: '现场检查未发现问题', followUp: 'none' },
  });
  t.equal(result.statusCode, 201, `a result: ${result.body}`);
  t.ok((await signPending({ api }, plan.id)) > 0, 'signed by the team');
  t.equal((await api('POST', `/api/v1/plans/${plan.id}/publish`, { body: { scope: 'finished' } })).statusCode, 201, 'a publication');

  const other = (await api('POST', '/api/v1/plans', { body: planBody({ title: '作废的计划' }) })).json();
  t.equal(
    (await api('POST', `/api/v1/plans/${other.id}/commit`, { body: { entropyAt: new Date(Date.now() + 60_000).toISOString() } })).statusCode,
    201,
  );
  t.equal((await api('POST', `/api/v1/plans/${other.id}/void`, { body: { reason: '测试作废' } })).statusCode, 200, 'a void');
  const ledger = (await api('GET', '/public/v1/ledger')).json().items;
  t.same(
    ledger.map((e: { kind: string }) => e.kind),
    ['plan.committed', 'plan.drawn', 'results.published', 'plan.committed', 'plan.voided'],
  );
  t.match(verifyLedger(ledger), { ok: true });
});

t.test('roles: set up again, twice at once, without error (cluster-wide, idempotent)', { skip: SKIP }, async (t) => {
  const { database } = await openTestDatabase(t);
  void database;
  const admins = await Promise.all([0, 1].map(() => openPostgres(process.env.DATABASE_URL!, { max: 1 })));
  t.teardown(() => Promise.all(admins.map((a) => a.close())));
  await Promise.all(admins.map((a) => applyRoles(a, TEST_ROLES, { database: false })));
  t.pass('no error');
});

function run(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', SUICHA_ADMIN_TOKEN: 'x'.repeat(32), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      stdout += d;
      // Up and running: enough, stop it.
      if (stdout.includes('suicha is running')) child.kill('SIGTERM');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

t.test('start as the service role: an unmigrated schema stops it, saying what to run; DATABASE_MIGRATION_URL migrates', { skip: SKIP }, async (t) => {
  const { database, url } = await openTestDatabase(t, { migrate: false });
  void database;
  const stopped = await run({ DATABASE_URL: url! });
  t.equal(stopped.code, 2, 'exit code 2');
  t.match(stopped.stderr, /schema is not up to date \(\d+ migration\(s\) pending: 0000_init, .*npm run db:migrate/);

  t.equal((await run({ DATABASE_URL: url!, SUICHA_MIGRATE: '1' })).code, 2, 'SUICHA_MIGRATE=1 as the service role: refused too');

  const ownerUrl = new URL(url!);
  ownerUrl.username = TEST_ROLES.owner;
  ownerUrl.password = TEST_ROLES.ownerPassword;
  const started = await run({ DATABASE_URL: url!, DATABASE_MIGRATION_URL: ownerUrl.toString() });
  t.match(started.stdout, /suicha is running/, `it starts: ${started.stderr}`);
  const [{ owner }] = await asAdmin(database).rawTransaction((tx) =>
    tx.query<{ owner: string }>(`SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = 'ledger'::regclass`),
  );
  t.equal(owner, TEST_ROLES.owner, 'migrated by the owner role');
  const again = await run({ DATABASE_URL: url! });
  t.match(again.stdout, /suicha is running/, 'then starts as the service role alone');
});

t.test('configuration: SUICHA_MIGRATE, DATABASE_MIGRATION_URL, SUICHA_DB_SERVICE_ROLE (checked on either database)', async (t) => {
  const c = loadConfig({});
  t.match(c, { migrate: 'auto', migrationUrl: null, serviceRole: 'suicha_service' });
  t.equal(loadConfig({ SUICHA_MIGRATE: '1' }).migrate, 'always');
  t.equal(loadConfig({ SUICHA_MIGRATE: '0' }).migrate, 'never');
  t.equal(loadConfig({ DATABASE_MIGRATION_URL: 'postgres://o@h/d' }).migrationUrl, 'postgres://o@h/d');
  for (const [env, variable] of [
    [{ SUICHA_MIGRATE: 'yes' }, 'SUICHA_MIGRATE'],
    [{ DATABASE_MIGRATION_URL: 'mysql://o@h/d' }, 'DATABASE_MIGRATION_URL'],
    [{ SUICHA_DB_SERVICE_ROLE: 'Robert"; DROP' }, 'SUICHA_DB_SERVICE_ROLE'],
  ] as const) {
    t.throws(() => loadConfig(env), { name: 'ConfigError', variable }, variable);
  }
});

t.test('npm run db:roles -- --print: the SQL it runs; a bad role name is refused (either database)', async (t) => {
  const script = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'scripts/db-roles.ts', ...args], { cwd: ROOT, encoding: 'utf8' });
  const printed = script(['--print', '--service', 'svc_x', '--service-password', "it's"]);
  t.equal(printed.status, 0, printed.stderr);
  t.match(printed.stdout, /ALTER ROLE "svc_x" WITH LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS PASSWORD 'it''s';/);
  t.match(printed.stdout, /^GRANT SELECT, INSERT ON "ledger" TO "svc_x";$/m, 'the ledger: SELECT and INSERT');
  t.notMatch(printed.stdout, /GRANT [^;]*(UPDATE|DELETE|TRUNCATE)[^;]* ON "ledger"/, 'nothing more on the ledger');
  t.match(printed.stdout, /^GRANT SELECT ON "drizzle"\."__drizzle_migrations" TO "svc_x";$/m);
  t.match(printed.stdout, /CREATE ROLE "suicha_owner"/, 'the default owner');
  const bad = script(['--print', '--owner', 'Robert"; DROP']);
  t.equal(bad.status, 2);
  t.match(bad.stderr, /owner role/);
  t.equal(script(['--print', '--owner', 'same', '--service', 'same']).status, 2, 'owner and service must differ');
});

t.test('start as a superuser (a set-up from before the roles): it still migrates and starts, with a warning', { skip: SKIP }, async (t) => {
  const { database, url } = await openTestDatabase(t, { migrate: false });
  const adminUrl = new URL(process.env.DATABASE_URL!);
  adminUrl.pathname = new URL(url!).pathname;
  const started = await run({ DATABASE_URL: adminUrl.toString() });
  t.match(started.stdout, /suicha is running/, `it starts: ${started.stderr}`);
  t.match(started.stdout, /connected to PostgreSQL as a superuser, which could switch the ledger trigger off/);
  const [{ n }] = await asAdmin(database).rawTransaction((tx) =>
    tx.query<{ n: number }>('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations'),
  );
  t.ok(n > 0, 'migrated');
});
