import { openPglite } from './db/client.ts';
import { runMigrations } from './db/migrate.ts';
import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';

/** The OpenAPI document as the route schemas define it, serialized the way `openapi/openapi.json` stores it. */
export async function generateOpenApiDocument(): Promise<string> {
  const database = await openPglite(null);
  try {
    await runMigrations(database);
    const app = await buildApp({ config: { ...loadConfig({}), logLevel: 'silent' }, database, logger: false });
    await app.ready();
    const doc = app.swagger();
    await app.close();
    return `${JSON.stringify(doc, null, 2)}\n`;
  } finally {
    await database.close();
  }
}
