/**
 * `npm run replay -- --bundle PLAN-2026-0001.tar.gz`
 * `npm run replay -- --record record.json --entities entities.tsv --inspectors inspectors.tsv --recusals recusals.tsv [--tasks tasks.tsv]`
 * `npm run replay -- --url http://host:port --plan PLAN-2026-0001 --token <auditor token>`
 *
 * Checks a draw step by step (spec §5) with the core's verifyDraw: SHA-256(serverSeed) = commitment,
 * each file's SHA-256 = its digest, the files' format and populations, the seed (after a ceremony, from the
 * contributions), the replay of §3–4 task by task and, in records revision 2, the replayed task file (and the
 * given one) against taskDigest. Prints `VERIFIED …` or the first difference (which step, which digest, which
 * task) and exits non-zero on failure (1 = not verified, 2 = usage or I/O error). Revision-1 records (without
 * `records`) verify as before.
 *
 * record.json is what GET /api/v1/plans/{id}/record returns, or the public plan JSON
 * (GET /public/v1/plans/{id}/record.json, or GET /public/v1/plans/{id} when its first task page is the only one);
 * all carry `commit` and `draw`. A voided plan is checked as far as it
 * can be: its revealed seed against the commitment, and the files against the digests.
 *
 * The replay bundle (GET /api/v1/plans/{id}/bundle.tar.gz, core/bundle.ts) holds the record, the three snapshot
 * files, the task file and the plan's ledger entries: all of it is checked, incl. every entry's hash and that the
 * ledger's commit and draw bodies are the records (the draw body is replayed too).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { parseTar } from 'nanotar';
import { bundleFromFiles, verifyBundleLedger } from '../src/core/bundle.ts';
import { recordsRevision, verifyDraw, type CommitRecord, type DrawRecord, type VerifyResult } from '../src/core/replay.ts';
import { sha256Hex } from '../src/core/sha256.ts';

class UsageError extends Error {}

interface Records {
  commit: CommitRecord;
  draw: DrawRecord | null;
  void?: { serverSeed?: string } | null;
}

interface Files {
  entitySnapshot: string;
  inspectorSnapshot: string;
  recusalSnapshot: string;
  /** The task file, when given. */
  taskFile?: string;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

/**
 * GET /public/v1/plans/{id} gives the draw record's header and its first task page; when that page is the
 * only one, the record is the header with its tasks (by seq in revision 1). More pages cannot be read from a
 * file: the whole record is the download, GET /public/v1/plans/{id}/record.json.
 */
function withPagedTasks(data: unknown, from: string): unknown {
  const o = data as { draw?: Record<string, unknown> | null; tasks?: { items?: DrawRecord['tasks']; next?: string | null } | null };
  if (!o || typeof o !== 'object' || !o.draw || typeof o.draw !== 'object' || Array.isArray(o.draw.tasks) || !o.tasks) return data;
  if (!Array.isArray(o.tasks.items)) throw new UsageError(`${from}: the task page has no items array`);
  if (o.tasks.next !== null) {
    throw new UsageError(`${from}: holds only the first page of the plan's tasks; save the whole record from GET /public/v1/plans/{id}/record.json`);
  }
  const tasks = [...o.tasks.items];
  if (recordsRevision(o.draw as { records?: number }) === 1) tasks.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  return { ...o, draw: { ...o.draw, tasks } };
}

function asRecords(raw: unknown, from: string): Records {
  const data = withPagedTasks(raw, from);
  const o = data as Partial<Records> & { protocol?: string };
  if (o && typeof o === 'object' && o.commit && typeof o.commit === 'object') return { commit: o.commit, draw: o.draw ?? null, void: o.void ?? null };
  // A bare draw record that also carries the commit fields is accepted too (verifyDraw allows it).
  if (o && typeof o === 'object' && o.protocol && 'commitment' in o && 'tasks' in o)
    return { commit: o as unknown as CommitRecord, draw: o as unknown as DrawRecord };
  throw new UsageError(`${from}: expected {"commit": …, "draw": …} (GET /api/v1/plans/{id}/record or /public/v1/plans/{id})`);
}

async function fetchAll(base: string, plan: string, token: string): Promise<{ records: Records; files: Files }> {
  const root = base.replace(/\/+$/, '');
  const headers = { authorization: `Bearer ${token}` };
  const get = async (path: string) => {
    const res = await fetch(`${root}${path}`, { headers });
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
    return res;
  };
  const id = encodeURIComponent(plan);
  const records = asRecords(await (await get(`/api/v1/plans/${id}/record`)).json(), 'the record');
  const file = async (name: string) => Buffer.from(await (await get(`/api/v1/plans/${id}/snapshot/${name}`)).arrayBuffer()).toString('utf8');
  const [entitySnapshot, inspectorSnapshot, recusalSnapshot] = await Promise.all([
    file('entities.tsv'),
    file('inspectors.tsv'),
    file('recusals.tsv'),
  ]);
  const files: Files = { entitySnapshot, inspectorSnapshot, recusalSnapshot };
  if (records.draw !== null && recordsRevision(records.commit) === 2) files.taskFile = await file('tasks.tsv');
  return { records, files };
}

/** The bundle's files, by their paths in the tar. */
function readBundleFiles(path: string): Map<string, Uint8Array> {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
  }
  let tar: Buffer;
  try {
    tar = gunzipSync(raw);
  } catch (err) {
    throw new UsageError(`${path}: not a gzip file: ${(err as Error).message}`);
  }
  const files = new Map<string, Uint8Array>();
  try {
    for (const item of parseTar(tar)) {
      if ((item.type === 'file' || item.type === undefined) && item.data) files.set(item.name, item.data);
    }
  } catch (err) {
    throw new UsageError(`${path}: not a tar archive: ${(err as Error).message}`);
  }
  return files;
}

/** A plan voided before its draw: the revealed seed must match the commitment, the files their digests. */
function checkVoided(records: Records, files: Files): string | null {
  const seed = records.void?.serverSeed;
  if (typeof seed !== 'string') return 'the plan is neither drawn nor voided: there is no draw to replay yet';
  if (sha256Hex(seed) !== records.commit.commitment)
    return `commitment: revealed serverSeed hashes to ${sha256Hex(seed)}, commitment is ${records.commit.commitment}`;
  for (const [file, key] of [
    ['entitySnapshot', 'entitySnapshotDigest'],
    ['inspectorSnapshot', 'inspectorSnapshotDigest'],
    ['recusalSnapshot', 'recusalDigest'],
  ] as const) {
    const h = sha256Hex(files[file]);
    if (h !== records.commit[key]) return `${key}: ${key} mismatch: file hashes to ${h}, record says ${records.commit[key]}`;
  }
  return null;
}

const failure = (planId: string, r: Extract<VerifyResult, { ok: false }>, what = '') =>
  `FAILED ${planId}${what} at step ${r.step}${r.seq === undefined ? '' : ` (task ${r.seq})`}: ${r.message}`;

const USAGE =
  'usage: npm run replay -- --bundle PLAN-2026-0001.tar.gz\n' +
  '       npm run replay -- --record record.json --entities entities.tsv --inspectors inspectors.tsv --recusals recusals.tsv [--tasks tasks.tsv]\n' +
  '       npm run replay -- --url http://host:port --plan PLAN-2026-0001 --token <auditor token>';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      bundle: { type: 'string' },
      record: { type: 'string' },
      entities: { type: 'string' },
      inspectors: { type: 'string' },
      recusals: { type: 'string' },
      tasks: { type: 'string' },
      url: { type: 'string' },
      plan: { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const modes = [values.bundle, values.record, values.url].filter((v) => v !== undefined).length;
  const fromBundle = values.bundle !== undefined;
  const fromFiles = values.record !== undefined;
  const fromUrl = values.url !== undefined;
  if (
    values.help ||
    modes !== 1 ||
    (fromFiles && !(values.entities && values.inspectors && values.recusals)) ||
    (!fromFiles && (values.entities || values.inspectors || values.recusals || values.tasks)) ||
    (fromUrl && !(values.plan && values.token))
  ) {
    console.error(USAGE);
    return 2;
  }
  let records: Records;
  let files: Files;
  let publicDraw: DrawRecord | null = null;
  let ledgerEntries = 0;
  if (fromBundle) {
    let bundle: ReturnType<typeof bundleFromFiles>;
    try {
      bundle = bundleFromFiles(readBundleFiles(values.bundle!));
    } catch (err) {
      if (err instanceof UsageError) throw err;
      console.log(`FAILED ${values.bundle}: not a replay bundle: ${(err as Error).message}`);
      return 1;
    }
    records = asRecords(bundle.record, `${bundle.planId}/record.json`);
    files = {
      entitySnapshot: bundle.entities,
      inspectorSnapshot: bundle.inspectors,
      recusalSnapshot: bundle.recusals,
      ...(bundle.tasks === null ? {} : { taskFile: bundle.tasks }),
    };
    const lv = verifyBundleLedger(bundle);
    if (!lv.ok) {
      console.log(`FAILED ${bundle.planId} at step ledger: ${lv.message}`);
      return 1;
    }
    publicDraw = lv.publicDraw;
    ledgerEntries = bundle.ledger.length;
    if (records.draw !== null && recordsRevision(records.commit) === 2 && files.taskFile === undefined) {
      console.log(`FAILED ${bundle.planId} at step taskDigest: the bundle has no tasks.tsv`);
      return 1;
    }
  } else if (fromFiles) {
    let data: unknown;
    try {
      data = JSON.parse(readText(values.record!));
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`${values.record}: not JSON: ${(err as Error).message}`);
    }
    records = asRecords(data, values.record!);
    files = {
      entitySnapshot: readText(values.entities!),
      inspectorSnapshot: readText(values.inspectors!),
      recusalSnapshot: readText(values.recusals!),
      ...(values.tasks === undefined ? {} : { taskFile: readText(values.tasks) }),
    };
  } else {
    ({ records, files } = await fetchAll(values.url!, values.plan!, values.token!));
  }

  const planId = records.commit.planId;
  if (records.draw === null) {
    const problem = checkVoided(records, files);
    if (problem) {
      console.log(`FAILED ${planId}: ${problem}`);
      return 1;
    }
    console.log(`VERIFIED ${planId} (voided before its draw): the revealed server seed matches the commitment and all three files their digests`);
    return 0;
  }
  const result = verifyDraw({ commit: records.commit, draw: records.draw, ...files });
  if (!result.ok) {
    console.log(failure(planId, result));
    return 1;
  }
  if (publicDraw !== null) {
    // The ledger's draw body (the public record) replays to the same draw.
    const pub = verifyDraw({ commit: records.commit, draw: publicDraw, ...files });
    if (!pub.ok) {
      console.log(failure(planId, pub, ' (the ledger’s plan.drawn record)'));
      return 1;
    }
    if (pub.seed !== result.seed) {
      console.log(`FAILED ${planId} at step ledger: the ledger's draw has seed ${pub.seed}, the record ${result.seed}`);
      return 1;
    }
  }
  const extras: string[] = [];
  if (recordsRevision(records.commit) === 2)
    extras.push(files.taskFile === undefined ? 'replayed task file matches taskDigest' : 'task file matches taskDigest');
  else if (files.taskFile !== undefined) extras.push('task file matches the replay');
  if (fromBundle) extras.push(`${ledgerEntries} ledger entries hash correctly and hold these records`);
  console.log(`VERIFIED ${planId}: seed ${result.seed}, ${result.tasks} tasks replayed exactly${extras.map((x) => `; ${x}`).join('')}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`replay: ${(err as Error).message}`);
    process.exit(2);
  },
);
