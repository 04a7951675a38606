import t from 'tap';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { canonicalJson } from '../../src/core/jcs.ts';
import {
  GENESIS_HASH,
  LEDGER_KINDS,
  buildLedgerEntry,
  ledgerEntryHash,
  ledgerEntryPreimage,
  ledgerEntryPreimageWithBodyText,
  verifyLedger,
  type LedgerEntry,
} from '../../src/core/ledger.ts';
import { createSha256, sha256Hex } from '../../src/core/sha256.ts';
import { SPEC_EXAMPLE_EXPECTED } from './spec-example.ts';

// The §7 entry exactly as printed in the spec (parsed from its JSON text, not rebuilt by us).
const SPEC_ENTRY_JSON =
  '{"seq": 1, "kind": "plan.committed", "planId": "PLAN-2026-0001", "at": "2026-11-22T02:00:00.000Z", "body": {"protocol": "draw-v1", "planId": "PLAN-2026-0001", "commitment": "1c341f379a371e7fdbcbe2533400004e15e9fed3ae840972e196d0eca36a0785", "entitySnapshotDigest": "8de5549bb1793a4b8208828747343c0201af5307341a843119fd11e46a389aa7", "inspectorSnapshotDigest": "dae32be235674931591f446eece79827d5f5a83a25829ebb5acf29c40a9cc5d5", "recusalDigest": "4eef54f40b7f1ed7ff205e4835b245cc06979584c313fb9a2cc46d1e65351f23", "gradeOrder": ["A", "B", "C", "D"], "strata": [{"grade": "A", "population": 3, "ratioBp": 2000}, {"grade": "B", "population": 4, "ratioBp": 3000}, {"grade": "C", "population": 2, "ratioBp": 5000}, {"grade": "D", "population": 3, "ratioBp": 10000}], "inspectorsPerTask": {"SCJG": 2, "WJW": 1}, "entropySource": "公开摇号现场掷骰 10 次（见证人：区司法局、区纪委监委派驻组）"}, "prevHash": "0000000000000000000000000000000000000000000000000000000000000000", "hash": "273340bf11140363944cb4a216e72ed1b0932fc34db2cb978ebe0b03560b1842"}';

t.test('§7 ledger entry hash (fixed vector)', async (t) => {
  const entry = JSON.parse(SPEC_ENTRY_JSON) as LedgerEntry;
  t.equal(ledgerEntryHash(entry), '273340bf11140363944cb4a216e72ed1b0932fc34db2cb978ebe0b03560b1842');
  const { hash: _h, ...withoutHash } = entry;
  t.equal(ledgerEntryHash(withoutHash), '273340bf11140363944cb4a216e72ed1b0932fc34db2cb978ebe0b03560b1842');
  t.equal(sha256Hex(ledgerEntryPreimage(entry)), entry.hash);
  t.ok(ledgerEntryPreimage(entry).startsWith('{"at":"2026-11-22T02:00:00.000Z","body":{"commitment":'), 'JCS member order');
  t.notOk(ledgerEntryPreimage(entry).includes('"hash"'), 'the hash member is not hashed');
  t.strictSame(verifyLedger([entry]), { ok: true, seq: 1, hash: entry.hash });
  // the copy in spec-example.ts is the same entry
  t.strictSame(SPEC_EXAMPLE_EXPECTED.ledgerEntry, entry);
  // building it from its parts gives the same entry
  const parts = { kind: 'plan.committed' as const, planId: entry.planId, at: entry.at, body: entry.body };
  const built = buildLedgerEntry(null, parts);
  t.strictSame(built.entry, entry);
  t.equal(built.bodyJson, canonicalJson(entry.body), 'and the body text as hashed');
  // from the body's text, and with another SHA-256 implementation: the same entry
  const fromText = buildLedgerEntry(null, { ...parts, bodyJson: built.bodyJson }, createSha256);
  t.strictSame(fromText, built);
});

function chain(n: number): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  for (let i = 0; i < n; i++) {
    const kind = LEDGER_KINDS[i % LEDGER_KINDS.length];
    out.push(
      buildLedgerEntry(out.length ? out[out.length - 1] : null, {
        kind,
        planId: `PLAN-${Math.floor(i / 4)}`,
        at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
        body: { i, nested: { list: [i, 'x', null, true] }, text: '回避 ' + i },
      }).entry,
    );
  }
  return out;
}

t.test('buildLedgerEntry chains from the genesis hash', async (t) => {
  const c = chain(6);
  t.equal(c[0].seq, 1);
  t.equal(c[0].prevHash, GENESIS_HASH);
  t.equal(GENESIS_HASH, '0'.repeat(64));
  for (let i = 1; i < c.length; i++) {
    t.equal(c[i].seq, i + 1);
    t.equal(c[i].prevHash, c[i - 1].hash);
  }
  t.strictSame(verifyLedger(c), { ok: true, seq: 6, hash: c[5].hash });
  t.strictSame(verifyLedger([]), { ok: true, seq: 0, hash: GENESIS_HASH });
  t.throws(() => buildLedgerEntry(null, { kind: 'plan.deleted' as never, planId: 'x', at: 'y', body: {} }), /unknown ledger kind/);
  t.throws(() => buildLedgerEntry(null, { kind: 'plan.voided', planId: 'x', at: 'y', body: { r: 0.5 } }), /fractional/);
});

t.test('verifyLedger reports the first broken entry', async (t) => {
  const c = chain(6);
  const clone = () => JSON.parse(JSON.stringify(c)) as LedgerEntry[];

  let x = clone();
  (x[3].body as { i: number }).i = 99;
  t.match(verifyLedger(x), { ok: false, seq: 4, reason: /hash mismatch/ }, 'edited body');

  x = clone();
  x[2].at = '2027-01-01T00:00:00.000Z';
  t.match(verifyLedger(x), { ok: false, seq: 3, reason: /hash mismatch/ }, 'edited timestamp');

  x = clone();
  x[4].hash = 'f'.repeat(64);
  t.match(verifyLedger(x), { ok: false, seq: 5, reason: /hash mismatch/ }, 'edited hash');

  x = clone();
  // re-hashing an edited entry does not help: the next entry's prevHash no longer matches
  (x[1].body as { i: number }).i = 42;
  x[1].hash = ledgerEntryHash(x[1]);
  t.match(verifyLedger(x), { ok: false, seq: 3, reason: /prevHash mismatch/ }, 're-hashed edit');

  x = clone();
  x.splice(2, 1);
  t.match(verifyLedger(x), { ok: false, seq: 3, reason: /seq 4 where 3 was expected/ }, 'deleted entry');

  x = clone();
  [x[2], x[3]] = [x[3], x[2]];
  t.match(verifyLedger(x), { ok: false, seq: 3, reason: /seq 4 where 3 was expected/ }, 'swapped entries');

  x = clone();
  x[0].prevHash = '1'.repeat(64);
  t.match(verifyLedger(x), { ok: false, seq: 1, reason: /prevHash mismatch/ }, 'bad genesis');

  x = clone();
  (x[2] as { kind: string }).kind = 'plan.deleted';
  t.match(verifyLedger(x), { ok: false, seq: 3, reason: /unknown kind/ });

  x = clone();
  (x[2].body as { f: number }).f = 0.5;
  t.match(verifyLedger(x), { ok: false, seq: 3, reason: /cannot be canonicalized.*fractional/ });

  // key order in storage does not matter (JCS), but any value change does
  x = clone();
  x[5] = Object.fromEntries(Object.entries(x[5]).reverse()) as unknown as LedgerEntry;
  t.match(verifyLedger(x), { ok: true, seq: 6 });
});

t.test('verifyLedger on a slice of the chain', async (t) => {
  const c = chain(8);
  t.strictSame(verifyLedger(c.slice(3), { startPrevHash: c[2].hash, startSeq: 4 }), { ok: true, seq: 8, hash: c[7].hash });
  t.match(verifyLedger(c.slice(3)), { ok: false, seq: 1 }, 'without options a slice is not a ledger');
  t.match(verifyLedger(c.slice(3), { startPrevHash: c[1].hash, startSeq: 4 }), { ok: false, seq: 4, reason: /prevHash/ });
  t.match(verifyLedger(c.slice(3), { startPrevHash: 'nope', startSeq: 4 }), { ok: false, reason: /startPrevHash/ });
  t.strictSame(verifyLedger([], { startPrevHash: c[7].hash, startSeq: 9 }), { ok: true, seq: 8, hash: c[7].hash });
});

t.test('an entry whose body comes as canonical text hashes exactly like the entry itself', async (t) => {
  const spec = JSON.parse(SPEC_ENTRY_JSON) as LedgerEntry;
  const { body, hash: _hash, ...envelope } = spec;
  t.equal(ledgerEntryPreimageWithBodyText(envelope, canonicalJson(body)), ledgerEntryPreimage(spec), '§7 entry');
  const anyBody = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.integer(), fc.string({ maxLength: 5 }), tie('array'), tie('object')),
    array: fc.array(tie('value'), { maxLength: 3 }),
    object: fc.dictionary(fc.string({ maxLength: 4 }), tie('value'), { maxKeys: 4, noNullPrototype: true }),
  })).value;
  fc.assert(
    fc.property(
      fc.constantFrom(...LEDGER_KINDS),
      fc.string({ maxLength: 12 }),
      fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
      anyBody,
      fc.nat(),
      (kind, planId, at, b, seq) => {
        const envelope = { seq: seq + 1, kind, planId, at: at.toISOString(), prevHash: GENESIS_HASH };
        assert.equal(ledgerEntryPreimageWithBodyText(envelope, canonicalJson(b)), ledgerEntryPreimage({ ...envelope, body: b }));
      },
    ),
    { numRuns: 500 },
  );
  t.throws(() => ledgerEntryPreimageWithBodyText({ ...envelope, at: 1 as never }, '{}'), /"at" must be a string/);
});
