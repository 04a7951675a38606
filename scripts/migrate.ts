/** `npm run db:migrate`: apply pending migrations to DATABASE_URL, or to the PGlite data folder. */
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';

const config = loadConfig();
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
await runMigrations(database);
await database.close();
console.log(`migrations applied (${database.kind}${database.kind === 'pglite' ? `: ${config.dataDir}` : ''})`);
