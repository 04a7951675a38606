/**
 * Least privilege on PostgreSQL (issue 10): an owner role owns the schema and every table and runs the
 * migrations; the service connects as a plain role that owns nothing and holds only the grants below. Neither
 * is a superuser, so no one on the service's connection can switch the ledger's trigger off
 * (`SET session_replication_role`, `ALTER TABLE … DISABLE TRIGGER`) or rewrite the ledger.
 *
 * The SQL is plain text so that `npm run db:roles -- --print` shows exactly what `npm run db:roles` runs.
 */
import type { Database, RawTx } from './client.ts';

export const DEFAULT_OWNER_ROLE = 'suicha_owner';
export const DEFAULT_SERVICE_ROLE = 'suicha_service';

export interface RoleOptions {
  owner: string;
  service: string;
  /** Passwords for LOGIN with password authentication; null leaves a role's password as it is. */
  ownerPassword?: string | null;
  servicePassword?: string | null;
}

type Privilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';

/**
 * What the service may do to each relation of schema public, read off src/domain/**\/repository.ts. A table
 * missing here makes the grant step fail, so a migration that adds one cannot ship without deciding.
 * INSERT … ON CONFLICT DO UPDATE needs UPDATE; SELECT … FOR UPDATE needs UPDATE on at least one column.
 */
export const SERVICE_GRANTS: Record<string, { privileges: Privilege[]; columnUpdate?: string[] }> = {
  api_tokens: { privileges: ['SELECT', 'INSERT', 'UPDATE'] },
  calendar_days: { privileges: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] },
  // Imported (upserted), and their outcomes set by publications.
  commitments: { privileges: ['SELECT', 'INSERT', 'UPDATE'] },
  current_grades: { privileges: ['SELECT', 'INSERT', 'UPDATE'] },
  departments: { privileges: ['SELECT', 'INSERT', 'UPDATE'] },
  entities: { privileges: ['SELECT', 'INSERT', 'UPDATE'] },
  follow_up_actions: { privileges: ['SELECT', 'INSERT', 'UPDATE'] },
  // Created at publication, outcomes recorded and published (UPDATE); a trigger freezes published ones.
  follow_ups: { privileges: ['SELECT', 'INSERT', 'UPDATE'] },
  grade_evaluations: { privileges: ['SELECT', 'INSERT'] },
  grade_schemes: { privileges: ['SELECT', 'INSERT', 'UPDATE'] },
  // Grade reviews (复核): a finding is reviewed once; the record is never changed (a new finding gets a new row).
  grade_reviews: { privileges: ['SELECT', 'INSERT'] },
  idempotency_keys: { privileges: ['SELECT', 'INSERT'] },
  inspectors: { privileges: ['SELECT', 'INSERT', 'UPDATE'] },
  items: { privileges: ['SELECT', 'INSERT', 'UPDATE'] },
  // The hash chain: appended and read, nothing more (no UPDATE, DELETE, TRUNCATE).
  ledger: { privileges: ['SELECT', 'INSERT'] },
  plan_commits: { privileges: ['SELECT', 'INSERT'] },
  plan_draws: { privileges: ['SELECT', 'INSERT'] },
  plan_voids: { privileges: ['SELECT', 'INSERT'] },
  plans: { privileges: ['SELECT', 'INSERT', 'UPDATE'] },
  // Drafts are edited (lines replaced: DELETE), publication fixes their strata (UPDATE); a trigger freezes published ones.
  programme_lines: { privileges: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] },
  programmes: { privileges: ['SELECT', 'INSERT', 'UPDATE'] },
  publications: { privileges: ['SELECT', 'INSERT'] },
  // Rate-limit counters (src/domain/ratelimit): upserted, read, expired rows deleted.
  rate_limit_hits: { privileges: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] },
  recusals: { privileges: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] },
  result_codes: { privileges: ['SELECT', 'INSERT', 'UPDATE'] },
  result_history: { privileges: ['SELECT', 'INSERT'] },
  // Signed, and cleared when a pending result is amended; a trigger freezes them once published.
  result_signatures: { privileges: ['SELECT', 'INSERT', 'DELETE'] },
  results: { privileges: ['SELECT', 'INSERT', 'UPDATE'] },
  // A drawn task is never rewritten; a result write locks its task row (FOR UPDATE), which needs UPDATE on
  // one column: `status`, the one column that is not part of the draw.
  tasks: { privileges: ['SELECT', 'INSERT'], columnUpdate: ['status'] },
  task_inspectors: { privileges: ['SELECT'] },
};

/** drizzle's record of applied migrations: the service reads it to check the schema is up to date. */
export const MIGRATIONS_SCHEMA = 'drizzle';
export const MIGRATIONS_TABLE = '__drizzle_migrations';

export function checkRoleName(name: string, what: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name))
    throw new Error(`${what}: a role name is lower-case letters, digits and _ (got ${JSON.stringify(name)})`);
  return name;
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** Cluster-wide: the two roles, created if missing and (re)set to their attributes; safe to run again. */
export function roleStatements(o: RoleOptions): string[] {
  const owner = checkRoleName(o.owner, 'owner role');
  const service = checkRoleName(o.service, 'service role');
  if (owner === service) throw new Error('the owner and the service role must differ');
  const role = (name: string, password: string | null | undefined) => [
    // Concurrent runs (test files, two deploys) may both see the role missing: the loser ignores the clash.
    `DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${literal(name)}) THEN CREATE ROLE ${ident(name)}; END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$`,
    `ALTER ROLE ${ident(name)} WITH LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS${password ? ` PASSWORD ${literal(password)}` : ''}`,
  ];
  return [
    ...role(owner, o.ownerPassword),
    ...role(service, o.servicePassword),
    // The service must not act as the owner through membership.
    `REVOKE ${ident(owner)} FROM ${ident(service)}`,
  ];
}

/**
 * In the connected database: the owner gets the schema and every existing object (a database that was
 * migrated by a superuser before), the service gets CONNECT, TEMPORARY (the imports' staging tables) and
 * USAGE on the schema, and no one but the owner may create objects in it.
 */
export function databaseStatements(o: RoleOptions): string[] {
  const owner = checkRoleName(o.owner, 'owner role');
  const service = checkRoleName(o.service, 'service role');
  return [
    `DO $$ BEGIN
  EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), ${literal(service)});
  -- CREATE: the migrations create drizzle's own schema.
  EXECUTE format('GRANT CONNECT, CREATE ON DATABASE %I TO %I', current_database(), ${literal(owner)});
END $$`,
    `ALTER SCHEMA public OWNER TO ${ident(owner)}`,
    `REVOKE CREATE ON SCHEMA public FROM PUBLIC`,
    `DO $$ DECLARE r record; BEGIN
  IF EXISTS (SELECT FROM pg_namespace WHERE nspname = ${literal(MIGRATIONS_SCHEMA)}) THEN
    EXECUTE format('ALTER SCHEMA %I OWNER TO %I', ${literal(MIGRATIONS_SCHEMA)}, ${literal(owner)});
    EXECUTE format('REVOKE CREATE ON SCHEMA %I FROM PUBLIC', ${literal(MIGRATIONS_SCHEMA)});
  END IF;
  -- Tables and views (a table's serial sequences follow it), then sequences of their own, then functions.
  FOR r IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname IN ('public', ${literal(MIGRATIONS_SCHEMA)}) AND c.relkind IN ('r', 'p', 'v', 'm')
              AND c.relowner <> ${literal(owner)}::regrole LOOP
    EXECUTE format(CASE r.relkind WHEN 'v' THEN 'ALTER VIEW %s OWNER TO %I' WHEN 'm' THEN 'ALTER MATERIALIZED VIEW %s OWNER TO %I'
                   ELSE 'ALTER TABLE %s OWNER TO %I' END, r.name, ${literal(owner)});
  END LOOP;
  FOR r IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname IN ('public', ${literal(MIGRATIONS_SCHEMA)}) AND c.relkind = 'S' AND c.relowner <> ${literal(owner)}::regrole
              AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')) LOOP
    EXECUTE format('ALTER SEQUENCE %s OWNER TO %I', r.name, ${literal(owner)});
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'public' AND p.proowner <> ${literal(owner)}::regrole
              AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e') LOOP
    EXECUTE format('ALTER ROUTINE %s OWNER TO %I', r.name, ${literal(owner)});
  END LOOP;
END $$`,
    `GRANT USAGE ON SCHEMA public TO ${ident(service)}`,
  ];
}

/**
 * The service's grants on the relations that exist (all of SERVICE_GRANTS when `existing` is null, for
 * --print): everything revoked first, so a grant taken out of the table above is taken from the database too.
 */
export function grantStatements(service: string, existing: { relations: string[]; migrationsTable: boolean } | null): string[] {
  checkRoleName(service, 'service role');
  const svc = ident(service);
  const relations = existing?.relations ?? Object.keys(SERVICE_GRANTS);
  const unknown = relations.filter((r) => !(r in SERVICE_GRANTS));
  if (unknown.length > 0) {
    throw new Error(`no grants decided for ${unknown.join(', ')}: add ${unknown.length > 1 ? 'them' : 'it'} to SERVICE_GRANTS in src/db/roles.ts`);
  }
  const out = [`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${svc}`, `REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${svc}`];
  for (const name of [...relations].sort()) {
    const g = SERVICE_GRANTS[name];
    out.push(`GRANT ${g.privileges.join(', ')} ON ${ident(name)} TO ${svc}`);
    if (g.columnUpdate) out.push(`GRANT UPDATE (${g.columnUpdate.map(ident).join(', ')}) ON ${ident(name)} TO ${svc}`);
  }
  // nextval() for serial ids and plan numbers; USAGE does not allow setval().
  out.push(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${svc}`);
  if (existing === null || existing.migrationsTable) {
    out.push(`GRANT USAGE ON SCHEMA ${ident(MIGRATIONS_SCHEMA)} TO ${svc}`);
    out.push(`REVOKE ALL ON ALL TABLES IN SCHEMA ${ident(MIGRATIONS_SCHEMA)} FROM ${svc}`);
    out.push(`GRANT SELECT ON ${ident(MIGRATIONS_SCHEMA)}.${ident(MIGRATIONS_TABLE)} TO ${svc}`);
  }
  return out;
}

/** Every statement of `npm run db:roles`, in order, for --print. */
export function rolesScript(o: RoleOptions): string {
  const block = (title: string, statements: string[]) => `-- ${title}\n${statements.map((s) => `${s};`).join('\n')}\n`;
  return [
    block('Roles (cluster-wide; run as a superuser or a role with CREATEROLE)', roleStatements(o)),
    block('In the service database (connect to it first)', databaseStatements(o)),
    block(
      `The service's grants, once the tables exist (after the first \`npm run db:migrate\`, which reapplies them after every migration)`,
      grantStatements(o.service, null),
    ),
  ].join('\n');
}

async function existingRelations(tx: RawTx) {
  const rows = await tx.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') ORDER BY c.relname`,
  );
  const [m] = await tx.query<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS present`, [`${MIGRATIONS_SCHEMA}.${MIGRATIONS_TABLE}`]);
  return { relations: rows.map((r) => r.relname), migrationsTable: m.present };
}

/** Runs the grant statements for `service` on what exists, as the owner (after migrations) or an administrator. */
export async function grantService(tx: RawTx, service: string): Promise<void> {
  for (const statement of grantStatements(service, await existingRelations(tx))) await tx.query(statement);
}

/** Whether a role exists (the grant step after a migration runs only when the service role does). */
export async function roleExists(database: Database, name: string): Promise<boolean> {
  const rows = await database.rawTransaction((tx) =>
    tx.query<{ ok: boolean }>(`SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1) AS ok`, [name]),
  );
  return rows[0].ok;
}

/** A fixed advisory-lock key: role set-ups in one database take turns (ALTER ROLE races with itself). */
const ROLES_LOCK_KEY = 0x5c1c_a0b1;

/**
 * `npm run db:roles` on a database connection of an administrator: the roles, the database's ownership and
 * privileges, and the service's grants if the tables already exist. Idempotent; concurrent runs take turns.
 */
export async function applyRoles(admin: Database, o: RoleOptions, parts: { cluster?: boolean; database?: boolean } = {}): Promise<void> {
  await admin.rawTransaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${ROLES_LOCK_KEY})`);
    if (parts.cluster ?? true) for (const s of roleStatements(o)) await tx.query(s);
    if (parts.database ?? true) {
      for (const s of databaseStatements(o)) await tx.query(s);
      await grantService(tx, o.service);
    }
  });
}
