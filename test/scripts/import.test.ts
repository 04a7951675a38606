/**
 * The import CLI (scripts/import.ts), run as a real process against a listening app: a good file imports, a
 * refused file prints the row errors as a table and changes nothing, --dry-run changes nothing, and a missing,
 * bad or under-privileged token and an unreachable service each fail with their own message and exit code.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTestApp, type TestApp } from '../helper.ts';
import { ENTITY_CSV_HEADER, generateEntities, generateGrades, toCsvString } from '../../scripts/demo-data.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI with a clean environment (no SUICHA_TOKEN unless given); stdout is a pipe, so progress is plain lines. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/import.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function listening(app: TestApp): Promise<string> {
  await app.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.app.server.address() as { port: number };
  return `http://127.0.0.1:${port}`;
}

async function entityCount(app: TestApp): Promise<number> {
  const res = await app.api('GET', '/api/v1/entities?limit=1');
  return res.json().total as number;
}

const entities = (count: number, seed: string) => [...generateEntities({ count, seed })];

t.test('import CLI against a listening service', async (t) => {
  const app = await buildTestApp(t);
  const base = await listening(app);
  const planner = await app.token('planner');
  const dir = mkdtempSync(join(tmpdir(), 'suicha-import-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  // A good CSV, with the token from SUICHA_TOKEN.
  const good = entities(3000, 'import-cli-good');
  const goodCsv = file('good.csv', toCsvString(good, ENTITY_CSV_HEADER));
  let r = await cli(['entities', goodCsv, '--url', base], { SUICHA_TOKEN: planner });
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match(r.stdout, /^progress: 0 rows sent, 0\.0 MiB of \d+\.\d MiB \(0%\)/m, 'a plain progress line when stdout is not a terminal');
  t.match(r.stdout, /^sent 3,000 rows \(/m, 'rows counted by newlines, less the header');
  t.match(r.stdout, /^imported entities: 3000 new, 0 updated \(/m);
  t.equal(await entityCount(app), 3000);

  // The same file again: updates. NDJSON found by its content (no extension), grades through the same CLI.
  r = await cli(['entities', goodCsv, '--url', base, '--token', planner]);
  t.match(r.stdout, /imported entities: 0 new, 3000 updated/);
  const grades = [
    ...generateGrades(
      good.map((e) => e.id),
      { seed: 'import-cli' },
    ),
  ];
  const gradesFile = file('grades-export', grades.map((g) => JSON.stringify(g)).join('\n'));
  r = await cli(['grades', gradesFile, '--url', base, '--token', planner]);
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match(r.stdout, new RegExp(`^sent ${grades.length.toLocaleString('en-US')} rows`, 'm'), 'NDJSON: every line is a row');
  t.match(r.stdout, new RegExp(`imported grades: ${grades.length} new, 0 updated`));

  // A bad file: new entities with a broken check character on line 3 and an unknown region on line 6.
  const fresh = entities(500, 'import-cli-bad');
  const broken = fresh.map((e, i) => {
    if (i === 1) return { ...e, id: e.id.slice(0, 17) + (e.id[17] === '0' ? '1' : '0') };
    if (i === 4) return { ...e, region: '999999' };
    return e;
  });
  const badCsv = file('bad.csv', toCsvString(broken, ENTITY_CSV_HEADER));
  r = await cli(['entities', badCsv, '--url', base, '--token', planner]);
  t.equal(r.code, 1, 'a refused file exits 1');
  t.match(r.stderr, /the service refused the file \(422\): .*nothing was changed/);
  t.match(r.stderr, /^row +column +message$/m, 'the problems as a table');
  t.match(r.stderr, /^ *3 +id +\S/m, 'names line 3 and its column');
  t.match(r.stderr, /^ *6 +region +\S/m, 'names line 6 and its column');
  t.equal(await entityCount(app), 3000, 'a refused file changes nothing');

  // --dry-run: the good new rows are checked and counted, nothing is written.
  const freshCsv = file('fresh.csv', toCsvString(fresh, ENTITY_CSV_HEADER));
  r = await cli(['entities', freshCsv, '--url', base, '--token', planner, '--dry-run']);
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match(r.stdout, /dry run: entities file is valid \(500 new, 0 updated if imported\); nothing was changed/);
  t.equal(await entityCount(app), 3000, '--dry-run changes nothing');

  // Tokens: missing (usage, 2), refused (401, 3), without the role (403, 3) — nothing imported.
  r = await cli(['entities', freshCsv, '--url', base]);
  t.equal(r.code, 2);
  t.match(r.stderr, /no token: pass --token or set SUICHA_TOKEN/);
  r = await cli(['entities', goodCsv, '--url', base, '--token', 'not-a-real-token-at-all']);
  t.equal(r.code, 3, r.stdout + r.stderr);
  t.match(r.stderr, /the service refused the token \(401: /);
  const auditor = await app.token('auditor');
  r = await cli(['entities', freshCsv, '--url', base, '--token', auditor]);
  t.equal(r.code, 3, r.stdout + r.stderr);
  t.match(r.stderr, /the token may not import \(403: /);
  t.equal(await entityCount(app), 3000);
});

t.test('usage errors and an unreachable service', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'suicha-import-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const csv = join(dir, 'e.csv');
  writeFileSync(csv, toCsvString(entities(3, 'import-cli-usage'), ENTITY_CSV_HEADER));

  let r = await cli(['shops', csv, '--token', 'x']);
  t.equal(r.code, 2);
  t.match(r.stderr, /unknown import `shops`: one of entities, grades, inspectors, recusals/);
  r = await cli(['entities', join(dir, 'missing.csv'), '--token', 'x']);
  t.equal(r.code, 2);
  t.match(r.stderr, /cannot read .*missing\.csv: ENOENT/);
  r = await cli(['entities', csv, '--token', 'x', '--colour']);
  t.equal(r.code, 2);
  t.match(r.stderr, /Unknown option '--colour'/);
  // Port 1 on the loopback: nothing listens there.
  r = await cli(['entities', csv, '--token', 'x', '--url', 'http://127.0.0.1:1']);
  t.equal(r.code, 4);
  t.match(r.stderr, /cannot reach the service at http:\/\/127\.0\.0\.1:1: connection refused/);
});
