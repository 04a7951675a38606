/**
 * The replay and ledger:verify command-line tools, run as real processes against a listening app.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTestApp, type TestApp } from '../helper.ts';
import { planBody, seedDirectories, syntheticDirectories } from '../fixtures/directories.ts';
import { SPEC_EXAMPLE, SPEC_EXAMPLE_EXPECTED } from '../core/spec-example.ts';
import { buildCommitRecord, buildDrawRecord } from '../../src/core/replay.ts';
import { commitmentOf } from '../../src/core/draw/seed.ts';
import { runDraw } from '../../src/core/draw/run.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function run(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
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

function tmp(t: { teardown(fn: () => unknown): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'suicha-replay-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('replay and ledger:verify against a listening service', async (t) => {
  const app = await buildTestApp(t);
  await seedDirectories(app.database.db, syntheticDirectories(1500));
  const base = await listening(app);
  const auditor = await app.token('auditor');
  const plan = (await app.api('POST', '/api/v1/plans', { body: planBody({ ratiosBp: { A: 500, B: 1000, C: 2000, D: 5000 } }) })).json();
  t.equal((await app.api('POST', `/api/v1/plans/${plan.id}/commit`)).statusCode, 201);
  const draw = await app.api('POST', `/api/v1/plans/${plan.id}/draw`, { body: { publicEntropy: '2026-11-22 福利彩票 3D 第 2026318 期 7 4 1' } });
  t.equal(draw.statusCode, 201);

  // --url: fetch record and files with an auditor token.
  let r = await run('scripts/replay.ts', ['--url', base, '--plan', plan.id, '--token', auditor]);
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match(r.stdout, new RegExp(`^VERIFIED ${plan.id}: seed [0-9a-f]{64}, ${draw.json().tasks.length} tasks`));
  r = await run('scripts/replay.ts', ['--url', base, '--plan', plan.id, '--token', 'not-a-token']);
  t.equal(r.code, 2, 'a bad token is an error, not a verdict');
  t.match(r.stderr, /401/);

  // --record with saved files: the auditor record, then the public plan JSON.
  const dir = tmp(t);
  const save = async (name: string, path: string, token: string | null) => {
    const res = await app.api('GET', path, { token });
    writeFileSync(join(dir, name), res.body);
  };
  await save('record.json', `/api/v1/plans/${plan.id}/record`, auditor);
  await save('public.json', `/public/v1/plans/${plan.id}`, null);
  await save('entities.tsv', `/api/v1/plans/${plan.id}/snapshot/entities.tsv`, auditor);
  await save('inspectors.tsv', `/api/v1/plans/${plan.id}/snapshot/inspectors.tsv`, auditor);
  await save('recusals.tsv', `/api/v1/plans/${plan.id}/snapshot/recusals.tsv`, auditor);
  const files = ['--entities', join(dir, 'entities.tsv'), '--inspectors', join(dir, 'inspectors.tsv'), '--recusals', join(dir, 'recusals.tsv')];
  r = await run('scripts/replay.ts', ['--record', join(dir, 'record.json'), ...files]);
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match(r.stdout, /^VERIFIED /);
  r = await run('scripts/replay.ts', ['--record', join(dir, 'public.json'), ...files]);
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match(r.stdout, /^VERIFIED /, 'the public plan JSON replays too');

  // A tampered line in the entity file is a digest mismatch.
  const entities = readFileSync(join(dir, 'entities.tsv'), 'utf8').split('\n');
  const [id, grade] = entities[7].split('\t');
  entities[7] = `${id}\t${grade === 'D' ? 'A' : 'D'}`;
  writeFileSync(join(dir, 'tampered.tsv'), entities.join('\n'));
  r = await run('scripts/replay.ts', ['--record', join(dir, 'record.json'), '--entities', join(dir, 'tampered.tsv'), ...files.slice(2)]);
  t.equal(r.code, 1);
  t.match(r.stdout, /^FAILED .* at step entitySnapshotDigest: entitySnapshotDigest mismatch/);

  // A tampered team in the record is reported with its task.
  const record = JSON.parse(readFileSync(join(dir, 'record.json'), 'utf8'));
  const victim = record.draw.tasks[3];
  victim.inspectors[0].inspectorId = victim.inspectors[0].inspectorId === 'SJ-001' ? 'SJ-002' : 'SJ-001';
  writeFileSync(join(dir, 'forged.json'), JSON.stringify(record));
  r = await run('scripts/replay.ts', ['--record', join(dir, 'forged.json'), ...files]);
  t.equal(r.code, 1);
  t.match(r.stdout, new RegExp(`FAILED .* at step tasks \\(task ${victim.seq}\\)`));
  r = await run('scripts/replay.ts', ['--record', join(dir, 'record.json')]);
  t.equal(r.code, 2, 'usage');

  // ledger:verify --url walks the whole chain; --file takes a saved array or a page.
  const head = (await app.api('GET', '/public/v1/ledger/head')).json();
  r = await run('scripts/ledger-verify.ts', ['--url', base]);
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.equal(r.stdout.trim(), `OK ${head.seq} ${head.hash}`);
  const page = (await app.api('GET', '/public/v1/ledger?limit=1000')).body;
  writeFileSync(join(dir, 'page.json'), page);
  writeFileSync(join(dir, 'array.json'), JSON.stringify(JSON.parse(page).items));
  for (const f of ['page.json', 'array.json']) {
    r = await run('scripts/ledger-verify.ts', ['--file', join(dir, f)]);
    t.equal(r.stdout.trim(), `OK ${head.seq} ${head.hash}`, f);
  }
  const broken = JSON.parse(page).items;
  broken[0].body.entropySource += ' (edited)';
  writeFileSync(join(dir, 'broken.json'), JSON.stringify(broken));
  r = await run('scripts/ledger-verify.ts', ['--file', join(dir, 'broken.json')]);
  t.equal(r.code, 1);
  t.match(r.stdout, /^BROKEN at seq 1: hash mismatch/);
});

t.test('replay: the §7 vector, and a voided plan', async (t) => {
  const dir = tmp(t);
  const e = SPEC_EXAMPLE;
  const commit = buildCommitRecord({
    planId: e.planId,
    commitment: commitmentOf(e.serverSeed),
    entitySnapshotDigest: SPEC_EXAMPLE_EXPECTED.entitySnapshotDigest,
    inspectorSnapshotDigest: SPEC_EXAMPLE_EXPECTED.inspectorSnapshotDigest,
    recusalDigest: SPEC_EXAMPLE_EXPECTED.recusalDigest,
    gradeOrder: [...e.gradeOrder],
    strata: SPEC_EXAMPLE_EXPECTED.strata.map(({ grade, population, ratioBp }) => ({ grade, population, ratioBp })),
    inspectorsPerTask: e.inspectorsPerTask,
    entropySource: e.entropySource,
    committedAt: e.committedAt,
  });
  const result = runDraw({ ...e, gradeOrder: [...e.gradeOrder] });
  const draw = buildDrawRecord({
    commit,
    serverSeed: e.serverSeed,
    publicEntropy: e.publicEntropy,
    result,
    drawnAt: '2026-11-22T02:30:00.000Z',
    includeGrades: true,
  });
  t.same(
    draw.tasks.map((x) => [x.seq, x.entityId, x.grade, x.inspectors.map((m) => `${m.departmentCode}:${m.inspectorId}`)]),
    SPEC_EXAMPLE_EXPECTED.tasks,
  );
  writeFileSync(join(dir, 'record.json'), JSON.stringify({ commit, draw }));
  writeFileSync(join(dir, 'e.tsv'), e.entitySnapshot);
  writeFileSync(join(dir, 'i.tsv'), e.inspectorSnapshot);
  writeFileSync(join(dir, 'r.tsv'), e.recusalSnapshot);
  const files = ['--entities', join(dir, 'e.tsv'), '--inspectors', join(dir, 'i.tsv'), '--recusals', join(dir, 'r.tsv')];
  let r = await run('scripts/replay.ts', ['--record', join(dir, 'record.json'), ...files]);
  t.equal(r.stdout.trim(), `VERIFIED ${e.planId}: seed ${SPEC_EXAMPLE_EXPECTED.seed}, 7 tasks replayed exactly`);

  // Voided before its draw: the revealed seed against the commitment, the files against the digests.
  writeFileSync(join(dir, 'voided.json'), JSON.stringify({ commit, draw: null, void: { reason: 'x', serverSeed: e.serverSeed } }));
  r = await run('scripts/replay.ts', ['--record', join(dir, 'voided.json'), ...files]);
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match(r.stdout, /^VERIFIED \S+ \(voided before its draw\)/);
  writeFileSync(join(dir, 'badvoid.json'), JSON.stringify({ commit, draw: null, void: { reason: 'x', serverSeed: 'ab'.repeat(32) } }));
  r = await run('scripts/replay.ts', ['--record', join(dir, 'badvoid.json'), ...files]);
  t.equal(r.code, 1);
  t.match(r.stdout, /commitment/);
});
