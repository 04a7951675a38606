/**
 * The replay and ledger:verify command-line tools, run as real processes against a listening app.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTestApp, commitAndWait, type TestApp } from '../helper.ts';
import { planBody, seedDirectories, syntheticDirectories } from '../fixtures/directories.ts';
import { SPEC_EXAMPLE, SPEC_EXAMPLE_EXPECTED } from '../core/spec-example.ts';
import { BUNDLE_FILES } from '../../src/core/bundle.ts';
import { buildLedgerEntry, type LedgerEntry } from '../../src/core/ledger.ts';
import { buildCommitRecord, buildDrawRecord, buildFullDrawRecord, type CommitRecord, type DrawRecord } from '../../src/core/replay.ts';
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
  t.equal((await commitAndWait(app, plan.id)).statusCode, 201);
  const draw = await app.api('POST', `/api/v1/plans/${plan.id}/draw`, { body: { publicEntropy: '2026-11-22 福利彩票 3D 第 2026318 期 7 4 1' } });
  t.equal(draw.statusCode, 201);

  // --url: fetch record and files (incl. the task file, revision 2) with an auditor token.
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
  await save('tasks.tsv', `/api/v1/plans/${plan.id}/snapshot/tasks.tsv`, auditor);
  const files = ['--entities', join(dir, 'entities.tsv'), '--inspectors', join(dir, 'inspectors.tsv'), '--recusals', join(dir, 'recusals.tsv')];
  r = await run('scripts/replay.ts', ['--record', join(dir, 'record.json'), ...files]);
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match(r.stdout, /^VERIFIED .*replayed task file matches taskDigest/);
  r = await run('scripts/replay.ts', ['--record', join(dir, 'record.json'), ...files, '--tasks', join(dir, 'tasks.tsv')]);
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match(r.stdout, /^VERIFIED .*; task file matches taskDigest/);
  const taskLines = readFileSync(join(dir, 'tasks.tsv'), 'utf8').split('\n');
  const cols = taskLines[0].split('\t');
  taskLines[0] = [cols[0], cols[1], cols[2] === 'A' ? 'B' : 'A', cols[3]].join('\t');
  writeFileSync(join(dir, 'tasks-tampered.tsv'), taskLines.join('\n'));
  r = await run('scripts/replay.ts', ['--record', join(dir, 'record.json'), ...files, '--tasks', join(dir, 'tasks-tampered.tsv')]);
  t.equal(r.code, 1, r.stdout + r.stderr);
  t.match(r.stdout, /^FAILED .* at step taskDigest: the task file hashes to/);
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
  const victim = record.draw.tasks[3]; // the auditor's full record: seq order, with seq
  victim.inspectors[0].inspectorId = victim.inspectors[0].inspectorId === 'SJ-001' ? 'SJ-002' : 'SJ-001';
  writeFileSync(join(dir, 'forged.json'), JSON.stringify(record));
  r = await run('scripts/replay.ts', ['--record', join(dir, 'forged.json'), ...files]);
  t.equal(r.code, 1);
  t.match(r.stdout, new RegExp(`FAILED .* at step tasks \\(task ${victim.seq}\\)`));
  r = await run('scripts/replay.ts', ['--record', join(dir, 'record.json')]);
  t.equal(r.code, 2, 'usage');

  // --bundle: the service's replay bundle, downloaded.
  const bundle = await fetch(`${base}/api/v1/plans/${plan.id}/bundle.tar.gz`, { headers: { authorization: `Bearer ${auditor}` } });
  t.equal(bundle.status, 200);
  writeFileSync(join(dir, 'bundle.tar.gz'), Buffer.from(await bundle.arrayBuffer()));
  r = await run('scripts/replay.ts', ['--bundle', join(dir, 'bundle.tar.gz')]);
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match(
    r.stdout,
    new RegExp(
      `^VERIFIED ${plan.id}: seed [0-9a-f]{64}, ${draw.json().tasks.length} tasks replayed exactly; task file matches taskDigest; \\d+ ledger entries`,
    ),
  );

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

// ------------------------------------------------------------------------------------------------
// --bundle with bundles built here (tar-stream, as the server writes them)
// ------------------------------------------------------------------------------------------------

async function tarGz(files: Record<string, string | Uint8Array>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  const dirs = new Set(Object.keys(files).map((p) => p.split('/')[0]));
  for (const d of dirs) pack.entry({ name: `${d}/`, type: 'directory', mode: 0o755 });
  for (const [name, content] of Object.entries(files)) {
    pack.entry({ name, mode: 0o644 }, Buffer.from(content));
  }
  pack.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

const ENTROPY_AT = '2026-11-29T02:00:00.000Z';
const DRAWN_AT = '2026-11-29T02:30:00.000Z';

/** The §7 example as a plan's records (revision 2 unless rev1), its ledger entries and its bundle files. */
function specBundleFiles(rev: 1 | 2) {
  const e = SPEC_EXAMPLE;
  const commit: CommitRecord = buildCommitRecord({
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
    ...(rev === 2 ? { entropyAt: ENTROPY_AT, poolRule: { items: ['SCJG-001'], cooldownDays: 0 } } : {}),
  });
  const result = runDraw({ ...e, gradeOrder: [...e.gradeOrder] });
  const input = { commit, serverSeed: e.serverSeed, publicEntropy: e.publicEntropy, result, drawnAt: DRAWN_AT };
  const full = buildFullDrawRecord(input);
  const pub = buildDrawRecord({ ...input, includeGrades: false });
  const ledger: LedgerEntry[] = [];
  const { committedAt, ...commitBody } = commit;
  ledger.push(buildLedgerEntry(null, { kind: 'plan.committed', planId: e.planId, at: committedAt, body: commitBody }).entry);
  const { drawnAt, ...drawBody } = pub;
  ledger.push(buildLedgerEntry(ledger[0], { kind: 'plan.drawn', planId: e.planId, at: drawnAt, body: drawBody }).entry);
  const dir = e.planId;
  const taskFile =
    '1\t91500112MFMA6C8B0X\tA\tSCJG:SJ-001,SCJG:SJ-004,WJW:WJ-01\n' +
    '2\t91500106UNBBED2C53\tB\tSCJG:SJ-004,SCJG:SJ-002,WJW:WJ-02\n' +
    '3\t91500110XBRCPGL20W\tB\tSCJG:SJ-003,SCJG:SJ-002,WJW:WJ-02\n' +
    '4\t92500107QQJE70K23F\tC\tSCJG:SJ-002,SCJG:SJ-004,WJW:WJ-01\n' +
    '5\t9150010839T3E0TW3H\tD\tSCJG:SJ-003,SCJG:SJ-004,WJW:WJ-02\n' +
    '6\t915001054WLNNJ90XP\tD\tSCJG:SJ-003,SCJG:SJ-002,WJW:WJ-01\n' +
    '7\t92500108RQUKWFCX6A\tD\tSCJG:SJ-003,SCJG:SJ-001,WJW:WJ-02\n';
  const files: Record<string, string> = {
    [`${dir}/${BUNDLE_FILES.readme}`]: '# test\n',
    [`${dir}/${BUNDLE_FILES.record}`]: JSON.stringify({ planId: e.planId, status: 'drawn', commit, draw: full, void: null }),
    [`${dir}/${BUNDLE_FILES.entities}`]: e.entitySnapshot,
    [`${dir}/${BUNDLE_FILES.inspectors}`]: e.inspectorSnapshot,
    [`${dir}/${BUNDLE_FILES.recusals}`]: e.recusalSnapshot,
    [`${dir}/${BUNDLE_FILES.tasks}`]: taskFile,
    [`${dir}/${BUNDLE_FILES.ledger}`]: JSON.stringify(ledger),
  };
  return { files, commit, full, pub, ledger, dir };
}

t.test('replay --bundle: the §7 example as a bundle, honest and tampered', async (t) => {
  const tmpdir = tmp(t);
  let n = 0;
  const runBundle = async (files: Record<string, string | Uint8Array>) => {
    const path = join(tmpdir, `b${n++}.tar.gz`);
    writeFileSync(path, await tarGz(files));
    return run('scripts/replay.ts', ['--bundle', path]);
  };
  const { files, dir, full, ledger } = specBundleFiles(2);
  let r = await runBundle(files);
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.equal(
    r.stdout.trim(),
    `VERIFIED ${dir}: seed ${SPEC_EXAMPLE_EXPECTED.seed}, 7 tasks replayed exactly; task file matches taskDigest; 2 ledger entries hash correctly and hold these records`,
  );

  // a tampered task file (a grade changed): fails against taskDigest
  const tasksPath = `${dir}/${BUNDLE_FILES.tasks}`;
  r = await runBundle({ ...files, [tasksPath]: files[tasksPath].replace('4\t92500107QQJE70K23F\tC', '4\t92500107QQJE70K23F\tB') });
  t.equal(r.code, 1, r.stdout + r.stderr);
  t.match(r.stdout, /^FAILED PLAN-2026-0001 at step taskDigest: the task file hashes to [0-9a-f]{64}, the record's taskDigest is f7dca51c/);

  // no task file at all
  const { [tasksPath]: _dropped, ...withoutTasks } = files;
  r = await runBundle(withoutTasks);
  t.equal(r.code, 1);
  t.match(r.stdout, /at step taskDigest: the bundle has no tasks.tsv/);

  // a team changed in record.json
  const forged = JSON.parse(JSON.stringify(full)) as DrawRecord;
  forged.tasks[2].inspectors[0].inspectorId = 'SJ-001';
  const recordPath = `${dir}/${BUNDLE_FILES.record}`;
  r = await runBundle({ ...files, [recordPath]: JSON.stringify({ ...JSON.parse(files[recordPath]), draw: forged }) });
  t.equal(r.code, 1);
  t.match(r.stdout, /^FAILED PLAN-2026-0001 at step tasks \(task 3\)/);

  // a ledger entry edited (its hash no longer recomputes), and one rehashed but differing from the records
  const ledgerPath = `${dir}/${BUNDLE_FILES.ledger}`;
  const edited = JSON.parse(JSON.stringify(ledger)) as LedgerEntry<Record<string, unknown>>[];
  edited[0].body.entropySource = 'edited';
  r = await runBundle({ ...files, [ledgerPath]: JSON.stringify(edited) });
  t.equal(r.code, 1);
  t.match(r.stdout, /^FAILED PLAN-2026-0001 at step ledger: ledger entry 1 \(plan.committed\) says hash/);
  edited[0].hash = buildLedgerEntry(null, { kind: 'plan.committed', planId: dir, at: edited[0].at, body: edited[0].body }).entry.hash;
  r = await runBundle({ ...files, [ledgerPath]: JSON.stringify(edited) });
  t.equal(r.code, 1);
  t.match(r.stdout, /at step ledger: the plan.committed entry \(seq 1\) differs from the commit record/);
  // the ledger's public draw forged consistently (rehashed): its replay fails
  const drawnForged = JSON.parse(JSON.stringify(ledger)) as LedgerEntry<DrawRecord>[];
  drawnForged[1].body.tasks[0].inspectors[0].inspectorId = 'SJ-004';
  drawnForged[1].hash = buildLedgerEntry(drawnForged[0], {
    kind: 'plan.drawn',
    planId: dir,
    at: drawnForged[1].at,
    body: drawnForged[1].body,
  }).entry.hash;
  r = await runBundle({ ...files, [ledgerPath]: JSON.stringify(drawnForged) });
  t.equal(r.code, 1);
  t.match(r.stdout, /^FAILED PLAN-2026-0001 \(the ledger’s plan.drawn record\) at step tasks/);

  // not a bundle
  r = await runBundle({ [`${dir}/${BUNDLE_FILES.record}`]: files[recordPath], 'OTHER/x.txt': 'x' });
  t.equal(r.code, 1);
  t.match(r.stdout, /not a replay bundle: the bundle has two top folders/);
  const { [`${dir}/${BUNDLE_FILES.ledger}`]: _noLedger, ...withoutLedger } = files;
  r = await runBundle(withoutLedger);
  t.equal(r.code, 1);
  t.match(r.stdout, /not a replay bundle: the bundle has no PLAN-2026-0001\/ledger.json/);
  writeFileSync(join(tmpdir, 'junk.tar.gz'), 'junk');
  r = await run('scripts/replay.ts', ['--bundle', join(tmpdir, 'junk.tar.gz')]);
  t.equal(r.code, 2);
  t.match(r.stderr, /not a gzip file/);
  r = await run('scripts/replay.ts', ['--bundle', join(tmpdir, 'junk.tar.gz'), '--record', 'x.json']);
  t.equal(r.code, 2, 'usage: one mode');
});

t.test('replay --bundle: revision 1 still verifies', async (t) => {
  const tmpdir = tmp(t);
  const { files, dir } = specBundleFiles(1);
  const path = join(tmpdir, 'rev1.tar.gz');
  writeFileSync(path, await tarGz(files));
  const r = await run('scripts/replay.ts', ['--bundle', path]);
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.equal(
    r.stdout.trim(),
    `VERIFIED ${dir}: seed ${SPEC_EXAMPLE_EXPECTED.seed}, 7 tasks replayed exactly; task file matches the replay; 2 ledger entries hash correctly and hold these records`,
  );
});
