/**
 * `npm run replay -- --record record.json --entities entities.tsv --inspectors inspectors.tsv --recusals recusals.tsv`
 * `npm run replay -- --url http://host:port --plan PLAN-2026-0001 --token <auditor token>`
 *
 * Checks a draw step by step (spec §5) with the core's verifyDraw: SHA-256(serverSeed) = commitment,
 * each file's SHA-256 = its digest, the files' format and populations, the seed, and the replay of
 * §3–4 task by task. Prints `VERIFIED …` or the first difference (which step, which digest, which
 * task) and exits non-zero on failure (1 = not verified, 2 = usage or I/O error).
 *
 * record.json is what GET /api/v1/plans/{id}/record returns, or the public plan JSON
 * (GET /public/v1/plans/{id}); both carry `commit` and `draw`. A voided plan is checked as far as it
 * can be: its revealed seed against the commitment, and the files against the digests.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { verifyDraw, type CommitRecord, type DrawRecord } from '../src/core/replay.ts';
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
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

function asRecords(data: unknown, from: string): Records {
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
  return { records, files: { entitySnapshot, inspectorSnapshot, recusalSnapshot } };
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

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      record: { type: 'string' },
      entities: { type: 'string' },
      inspectors: { type: 'string' },
      recusals: { type: 'string' },
      url: { type: 'string' },
      plan: { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const fromFiles = values.record !== undefined;
  const fromUrl = values.url !== undefined;
  if (
    values.help ||
    fromFiles === fromUrl ||
    (fromFiles && !(values.entities && values.inspectors && values.recusals)) ||
    (fromUrl && !(values.plan && values.token))
  ) {
    console.error(
      'usage: npm run replay -- --record record.json --entities entities.tsv --inspectors inspectors.tsv --recusals recusals.tsv\n' +
        '       npm run replay -- --url http://host:port --plan PLAN-2026-0001 --token <auditor token>',
    );
    return 2;
  }
  let records: Records;
  let files: Files;
  if (fromFiles) {
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
  if (result.ok) {
    console.log(`VERIFIED ${planId}: seed ${result.seed}, ${result.tasks} tasks replayed exactly`);
    return 0;
  }
  console.log(`FAILED ${planId} at step ${result.step}${result.seq === undefined ? '' : ` (task ${result.seq})`}: ${result.message}`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`replay: ${(err as Error).message}`);
    process.exit(2);
  },
);
