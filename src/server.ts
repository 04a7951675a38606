import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, ConfigError, type Config } from './config.ts';
import { newToken } from './domain/access/service.ts';
import { openDatabase } from './db/client.ts';
import { runMigrations } from './db/migrate.ts';
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
  await runMigrations(database);
  const app = await buildApp({ config, database, closeDatabase: true });
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
