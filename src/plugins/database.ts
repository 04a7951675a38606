import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/client.ts';

declare module 'fastify' {
  interface FastifyInstance {
    database: Database;
  }
}

/** Makes the opened database available to every plugin; closing the app closes it when we own it. */
export default fp(
  async function database(app: FastifyInstance, opts: { database: Database; closeOnExit: boolean }) {
    app.decorate('database', opts.database);
    if (opts.closeOnExit) app.addHook('onClose', async () => opts.database.close());
  },
  { name: 'database' },
);
