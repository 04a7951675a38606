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
  };
}
