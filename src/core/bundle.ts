/**
 * The replay bundle (GET /api/v1/plans/{id}/bundle.tar.gz, for auditors): everything a full replay needs, in
 * one gzip'd tar with one top folder named by the planId:
 *
 *   PLAN-2026-0001/record.json     the body of GET /api/v1/plans/{id}/record ({planId, status, commit, draw, void})
 *   PLAN-2026-0001/entities.tsv    the three snapshot files, byte for byte
 *   PLAN-2026-0001/inspectors.tsv
 *   PLAN-2026-0001/recusals.tsv
 *   PLAN-2026-0001/tasks.tsv       the task file (once drawn)
 *   PLAN-2026-0001/ledger.json     the plan's ledger entries, as GET /public/v1/ledger items
 *   PLAN-2026-0001/README.md       how to check it
 *
 * The tar itself is written by the server (tar-stream) and read by the CLI and the browser (nanotar); this
 * module only knows the layout. Pure: no I/O.
 */
import { canonicalJson } from './jcs.ts';
import { ledgerEntryHash, type LedgerEntry } from './ledger.ts';
import { drawTimingError, type CommitRecord, type DrawRecord } from './records.ts';

export const BUNDLE_FILES = {
  record: 'record.json',
  entities: 'entities.tsv',
  inspectors: 'inspectors.tsv',
  recusals: 'recusals.tsv',
  tasks: 'tasks.tsv',
  ledger: 'ledger.json',
  readme: 'README.md',
} as const;

export type BundleFileKey = keyof typeof BUNDLE_FILES;

/** The path of a bundle file inside the tar: `planId/name`. */
export function bundlePath(planId: string, key: BundleFileKey): string {
  return `${planId}/${BUNDLE_FILES[key]}`;
}

/** record.json: the auditor's record of the plan. */
export interface BundleRecord {
  planId: string;
  status?: string;
  commit: CommitRecord;
  draw: DrawRecord | null;
  void?: unknown;
}

export interface Bundle {
  planId: string;
  record: BundleRecord;
  entities: string;
  inspectors: string;
  recusals: string;
  /** The task file; null when the bundle has none (a plan not drawn). */
  tasks: string | null;
  /** The plan's ledger entries. */
  ledger: LedgerEntry[];
}

export type BundleErrorCode = 'empty' | 'layout' | 'missing_file' | 'not_utf8' | 'bad_json' | 'plan_mismatch';

export class BundleError extends Error {
  readonly code: BundleErrorCode;
  constructor(code: BundleErrorCode, message: string) {
    super(message);
    this.name = 'BundleError';
    this.code = code;
  }
}

const PLAN_FOLDER_RE = /^[0-9A-Za-z._-]{1,64}$/;

function utf8(bytes: Uint8Array, name: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new BundleError('not_utf8', `${name} is not valid UTF-8`);
  }
}

function json(bytes: Uint8Array, name: string): unknown {
  try {
    return JSON.parse(utf8(bytes, name));
  } catch (e) {
    if (e instanceof BundleError) throw e;
    throw new BundleError('bad_json', `${name} is not JSON: ${(e as Error).message}`);
  }
}

/**
 * The bundle from its files (tar member path → bytes; directory members may be left out). All files must be
 * inside one top folder, the planId; record.json, the three snapshot files and ledger.json are required,
 * tasks.tsv only once drawn; other files are ignored. Throws a BundleError.
 */
export function bundleFromFiles(files: Map<string, Uint8Array>): Bundle {
  if (files.size === 0) throw new BundleError('empty', 'the bundle holds no files');
  let planId: string | null = null;
  const inside = new Map<string, Uint8Array>();
  for (const [rawPath, bytes] of files) {
    const path = rawPath.replace(/^\.\//, '');
    const slash = path.indexOf('/');
    const top = slash < 0 ? path : path.slice(0, slash);
    const rest = slash < 0 ? '' : path.slice(slash + 1);
    if (slash < 0 || rest === '' || rest.includes('/')) {
      if (rest === '' && slash >= 0) continue; // a directory member
      throw new BundleError('layout', `${rawPath}: every file of the bundle must be directly inside the plan's folder`);
    }
    if (planId === null) planId = top;
    else if (top !== planId) throw new BundleError('layout', `the bundle has two top folders, ${planId} and ${top}`);
    inside.set(rest, bytes);
  }
  if (planId === null) throw new BundleError('empty', 'the bundle holds no files');
  if (!PLAN_FOLDER_RE.test(planId)) throw new BundleError('layout', `the top folder ${JSON.stringify(planId)} is not a plan id`);
  const need = (key: BundleFileKey): Uint8Array => {
    const b = inside.get(BUNDLE_FILES[key]);
    if (b === undefined) throw new BundleError('missing_file', `the bundle has no ${planId}/${BUNDLE_FILES[key]}`);
    return b;
  };
  const record = json(need('record'), BUNDLE_FILES.record) as BundleRecord;
  if (record === null || typeof record !== 'object' || Array.isArray(record) || record.commit === null || typeof record.commit !== 'object') {
    throw new BundleError('bad_json', `${BUNDLE_FILES.record} is not a plan record ({planId, commit, draw, …})`);
  }
  if (record.planId !== planId || record.commit.planId !== planId) {
    throw new BundleError('plan_mismatch', `${BUNDLE_FILES.record} is of plan ${String(record.planId)}, the bundle's folder is ${planId}`);
  }
  const ledger = json(need('ledger'), BUNDLE_FILES.ledger);
  if (!Array.isArray(ledger)) throw new BundleError('bad_json', `${BUNDLE_FILES.ledger} is not a JSON array of ledger entries`);
  for (const e of ledger) {
    if (e === null || typeof e !== 'object' || (e as LedgerEntry).planId !== planId) {
      throw new BundleError('plan_mismatch', `${BUNDLE_FILES.ledger} holds an entry that is not of plan ${planId}`);
    }
  }
  const tasks = inside.get(BUNDLE_FILES.tasks);
  return {
    planId,
    record: { ...record, draw: record.draw ?? null },
    entities: utf8(need('entities'), BUNDLE_FILES.entities),
    inspectors: utf8(need('inspectors'), BUNDLE_FILES.inspectors),
    recusals: utf8(need('recusals'), BUNDLE_FILES.recusals),
    tasks: tasks === undefined ? null : utf8(tasks, BUNDLE_FILES.tasks),
    ledger: ledger as LedgerEntry[],
  };
}

export type BundleLedgerVerification =
  | {
      ok: true /** The public draw record as the ledger holds it (body + the entry's `at` as drawnAt); null if not drawn. */;
      publicDraw: DrawRecord | null;
    }
  | { ok: false; message: string };

/**
 * The bundle's ledger entries against its record: every entry's hash recomputes (SHA-256 of its JCS form), the
 * plan.committed body is the commit record (without committedAt, its `at`), there is at most one plan.drawn entry,
 * not before entropyAt. Returns the ledger's public draw record, which the caller replays too (verifyDraw): the
 * entries' links to the rest of the chain are not in the bundle (checked on /ledger or by ledger:verify).
 */
export function verifyBundleLedger(b: Bundle): BundleLedgerVerification {
  const fail = (message: string): BundleLedgerVerification => ({ ok: false, message });
  for (const e of b.ledger) {
    let h: string;
    try {
      h = ledgerEntryHash(e);
    } catch (err) {
      return fail(`ledger entry ${String(e.seq)} cannot be canonicalized: ${(err as Error).message}`);
    }
    if (h !== e.hash) return fail(`ledger entry ${String(e.seq)} (${String(e.kind)}) says hash ${String(e.hash)}, its content hashes to ${h}`);
  }
  const commit = b.record.commit;
  const committed = b.ledger.filter((e) => e.kind === 'plan.committed');
  if (committed.length !== 1) return fail(`the bundle's ledger has ${committed.length} plan.committed entries, 1 expected`);
  const ce = committed[0];
  const { committedAt, ...commitBody } = commit;
  if (canonicalJson(ce.body) !== canonicalJson(commitBody)) return fail(`the plan.committed entry (seq ${ce.seq}) differs from the commit record`);
  if (committedAt !== undefined && committedAt !== ce.at) return fail(`the record says committed at ${committedAt}, the ledger entry ${ce.at}`);
  const drawn = b.ledger.filter((e) => e.kind === 'plan.drawn');
  if (drawn.length > 1) return fail(`the bundle's ledger has ${drawn.length} plan.drawn entries`);
  if (drawn.length === 0) {
    if (b.record.draw !== null) return fail('the record has a draw, the ledger no plan.drawn entry');
    return { ok: true, publicDraw: null };
  }
  const de = drawn[0];
  if (!(de.seq > ce.seq)) return fail(`the plan.drawn entry (seq ${de.seq}) comes before the plan.committed entry (seq ${ce.seq})`);
  const timing = drawTimingError(commit, de.at);
  if (timing !== null) return fail(`the plan.drawn entry is at ${de.at}: ${timing}`);
  if (de.body === null || typeof de.body !== 'object' || Array.isArray(de.body)) return fail('the plan.drawn entry has no record body');
  return { ok: true, publicDraw: { ...(de.body as Omit<DrawRecord, 'drawnAt'>), drawnAt: de.at } };
}
