/**
 * `npm run db:migrate`: apply pending migrations, as the owner role, to DATABASE_MIGRATION_URL (else
 * DATABASE_URL), or to the PGlite data folder; then reapply the service role's grants (SUICHA_DB_SERVICE_ROLE;
 * unset with both URLs set: the role DATABASE_URL connects as; else suicha_service), if that role exists.
 */
import { loadConfig } from '../src/config.ts';
import { openDatabase, openPostgres } from '../src/db/client.ts';
import { migrateAndGrant } from '../src/db/migrate.ts';

const config = loadConfig();
const url = config.migrationUrl ?? config.databaseUrl;
let serviceRole = config.serviceRole;
if (!process.env.SUICHA_DB_SERVICE_ROLE?.trim() && config.migrationUrl && config.databaseUrl) {
  const service = await openPostgres(config.databaseUrl, { max: 1 });
  try {
    [{ me: serviceRole }] = await service.rawTransaction((tx) => tx.query<{ me: string }>('SELECT current_user AS me'));
  } finally {
    await service.close();
  }
}
const database = url ? await openPostgres(url, { max: 1 }) : await openDatabase({ databaseUrl: null, dataDir: config.dataDir });
try {
  const { granted } = await migrateAndGrant(database, serviceRole);
  console.log(
    `migrations applied (${database.kind}${database.kind === 'pglite' ? `: ${config.dataDir}` : ''})` +
      (granted ? `; grants of ${serviceRole} reapplied` : database.kind === 'postgres' ? `; no role ${serviceRole}: no grants applied` : ''),
  );
} finally {
  await database.close();
}
