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
import { migrateAndGrant, runMigrations } from '../src/db/migrate.ts';
import { applyRoles, type RoleOptions } from '../src/db/roles.ts';
import { buildApp } from '../src/app.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
export const onPostgres = Boolean(process.env.DATABASE_URL);

interface Teardown {
  teardown(fn: () => unknown): void;
}

/**
 * The roles of the PostgreSQL suite (npm run db:roles with these names; not the production defaults, so a
 * test run never alters a deployment's roles on a shared cluster). Passwords only matter without trust auth.
 */
export const TEST_ROLES: RoleOptions & { ownerPassword: string; servicePassword: string } = {
  owner: 'suicha_test_owner',
  service: 'suicha_test_service',
  ownerPassword: 'suicha-test-owner',
  servicePassword: 'suicha-test-service',
};

/** Roles are cluster-wide: set up once per test process (applyRoles is idempotent and takes turns across processes). */
let testRoles: Promise<void> | null = null;
function ensureTestRoles(adminUrl: string): Promise<void> {
  testRoles ??= (async () => {
    const admin = await openPostgres(adminUrl, { max: 1 });
    try {
      await applyRoles(admin, TEST_ROLES, { database: false });
    } finally {
      await admin.close();
    }
  })();
  return testRoles;
}

const privileged = new WeakMap<Database, { admin: Database; owner: Database }>();

/**
 * The same test database on a superuser connection, for tests that tamper with it on purpose (rewrite the
 * ledger behind its trigger, inject a fault trigger) — the service's own role may not. PGlite: the database itself.
 */
export function asAdmin(database: Database): Database {
  return privileged.get(database)?.admin ?? database;
}

/** The same test database as the owner role (who runs the migrations). PGlite: the database itself. */
export function asOwner(database: Database): Database {
  return privileged.get(database)?.owner ?? database;
}

/**
 * A fresh, migrated (unless `migrate: false`) database and (for PostgreSQL) its URL, removed when the test ends.
 * On PostgreSQL, as in production (README, Production): DATABASE_URL's role creates the database and the roles,
 * the owner role migrates it, and `database` and `url` connect as the service role.
 */
export async function openTestDatabase(t: Teardown, options: { migrate?: boolean } = {}): Promise<{ database: Database; url: string | null }> {
  const adminUrl = process.env.DATABASE_URL;
  const migrate = options.migrate ?? true;
  if (!adminUrl) {
    const database = await openPglite(null);
    if (migrate) await runMigrations(database);
    t.teardown(() => database.close());
    return { database, url: null };
  }
  await ensureTestRoles(adminUrl);
  const name = `suicha_test_${randomBytes(6).toString('hex')}`;
  const cluster = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await cluster.unsafe(`CREATE DATABASE ${name}`);
  const urlAs = (user: string | null, password: string) => {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    if (user) {
      url.username = user;
      url.password = password;
    }
    return url.toString();
  };
  const admin = await openPostgres(urlAs(null, ''), { max: 2 });
  const owner = await openPostgres(urlAs(TEST_ROLES.owner, TEST_ROLES.ownerPassword), { max: 2 });
  const url = urlAs(TEST_ROLES.service, TEST_ROLES.servicePassword);
  const database = await openPostgres(url);
  privileged.set(database, { admin, owner });
  t.teardown(async () => {
    await Promise.all([database.close(), owner.close(), admin.close()]);
    await cluster.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await cluster.end();
  });
  await applyRoles(admin, TEST_ROLES, { cluster: false });
  if (migrate) await migrateAndGrant(owner, TEST_ROLES.service);
  return { database, url };
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  // No rate limits and no load shedding (the suite fires many requests from one address on a busy machine);
  // test/routes/rate-limit.test.ts turns them on.
  const unlimited = { rateLimitPublic: 0, rateLimitAuthFailures: 0, maxEventLoopDelayMs: 0, maxHeapBytes: 0, maxRssBytes: 0 };
  return { ...loadConfig({}), adminToken: ADMIN_TOKEN, logLevel: 'silent', ...unlimited, ...overrides };
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

/** Signing of pending results as the team would (行政处罚法 第四十二条), for tests about something else. */
export { signPending, signing } from './fixtures/signatures.ts';
