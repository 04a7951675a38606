import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, ConfigError, type Config } from './config.ts';
import { newToken } from './domain/access/service.ts';
import { openDatabase, openPostgres, type Database } from './db/client.ts';
import { canMigrate, migrateAndGrant, runMigrations, schemaState } from './db/migrate.ts';
import { buildApp } from './app.ts';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`suicha: configuration error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  config = withLocalAdminToken(config);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  let warning: string | null;
  try {
    warning = await prepareSchema(config, database);
  } catch (err) {
    if (err instanceof SchemaError) {
      await database.close();
      console.error(`suicha: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const app = await buildApp({ config, database, closeDatabase: true });
  if (warning) app.log.warn(warning);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      app.log.info({ signal }, 'shutting down');
      app.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
  await app.listen({ port: config.port, host: config.host });
  app.log.info({ database: database.kind, dataDir: database.kind === 'pglite' ? config.dataDir : undefined }, 'suicha is running');
}

class SchemaError extends Error {}

const MIGRATE_HINT =
  'run `npm run db:migrate` with DATABASE_MIGRATION_URL set to the owner role (see README, Production), ' +
  'or start with DATABASE_MIGRATION_URL set to migrate at start';

/**
 * Migrations run as the owner, never implicitly as a plain service role. PGlite: always at start (one user).
 * PostgreSQL: through DATABASE_MIGRATION_URL when it is set; else at start when SUICHA_MIGRATE=1 or, unset, when
 * the connected role may migrate (a superuser or the schema's owner: a set-up from before the roles keeps
 * working, with a warning); otherwise the schema is only checked, and a pending migration stops
 * the start with a message saying what to run. Returns a warning to log, if any.
 */
async function prepareSchema(config: Config, database: Database): Promise<string | null> {
  if (config.migrate !== 'never') {
    if (database.kind === 'pglite') {
      await runMigrations(database);
      return null;
    }
    if (config.migrationUrl) {
      const owner = await openPostgres(config.migrationUrl, { max: 1 });
      try {
        const [{ me }] = await database.rawTransaction((tx) => tx.query<{ me: string }>('SELECT current_user AS me'));
        // The grants go to the role the service connects as.
        await migrateAndGrant(owner, me);
      } finally {
        await owner.close();
      }
    } else if (await canMigrate(database)) {
      await migrateAndGrant(database, config.serviceRole);
      const [{ su }] = await database.rawTransaction((tx) =>
        tx.query<{ su: boolean }>('SELECT rolsuper AS su FROM pg_roles WHERE rolname = current_user'),
      );
      // It works, but this role could switch the ledger's trigger off (a superuser, or the tables' owner).
      return `connected to PostgreSQL as ${su ? 'a superuser' : 'the owner of the tables'}, which could switch the ledger trigger off: run as a service role (README, Production)`;
    } else if (config.migrate === 'always') {
      throw new SchemaError(`SUICHA_MIGRATE=1, but the role of DATABASE_URL does not own the schema and may not migrate: ${MIGRATE_HINT}`);
    }
  }
  let pending: string[];
  try {
    pending = (await schemaState(database)).pending;
  } catch (err) {
    throw new SchemaError(`cannot read which migrations the database has (${(err as Error).message}): ${MIGRATE_HINT}`);
  }
  if (pending.length > 0) {
    throw new SchemaError(`the database schema is not up to date (${pending.length} migration(s) pending: ${pending.join(', ')}): ${MIGRATE_HINT}`);
  }
  return null;
}

/**
 * On the embedded database with no SUICHA_ADMIN_TOKEN, a newcomer still needs an admin token: make one
 * once, keep it in the data folder (mode 600) and print where it is — never the token itself.
 */
function withLocalAdminToken(config: Config): Config {
  if (config.adminToken || config.databaseUrl) return config;
  mkdirSync(config.dataDir, { recursive: true });
  const file = join(config.dataDir, 'admin-token');
  if (!existsSync(file)) {
    writeFileSync(file, `${newToken()}\n`, { mode: 0o600 });
    console.error(`suicha: no SUICHA_ADMIN_TOKEN set; created an admin token in ${file}`);
  }
  return { ...config, adminToken: readFileSync(file, 'utf8').trim() };
}

main().catch((err) => {
  console.error('suicha: failed to start:', err);
  process.exit(1);
});
