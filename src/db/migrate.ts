import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { Database } from './client.ts';
import { grantService, MIGRATIONS_SCHEMA, MIGRATIONS_TABLE, roleExists } from './roles.ts';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));

/** Apply every pending migration; safe to run at each start (drizzle records what ran). */
export async function runMigrations(database: Database, migrationsFolder = MIGRATIONS_FOLDER): Promise<void> {
  const config = { migrationsFolder };
  if (database.kind === 'pglite') await migratePglite(database.db as never, config);
  else await migratePostgres(database.db as never, config);
}

/**
 * Migrations as the owner, then (on PostgreSQL, when the service role exists and is another role) the
 * service's grants again, so that a table a migration adds gets its grants before the service needs them.
 */
export async function migrateAndGrant(
  database: Database,
  serviceRole: string | null,
  migrationsFolder = MIGRATIONS_FOLDER,
): Promise<{ granted: boolean }> {
  await runMigrations(database, migrationsFolder);
  if (database.kind !== 'postgres' || !serviceRole || !(await roleExists(database, serviceRole))) return { granted: false };
  const [{ me }] = await database.rawTransaction((tx) => tx.query<{ me: string }>('SELECT current_user AS me'));
  if (me === serviceRole) return { granted: false };
  await database.rawTransaction((tx) => grantService(tx, serviceRole));
  return { granted: true };
}

/**
 * Whether the connected role may run the migrations: a superuser, or the owner (directly or by membership)
 * of schema public and of everything in it. A plain service role may not: it checks instead.
 */
export async function canMigrate(database: Database): Promise<boolean> {
  if (database.kind === 'pglite') return true;
  const [row] = await database.rawTransaction((tx) =>
    tx.query<{ ok: boolean }>(
      `SELECT r.rolsuper OR (pg_has_role(current_user, n.nspowner, 'USAGE') AND NOT EXISTS (
                SELECT FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
                   AND NOT pg_has_role(current_user, c.relowner, 'USAGE'))) AS ok
         FROM pg_roles r, pg_namespace n WHERE r.rolname = current_user AND n.nspname = 'public'`,
    ),
  );
  return Boolean(row?.ok);
}

export interface SchemaState {
  /** Migrations in the folder that the database has not applied, oldest first (their file tags). */
  pending: string[];
}

/** Which migrations the database lacks (drizzle applies those newer than its latest record, as here). */
export async function schemaState(database: Database, migrationsFolder = MIGRATIONS_FOLDER): Promise<SchemaState> {
  const files = readMigrationFiles({ migrationsFolder });
  const tags = migrationTags(migrationsFolder);
  const rows = await database.rawTransaction(async (tx) => {
    const [t] = await tx.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [`${MIGRATIONS_SCHEMA}.${MIGRATIONS_TABLE}`]);
    if (!t.present) return [];
    return tx.query<{ last: string | number | null }>(`SELECT max(created_at) AS last FROM "${MIGRATIONS_SCHEMA}"."${MIGRATIONS_TABLE}"`);
  });
  const last = rows[0]?.last == null ? null : Number(rows[0].last);
  return { pending: files.flatMap((f, i) => (last === null || last < f.folderMillis ? [tags[i] ?? String(f.folderMillis)] : [])) };
}

function migrationTags(migrationsFolder: string): string[] {
  // readMigrationFiles keeps the journal's order; the journal also names each file.
  const journal = JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, 'utf8')) as { entries: { tag: string }[] };
  return journal.entries.map((e) => e.tag);
}
