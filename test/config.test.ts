import t from 'tap';
import { spawnSync } from 'node:child_process';
import { loadConfig, ConfigError } from '../src/config.ts';

t.test('defaults', async (t) => {
  const c = loadConfig({});
  t.equal(c.databaseUrl, null);
  t.equal(c.dataDir, './data');
  t.equal(c.port, 3000);
  t.equal(c.host, '127.0.0.1');
  t.equal(c.disclosureWorkingDays, 20);
  t.equal(c.maxAverageLoad, 30);
  t.equal(loadConfig({ SUICHA_MAX_AVERAGE_LOAD: '12' }).maxAverageLoad, 12);
});

t.test('a bad value names the variable', async (t) => {
  const cases: [Record<string, string>, string][] = [
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ SUICHA_ADMIN_TOKEN: 'short' }, 'SUICHA_ADMIN_TOKEN'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ SUICHA_DISCLOSURE_WORKING_DAYS: '0' }, 'SUICHA_DISCLOSURE_WORKING_DAYS'],
    [{ SUICHA_MAX_AVERAGE_LOAD: '0' }, 'SUICHA_MAX_AVERAGE_LOAD'],
    [{ SUICHA_MAX_AVERAGE_LOAD: 'many' }, 'SUICHA_MAX_AVERAGE_LOAD'],
  ];
  for (const [env, variable] of cases) {
    let error: unknown = null;
    try {
      loadConfig(env);
    } catch (err) {
      error = err;
    }
    t.ok(error instanceof ConfigError, `${variable}: a ConfigError`);
    t.equal((error as ConfigError).variable, variable);
    t.ok((error as ConfigError).message.startsWith(`${variable}: `), (error as ConfigError).message);
  }
});

t.test('the service refuses to start on bad config, naming the variable', async (t) => {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, PORT: 'not-a-port' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  t.equal(res.status, 2);
  t.match(res.stderr, /configuration error: PORT: must be a whole number/);
});
