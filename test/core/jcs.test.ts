import t from 'tap';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import canonicalize from 'canonicalize';
import { canonicalJson } from '../../src/core/jcs.ts';

t.test('RFC 8785 §3.2.3: member names sorted by UTF-16 code units', async (t) => {
  const input = {
    '\u20ac': 'Euro Sign',
    '\r': 'Carriage Return',
    '\ufb33': 'Hebrew Letter Dalet With Dagesh',
    '1': 'One',
    '\ud83d\ude00': 'Emoji: Grinning Face',
    '\u0080': 'Control',
    '\u00f6': 'Latin Small Letter O With Diaeresis',
  };
  t.equal(
    canonicalJson(input),
    '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
      '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
  );
  // UTF-16 order, not code point order: U+1F600 (surrogates D83D…) sorts before U+FB33
  t.equal(canonicalJson({ '\ufb33': 1, '😀': 2 }), '{"😀":2,"\ufb33":1}');
  // nested objects are sorted too, arrays keep their order
  t.equal(canonicalJson({ b: [3, 1, { z: 1, a: 2 }], a: { d: 1, c: 2 } }), '{"a":{"c":2,"d":1},"b":[3,1,{"a":2,"z":1}]}');
});

t.test('RFC 8785 §3.2.2.2: string escaping', async (t) => {
  const s = '\u20ac$\u000F\u000aA\'\u0042\u0022\u005c\\"/';
  t.equal(canonicalJson(s), '"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"');
  t.equal(canonicalJson('\u0000\u0001\u001f\u007f'), '"\\u0000\\u0001\\u001f\u007f"', 'C0 controls as \\u00xx, DEL literal');
  t.equal(canonicalJson('\b\f\n\r\t'), '"\\b\\f\\n\\r\\t"');
  t.equal(canonicalJson('\u2028\u2029'), '"\u2028\u2029"', 'no escaping of U+2028/2029');
  t.equal(canonicalJson('公开摇号 😀'), '"公开摇号 😀"', 'non-ASCII as UTF-8, not \\u escapes');
  t.equal(canonicalJson('/'), '"/"', 'solidus not escaped');
});

t.test('RFC 8785 §3.2.2 example with integer numbers', async (t) => {
  const input = {
    numbers: [333333333, 0, -0, -1, 9007199254740991, -9007199254740991],
    string: '\u20ac$\u000F\u000aA\'\u0042\u0022\u005c\\"/',
    literals: [null, true, false],
  };
  t.equal(
    canonicalJson(input),
    '{"literals":[null,true,false],"numbers":[333333333,0,0,-1,9007199254740991,-9007199254740991],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
  );
});

t.test('numbers other than safe integers are rejected (spec §6)', async (t) => {
  t.throws(() => canonicalJson(1.5), /fractional number 1.5 .*at \$/);
  t.throws(() => canonicalJson({ a: { b: [1, 0.1] } }), /fractional number 0.1 .*at \$\.a\.b\[1\]/);
  t.throws(() => canonicalJson(NaN), /non-finite number NaN/);
  t.throws(() => canonicalJson(Infinity), /non-finite number Infinity/);
  t.throws(() => canonicalJson(-Infinity), /non-finite/);
  t.throws(() => canonicalJson(9007199254740992), /beyond/);
  t.throws(() => canonicalJson(1e21), /beyond/);
  t.throws(() => canonicalJson(5e-324), /fractional/);
});

t.test('JSON.stringify-like handling of undefined, toJSON; strict about everything else', async (t) => {
  t.equal(canonicalJson({ a: undefined, b: 1 }), '{"b":1}');
  t.equal(canonicalJson([undefined, 1]), '[null,1]');
  t.equal(canonicalJson({}), '{}');
  t.equal(canonicalJson([]), '[]');
  t.equal(canonicalJson(null), 'null');
  t.equal(canonicalJson(Object.assign(Object.create(null), { b: 1, a: 2 })), '{"a":2,"b":1}');
  t.equal(canonicalJson({ at: new Date('2026-11-22T02:00:00.000Z') }), '{"at":"2026-11-22T02:00:00.000Z"}');
  t.throws(() => canonicalJson(undefined), /undefined value/);
  t.throws(() => canonicalJson({ f: () => 1 }), /unsupported value of type function at \$\.f/);
  t.throws(() => canonicalJson({ s: Symbol('x') }), /type symbol/);
  t.throws(() => canonicalJson({ n: 1n }), /type bigint/);
  t.throws(() => canonicalJson({ m: new Map() }), /unsupported object type Map/);
  t.throws(() => canonicalJson(new Uint8Array(2)), /unsupported object type Uint8Array/);
  t.throws(() => canonicalJson('\ud800'), /lone surrogate/);
  t.throws(() => canonicalJson({ ['\udc00']: 1 }), /lone surrogate/);
  const cyc: Record<string, unknown> = {};
  cyc.self = cyc;
  t.throws(() => canonicalJson(cyc), /circular/);
  // the same object twice (not a cycle) is fine
  const shared = { x: 1 };
  t.equal(canonicalJson([shared, shared]), '[{"x":1},{"x":1}]');
});

t.test('values already in canonical order are serialized as they are; only what is not gets copied', async (t) => {
  // a sorted parent with a child that needs reordering, in an array after elements that do not
  const input = { a: [{ x: 1, y: 2 }, { y: 2, x: 1 }, 3], b: { c: { e: 1, d: 2 } } };
  const before = JSON.stringify(input);
  t.equal(canonicalJson(input), '{"a":[{"x":1,"y":2},{"x":1,"y":2},3],"b":{"c":{"d":2,"e":1}}}');
  t.equal(JSON.stringify(input), before, 'the input is not changed');
  // a toJSON child under a sorted parent: its (unsorted) replacement is sorted, and not called twice
  let calls = 0;
  const withToJSON = { a: { toJSON: () => (calls++, { z: 1, y: [{ q: 1, p: 2 }] }) }, b: 1 };
  t.equal(canonicalJson(withToJSON), '{"a":{"y":[{"p":2,"q":1}],"z":1},"b":1}');
  t.equal(calls, 1);
  // undefined members and elements need no copy: omitted and null, as JSON.stringify does
  t.equal(canonicalJson({ a: 1, b: undefined, c: [undefined, { e: 1, d: undefined }] }), '{"a":1,"c":[null,{"e":1}]}');
  t.equal(canonicalJson({ b: undefined, a: 1 }), '{"a":1}');
  // errors are found in sorted values too, with their path
  t.throws(() => canonicalJson({ a: 1, b: [{ c: 0.5 }] }), /fractional number 0.5 .*at \$\.b\[0\]\.c/);
});

// Integer-only JSON values (with awkward keys and strings).
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    fc.integer(),
    fc.string({ unit: 'binary', maxLength: 6 }),
    fc.string({ unit: fc.constantFrom('a', 'é', '\u20ac', '😀', '\ufb33', '\r', '\u0000', '"', '\\'), maxLength: 4 }),
    tie('array'),
    tie('object'),
  ),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(fc.string({ unit: fc.constantFrom('a', 'B', 'é', '\u20ac', '😀', '\ufb33', '1', '\r'), maxLength: 3 }), tie('value'), {
    maxKeys: 5,
    noNullPrototype: true,
  }),
})).value;

t.test('agrees with the `canonicalize` RFC 8785 implementation and round-trips', async (t) => {
  fc.assert(
    fc.property(jsonValue, (v) => {
      const c = canonicalJson(v);
      assert.equal(c, canonicalize(v));
      assert.deepEqual(JSON.parse(c), JSON.parse(JSON.stringify(v)));
      assert.equal(canonicalJson(JSON.parse(c)), c, 'idempotent');
    }),
    { numRuns: 1000 },
  );
  t.pass('1000 random values');
});
