import { isIP } from 'node:net';
import { getHeapStatistics } from 'node:v8';

/** Configuration, read from the environment once at start and validated: a bad value stops the service. */
export interface Config {
  databaseUrl: string | null;
  dataDir: string;
  port: number;
  host: string;
  adminToken: string | null;
  logLevel: string;
  /** Working days within which a result must be public (谁检查、谁录入、谁公开). */
  disclosureWorkingDays: number;
  /**
   * The portal's ledger page re-hashes entries it has not checked yet on every view, and the whole chain
   * at least this often (a draw's body can be megabytes: a full walk per view would let anyone load the server).
   */
  ledgerFullCheckSeconds: number;
  /** A plan preview warns (high_inspector_load) when a department's average tasks per inspector is above this. */
  maxAverageLoad: number;
  /** Requests per minute per client address on the public routes (/public/v1, portal pages); 0 = no limit. */
  rateLimitPublic: number;
  /** 401 answers per minute per client address on /api/v1 before that address gets 429 there; 0 = no limit. */
  rateLimitAuthFailures: number;
  /** Fastify's trustProxy: whom to believe for X-Forwarded-For (false: nobody, the socket's address counts). */
  trustProxy: boolean | string[];
  /** Load shedding (503): mean event-loop delay in ms, heap used and RSS in bytes above which; 0 = not checked. */
  maxEventLoopDelayMs: number;
  maxHeapBytes: number;
  maxRssBytes: number;
  /** DATABASE_MIGRATION_URL: the owner role's connection for migrations at start (DATABASE_URL is then the service's). */
  migrationUrl: string | null;
  /** SUICHA_MIGRATE: '1' migrate at start, '0' never (only check the schema is current), unset: see src/server.ts. */
  migrate: 'auto' | 'always' | 'never';
  /** SUICHA_DB_SERVICE_ROLE: the role whose grants a migration reapplies (when it exists). */
  serviceRole: string;
}

export class ConfigError extends Error {
  constructor(
    public variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env.DATABASE_URL?.trim() || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'must start with postgres:// or postgresql://');
  }
  const adminToken = env.SUICHA_ADMIN_TOKEN?.trim() || null;
  if (adminToken !== null && adminToken.length < 16) {
    throw new ConfigError('SUICHA_ADMIN_TOKEN', 'must be at least 16 characters long');
  }
  const logLevel = env.LOG_LEVEL?.trim() || 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const host = env.HOST?.trim() || '127.0.0.1';
  return {
    databaseUrl,
    dataDir: env.SUICHA_DATA_DIR?.trim() || './data',
    port: int(env, 'PORT', 3000, 0, 65535),
    host,
    adminToken,
    logLevel,
    disclosureWorkingDays: int(env, 'SUICHA_DISCLOSURE_WORKING_DAYS', 20, 1, 365),
    ledgerFullCheckSeconds: int(env, 'SUICHA_LEDGER_FULL_CHECK_SECONDS', 600, 0, 86_400),
    maxAverageLoad: int(env, 'SUICHA_MAX_AVERAGE_LOAD', 30, 1, 100_000),
    rateLimitPublic: int(env, 'SUICHA_RATE_LIMIT_PUBLIC', 300, 0, 1_000_000),
    rateLimitAuthFailures: int(env, 'SUICHA_RATE_LIMIT_AUTH_FAILURES', 20, 0, 1_000_000),
    trustProxy: trustProxy(env.SUICHA_TRUST_PROXY),
    maxEventLoopDelayMs: int(env, 'SUICHA_MAX_EVENT_LOOP_DELAY_MS', 1000, 0, 600_000),
    // Default: shed load before V8 runs out of heap (its limit depends on the machine and --max-old-space-size).
    maxHeapBytes: int(env, 'SUICHA_MAX_HEAP_BYTES', Math.floor(getHeapStatistics().heap_size_limit * 0.9), 0, Number.MAX_SAFE_INTEGER),
    maxRssBytes: int(env, 'SUICHA_MAX_RSS_BYTES', 0, 0, Number.MAX_SAFE_INTEGER),
    migrationUrl: postgresUrl(env, 'DATABASE_MIGRATION_URL'),
    migrate: migrateMode(env.SUICHA_MIGRATE),
    serviceRole: roleName(env, 'SUICHA_DB_SERVICE_ROLE', 'suicha_service'),
  };
}

/** proxy-addr's names for address ranges, accepted in SUICHA_TRUST_PROXY's list. */
const PROXY_ADDR_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * SUICHA_TRUST_PROXY: unset/false, true (every hop: only behind a proxy that overwrites the header), or the proxies'
 * addresses/CIDRs. No hop count: Fastify 5 ignores X-Forwarded-For with one, as it cannot tell a proxy from a client.
 */
function trustProxy(raw: string | undefined): boolean | string[] {
  const value = raw?.trim() ?? '';
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) {
    throw new ConfigError(
      'SUICHA_TRUST_PROXY',
      "a hop count cannot tell a proxy from a client: list the proxies' addresses (e.g. 10.0.0.0/8) or say true",
    );
  }
  const list = value.split(',').map((part) => part.trim());
  for (const part of list) {
    if (PROXY_ADDR_NAMES.includes(part)) continue;
    const [address, bits, extra] = part.split('/');
    const version = isIP(address);
    const maxBits = version === 6 ? 128 : 32;
    const badBits = bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > maxBits);
    if (version === 0 || badBits || extra !== undefined) {
      throw new ConfigError(
        'SUICHA_TRUST_PROXY',
        `must be true, false or a comma-separated list of addresses/CIDRs; bad entry ${JSON.stringify(part)}`,
      );
    }
  }
  return list;
}

function postgresUrl(env: NodeJS.ProcessEnv, name: string): string | null {
  const value = env[name]?.trim() || null;
  if (value && !/^postgres(ql)?:\/\//.test(value)) throw new ConfigError(name, 'must start with postgres:// or postgresql://');
  return value;
}

function migrateMode(raw: string | undefined): Config['migrate'] {
  const value = raw?.trim() ?? '';
  if (value === '') return 'auto';
  if (value === '1' || value === 'true') return 'always';
  if (value === '0' || value === 'false') return 'never';
  throw new ConfigError('SUICHA_MIGRATE', `must be 1 (migrate at start) or 0 (never), got ${JSON.stringify(value)}`);
}

function roleName(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = env[name]?.trim() || fallback;
  if (/^[a-z_][a-z0-9_]{0,62}$/.test(value)) return value;
  throw new ConfigError(name, `must be a role name of lower-case letters, digits and _, got ${JSON.stringify(value)}`);
}

/**
 * No rate limits and no load shedding: for benchmarks, which measure the work itself (the limits have their own,
 * scripts/bench-rate-limit.ts), and whose long synchronous steps (a draw, PGlite's queries) would trip the shedding.
 */
export const UNLIMITED = {
  rateLimitPublic: 0,
  rateLimitAuthFailures: 0,
  maxEventLoopDelayMs: 0,
  maxHeapBytes: 0,
  maxRssBytes: 0,
} satisfies Partial<Config>;
