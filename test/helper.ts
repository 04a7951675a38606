/**
 * Test harness: every test gets its own real database — an in-memory PGlite by default, or a fresh
 * PostgreSQL database (created from DATABASE_URL, dropped afterwards) when DATABASE_URL is set.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import postgres from 'postgres';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { loadConfig, type Config } from '../src/config.ts';
import { openPglite, openPostgres, type Database } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { buildApp } from '../src/app.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
export const onPostgres = Boolean(process.env.DATABASE_URL);

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** A fresh, migrated (unless `migrate: false`) database and (for PostgreSQL) its URL, removed when the test ends. */
export async function openTestDatabase(t: Teardown, options: { migrate?: boolean } = {}): Promise<{ database: Database; url: string | null }> {
  const adminUrl = process.env.DATABASE_URL;
  const migrate = options.migrate ?? true;
  if (!adminUrl) {
    const database = await openPglite(null);
    if (migrate) await runMigrations(database);
    t.teardown(() => database.close());
    return { database, url: null };
  }
  const name = `suicha_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openPostgres(url.toString());
  if (migrate) await runMigrations(database);
  t.teardown(async () => {
    await database.close();
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });
  return { database, url: url.toString() };
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({}), adminToken: ADMIN_TOKEN, logLevel: 'silent', ...overrides };
}

export interface TestApp {
  app: FastifyInstance;
  database: Database;
  url: string | null;
  /** app.inject with a bearer token (admin unless given) and JSON or raw bodies. */
  api(method: InjectOptions['method'], path: string, options?: ApiOptions): Promise<ApiResponse>;
  /** Make a token of `role` through the API. */
  token(role: 'admin' | 'planner' | 'inspector' | 'auditor', inspectorId?: string): Promise<string>;
}

export interface ApiOptions {
  token?: string | null;
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface ApiResponse {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
  /** The body's bytes (for binary downloads, e.g. a .tar.gz). */
  raw: Buffer;
  json<T = any>(): T;
}

export async function buildTestApp(
  t: Teardown,
  options: { config?: Partial<Config>; database?: { database: Database; url: string | null } } = {},
): Promise<TestApp> {
  const { database, url } = options.database ?? (await openTestDatabase(t));
  const app = await buildApp({ config: testConfig(options.config), database, logger: false });
  await app.ready();
  t.teardown(() => app.close());
  const api: TestApp['api'] = async (method, path, opts = {}) => {
    const token = opts.token === undefined ? ADMIN_TOKEN : opts.token;
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let payload: string | Buffer | undefined;
    if (opts.body !== undefined) {
      if (typeof opts.body === 'string' || Buffer.isBuffer(opts.body)) {
        payload = opts.body as string | Buffer;
        headers['content-type'] = opts.contentType ?? 'text/csv';
      } else {
        payload = JSON.stringify(opts.body);
        headers['content-type'] = opts.contentType ?? 'application/json';
      }
    }
    const res = await app.inject({ method, url: path, headers, payload });
    return { statusCode: res.statusCode, headers: res.headers, body: res.body, raw: res.rawPayload, json: () => res.json() };
  };
  return {
    app,
    database,
    url,
    api,
    async token(role, inspectorId) {
      const res = await api('POST', '/api/v1/tokens', { body: { role, ...(inspectorId ? { inspectorId } : {}) } });
      if (res.statusCode !== 201) throw new Error(`token creation failed: ${res.statusCode} ${res.body}`);
      return res.json().token as string;
    },
  };
}

/**
 * An `entropyAt` a little in the future (records rev 2: it must be later than the commit — 1 s leaves room
 * for a slow commit on a loaded machine), as an ISO instant with milliseconds. Commit with it, then `await untilEntropyAt(at)` before the draw.
 */
export function soon(ms = 1000): string {
  return new Date(Date.now() + ms).toISOString();
}

/** Waits until `entropyAt` has passed (a draw before it is refused), so a test can draw right after. */
export async function untilEntropyAt(entropyAt: string): Promise<void> {
  const wait = new Date(entropyAt).getTime() - Date.now() + 2;
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

/**
 * Commits a plan with an entropyAt `ms` ahead, then waits until it, so that the draw may follow
 * at once; returns the commit response (whatever its status).
 */
export async function commitAndWait(app: Pick<TestApp, 'api'>, planId: string, options: { ms?: number; token?: string | null } = {}) {
  const entropyAt = soon(options.ms ?? 1000);
  const res = await app.api('POST', `/api/v1/plans/${planId}/commit`, { body: { entropyAt }, token: options.token });
  if (res.statusCode === 201) await untilEntropyAt(entropyAt);
  return res;
}

/** An app that logs at info into `lines` (one JSON text per line), for tests that read the log. */
export async function buildLoggedApp(t: Teardown) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const { database } = await openTestDatabase(t);
  const app = await buildApp({ config: testConfig({ logLevel: 'info' }), database, logger: { stream } });
  t.teardown(() => app.close());
  await app.ready();
  return { app, database, lines };
}
