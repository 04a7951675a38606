/**
 * The replay bundle's layout (core/bundle.ts): bundleFromFiles and verifyBundleLedger, on in-memory files.
 */
import t from 'tap';
import { BUNDLE_FILES, BundleError, bundleFromFiles, bundlePath, verifyBundleLedger } from '../../src/core/bundle.ts';
import { buildLedgerEntry, type LedgerEntry } from '../../src/core/ledger.ts';
import { buildCommitRecord, type CommitRecord } from '../../src/core/replay.ts';
import { SPEC_EXAMPLE as EX, SPEC_EXAMPLE_EXPECTED } from './spec-example.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const commit: CommitRecord = buildCommitRecord({
  ...SPEC_EXAMPLE_EXPECTED,
  ...SPEC_EXAMPLE_EXPECTED.ledgerEntry.body,
  committedAt: EX.committedAt,
  entropyAt: '2026-11-29T02:00:00.000Z',
  poolRule: {},
});
const { committedAt, ...body } = commit;
const entry = buildLedgerEntry(null, { kind: 'plan.committed', planId: EX.planId, at: committedAt, body }).entry;

function files(over: Record<string, string | null> = {}): Map<string, Uint8Array> {
  const base: Record<string, string | null> = {
    [bundlePath(EX.planId, 'record')]: JSON.stringify({ planId: EX.planId, status: 'committed', commit, draw: null, void: null }),
    [bundlePath(EX.planId, 'entities')]: EX.entitySnapshot,
    [bundlePath(EX.planId, 'inspectors')]: EX.inspectorSnapshot,
    [bundlePath(EX.planId, 'recusals')]: EX.recusalSnapshot,
    [bundlePath(EX.planId, 'ledger')]: JSON.stringify([entry]),
    [bundlePath(EX.planId, 'readme')]: '# x\n',
    ...over,
  };
  return new Map(
    Object.entries(base)
      .filter((e): e is [string, string] => e[1] !== null)
      .map(([k, v]) => [k, enc(v)]),
  );
}

t.test('bundleFromFiles reads the layout', async (t) => {
  t.equal(bundlePath('PLAN-2026-0001', 'tasks'), 'PLAN-2026-0001/tasks.tsv');
  t.equal(BUNDLE_FILES.record, 'record.json');
  const b = bundleFromFiles(files());
  t.equal(b.planId, EX.planId);
  t.equal(b.entities, EX.entitySnapshot);
  t.equal(b.tasks, null, 'not drawn: no task file');
  t.strictSame(b.record.commit, commit);
  t.strictSame(b.ledger, [entry]);
  t.strictSame(verifyBundleLedger(b), { ok: true, publicDraw: null });
  // "./" prefixes and directory members are fine
  const dotted = new Map([...files()].map(([k, v]) => [`./${k}`, v]));
  dotted.set(`./${EX.planId}/`, new Uint8Array());
  t.equal(bundleFromFiles(dotted).planId, EX.planId);
});

t.test('bundleFromFiles refuses with a code', async (t) => {
  const code = (m: Map<string, Uint8Array>) => {
    try {
      bundleFromFiles(m);
      return 'ok';
    } catch (e) {
      t.ok(e instanceof BundleError);
      return (e as BundleError).code;
    }
  };
  t.equal(code(new Map()), 'empty');
  t.equal(code(files({ 'OTHER/record.json': '{}' })), 'layout');
  t.equal(code(files({ 'loose.txt': 'x' })), 'layout');
  t.equal(code(files({ [`${EX.planId}/sub/x`]: 'x' })), 'layout');
  t.equal(code(files({ [bundlePath(EX.planId, 'entities')]: null })), 'missing_file');
  t.equal(code(files({ [bundlePath(EX.planId, 'ledger')]: null })), 'missing_file');
  t.equal(code(files({ [bundlePath(EX.planId, 'record')]: '{' })), 'bad_json');
  t.equal(code(files({ [bundlePath(EX.planId, 'record')]: '[]' })), 'bad_json');
  t.equal(code(files({ [bundlePath(EX.planId, 'ledger')]: '{}' })), 'bad_json');
  t.equal(code(files({ [bundlePath(EX.planId, 'record')]: JSON.stringify({ planId: 'PLAN-X', commit }) })), 'plan_mismatch');
  t.equal(code(files({ [bundlePath(EX.planId, 'ledger')]: JSON.stringify([{ ...entry, planId: 'PLAN-X' }]) })), 'plan_mismatch');
  const bad = files();
  bad.set(bundlePath(EX.planId, 'entities'), new Uint8Array([0xff, 0xfe]));
  t.equal(code(bad), 'not_utf8');
});

t.test('verifyBundleLedger', async (t) => {
  const edited: LedgerEntry = { ...entry, body: { ...body, entropySource: 'x' } };
  let v = verifyBundleLedger(bundleFromFiles(files({ [bundlePath(EX.planId, 'ledger')]: JSON.stringify([edited]) })));
  t.match(v, { ok: false, message: /says hash/ });
  const rehashed = buildLedgerEntry(null, { kind: 'plan.committed', planId: EX.planId, at: committedAt, body: edited.body }).entry;
  v = verifyBundleLedger(bundleFromFiles(files({ [bundlePath(EX.planId, 'ledger')]: JSON.stringify([rehashed]) })));
  t.match(v, { ok: false, message: /differs from the commit record/ });
  v = verifyBundleLedger(bundleFromFiles(files({ [bundlePath(EX.planId, 'ledger')]: '[]' })));
  t.match(v, { ok: false, message: /0 plan.committed entries/ });
  const early = buildLedgerEntry(entry, { kind: 'plan.drawn', planId: EX.planId, at: '2026-11-29T01:00:00.000Z', body: { planId: EX.planId } }).entry;
  v = verifyBundleLedger(bundleFromFiles(files({ [bundlePath(EX.planId, 'ledger')]: JSON.stringify([entry, early]) })));
  t.match(v, { ok: false, message: /before 2026-11-29T02:00:00.000Z/ });
});
