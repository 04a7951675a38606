/**
 * Hostile values for the OpenAPI-driven fuzz test: what an attacker or a careless client sends in a JSON
 * field, a query or path parameter, a header, or as a whole body. Large values are built once and shared.
 */
import fc from 'fast-check';

/** A JSON token written as is (JSON.stringify cannot write 1e400, 123456789012345678901234567890 or a duplicate key). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON text of `value`, with RawJson tokens written verbatim. */
export function toJsonText(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v) => {
    if (v instanceof RawJson) {
      raws.push(v.text);
      return `@@RAW${raws.length - 1}@@`;
    }
    return v;
  });
  if (text === undefined) return '';
  return raws.length ? text.replace(/"@@RAW(\d+)@@"/g, (_m, i) => raws[Number(i)]) : text;
}

const controls = [...Array.from({ length: 0x20 }, (_, c) => c), 0x7f, 0x80, 0x85, 0x9f].map((c) => String.fromCharCode(c));

/** Long strings, built once: 10k characters, 100k CJK characters (300 kB), and one over the 1 MB body limit. */
export const LONG_10K = 'x'.repeat(10_000);
const LONG_CJK = '重'.repeat(100_000);
const OVER_LIMIT = 'a'.repeat(1_100_000);

const nested = (depth: number, kind: 'array' | 'object'): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = kind === 'array' ? [v] : { a: v };
  return v;
};
const DEEP_ARRAY = nested(1000, 'array');
const DEEP_OBJECT = nested(1000, 'object');
const ARRAY_10K = Array.from({ length: 10_000 }, (_, i) => `v${i}`);
const OBJECT_10K = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]));

/** Strings that break naive code: control characters, lone surrogates, odd Unicode, injections, number- and date-like text. */
export const HOSTILE_STRINGS: string[] = [
  ...controls,
  'a\u0000b',
  '\u0000\u0000\u0000',
  'line\nbreak',
  'tab\tin',
  '\r\n',
  '\ud800',
  '\udfff',
  'a\udc00b',
  '\udc00\ud800',
  '\ufeff',
  '\ufffe',
  '\uffff',
  '\u202etxt.exe',
  '\u200b',
  '\u2028\u2029',
  'e\u0301',
  '𠀀𠀁',
  '👨‍👩‍👧‍👦',
  '',
  ' ',
  '   padded   ',
  "' OR '1'='1",
  '"; DROP TABLE plans; --',
  '\\',
  '\\u0000',
  '%00',
  '%ff',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  `\${7*7}{{7*7}}`,
  '__proto__',
  'constructor',
  '1',
  '-1',
  '0',
  '1.5',
  '1e400',
  'NaN',
  'Infinity',
  '-Infinity',
  '0x1F',
  '99999999999999999999',
  '9223372036854775808',
  'true',
  'null',
  '2026-02-30',
  '2026-13-01',
  '0000-01-01',
  '9999-12-31',
  '+275760-09-13T00:00:00.000Z',
  '2026-01-01T00:00:00',
  '2026-01-01T24:00:00Z',
  '1970-01-01T00:00:00Z',
  '2026-11-22T02:00:00.000+14:00',
  '500199',
  '000000',
  LONG_10K,
  LONG_CJK,
];

/** Numbers at and past every boundary: JS can write these… */
const HOSTILE_NUMBERS: unknown[] = [
  0,
  -1,
  0.5,
  -0.5,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  2 ** 53 + 2,
  2 ** 63,
  2 ** 64,
  -(2 ** 63),
  -(2 ** 64),
  1e21,
  1e308,
  -1e308,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
];
/** …and these only JSON text can carry. */
const RAW_NUMBERS = [
  '1e400',
  '-1e400',
  '123456789012345678901234567890',
  '9223372036854775808',
  '-9223372036854775809',
  '1.0',
  '1E2',
  '-0',
  '0.0000000000000000000001',
].map((t) => new RawJson(t));

/** Wrong JSON types and shapes. */
const WRONG_TYPES: unknown[] = [null, true, false, [], {}, [null], [[]], [{}], { a: 1 }, ['x', 1, null, true], { '': '' }];

/** Shapes that exhaust parsers and validators: deep nesting, huge arrays and objects, a string over the body limit. */
const HUGE: unknown[] = [DEEP_ARRAY, DEEP_OBJECT, ARRAY_10K, OBJECT_10K, OVER_LIMIT];

/** What PostgreSQL and naive code trip on most: NUL, other control characters, lone surrogates, separators. */
export const CONTROL_HEAVY = [
  '\u0000',
  'a\u0000b',
  '\u0001',
  '\u0008',
  '\u001b[31m',
  '\u001f',
  '\u007f',
  '\u0085',
  '\ud800',
  'a\udfffb',
  '\u2028',
  '\r\n',
];

/** A hostile JSON value for one field (the driver sometimes appends a hostile string to the field's valid value instead). */
export const hostileJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 4, arbitrary: fc.constantFrom(...CONTROL_HEAVY) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS) },
  { weight: 2, arbitrary: fc.constantFrom(...RAW_NUMBERS) },
  { weight: 3, arbitrary: fc.constantFrom(...WRONG_TYPES) },
  { weight: 1, arbitrary: fc.constantFrom(...HUGE) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...HOSTILE_STRINGS.slice(0, 60)), { minLength: 1, maxLength: 3 }) },
);

/** Short hostile strings to append to a valid value. */
export const HOSTILE_SUFFIXES = HOSTILE_STRINGS.filter((s) => s.length < 100);

/** Members that must be refused when added to an object. */
export const UNKNOWN_MEMBERS: [string, unknown][] = [
  ['extra', 1],
  ['id', 'forged'],
  ['role', 'admin'],
  ['status', 'drawn'],
  ['serverSeed', '00'],
  ['constructor', { prototype: { polluted: true } }],
  ['', ''],
  ['\u0000', 'x'],
];

/** Text of a query or path value, already percent-encoded (what the client puts in the URL). */
const enc = (s: string) => {
  try {
    return encodeURIComponent(s);
  } catch {
    // A lone surrogate: encodeURIComponent refuses it; send its (invalid) UTF-8 bytes.
    return '%ED%A0%80';
  }
};

/** Encoded hostile values for a URL parameter (query or path). */
export const HOSTILE_URL_VALUES: string[] = [
  ...HOSTILE_STRINGS.filter((s) => s.length < 20_000).map(enc),
  '%00',
  '%ff',
  '%fe%ff',
  '%C0%AF',
  '%ED%A0%80',
  '%E9%87',
  '%',
  '%zz',
  '%2F',
  '%2e%2e',
  '..',
  '.',
  '+',
  '%20',
  'a%2Fb',
  '2147483647',
  '2147483648',
  '4294967296',
  '9007199254740993',
  '18446744073709551616',
  '1e3',
  '01',
  '-0',
  enc('x'.repeat(101)),
  enc('x'.repeat(100_000)),
];

/** The URL values that broke the service before (NUL, bad UTF-8, integers past int64 and past int32, Infinity). */
export const URL_HEAVY = [
  '%00',
  'a%00b',
  '%01',
  '%1F',
  '%7F',
  '%ED%A0%80',
  '%ff',
  '9223372036854775808',
  '99999999999999999999',
  'Infinity',
  '-1',
  '1e400',
  '2147483648',
];

/** The Authorization header variants besides each role's token and none. */
export const BAD_AUTHORIZATION = [
  'Bearer this-is-not-a-token-0000000000',
  'Bearer ',
  'Bearer',
  'Basic dXNlcjpwYXNz',
  'bearer  spaced  token',
  `Bearer ${'t'.repeat(5000)}`,
  'Bearer \u00e9\u00e9\u00e9',
  'Bearer a b',
];

/** Whole JSON bodies that are not what the route expects: [payload, content-type | null (no header)]. */
export const HOSTILE_JSON_BODIES: [string | Buffer, string | null][] = [
  ['', 'application/json'],
  ['{', 'application/json'],
  ['nul', 'application/json'],
  ['{"a":}', 'application/json'],
  ["{'a':1}", 'application/json'],
  ['{"a":1}{"b":2}', 'application/json'],
  ['\ufeff{}', 'application/json'],
  ['null', 'application/json'],
  ['true', 'application/json'],
  ['1', 'application/json'],
  ['"a string"', 'application/json'],
  ['[]', 'application/json'],
  ['[{}]', 'application/json'],
  ['{}', 'application/json'],
  ['{"__proto__":{"polluted":true}}', 'application/json'],
  ['{"constructor":{"prototype":{"polluted":true}}}', 'application/json'],
  ['{"name":"a","name":"b"}', 'application/json'],
  [`${'['.repeat(100_000)}${']'.repeat(100_000)}`, 'application/json'],
  [`${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`, 'application/json'],
  [JSON.stringify(ARRAY_10K), 'application/json'],
  [JSON.stringify({ big: OVER_LIMIT }), 'application/json'],
  [Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 'application/json'],
  [Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]), 'application/json'],
  [Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]), 'application/json'],
  [Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xe9, 0x87, 0x22, 0x7d]), 'application/json'],
  [Buffer.from('{"name":"重庆"}', 'utf16le'), 'application/json'],
  [Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), 'application/json'],
  ['{"name":"x"}', 'text/plain'],
  ['<name>x</name>', 'application/xml'],
  ['--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--x--', 'multipart/form-data; boundary=x'],
  ['name=x', 'application/x-www-form-urlencoded'],
  ['{"name":"x"}', 'application/json; charset=latin1'],
  ['{"name":"x"}', 'application/json; charset=utf-16'],
  ['{"name":"x"}', 'Application/JSON'],
  ['{"name":"x"}', 'application/json, text/csv'],
  ['{"name":"x"}', 'application/jsonx'],
  ['{"name":"x"}', 'text/csv'],
  ['{"name":"x"}', 'application/x-ndjson'],
  ['{"name":"x"}', ''],
  ['{"name":"x"}', null],
];

/** Whole import bodies (CSV/NDJSON routes): [payload, content-type | null]. `header` is the route's CSV header. */
export function hostileImportBodies(header: string): [string | Buffer, string | null][] {
  const cols = header.split(',');
  const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
  return [
    ['', 'text/csv'],
    ['\n\n\n', 'text/csv'],
    [`${header}\n`, 'text/csv'],
    [`\ufeff${header}\r\n`, 'text/csv'],
    [`${header}\n${cols.map(() => '"').join(',')}\n`, 'text/csv'],
    [`${header}\n"unterminated,${cols.slice(1).join(',')}\n`, 'text/csv'],
    [`${header}\n${cols.map(() => 'x').join(',')},extra\n`, 'text/csv'],
    [`${header}\nonly-one\n`, 'text/csv'],
    [`${header},${header}\n${cols.map(() => 'x').join(',')}\n`, 'text/csv'],
    [`${[...cols].reverse().join(',')}\n`, 'text/csv'],
    [`${header}\n${cols.map(() => '\u0000').join(',')}\n`, 'text/csv'],
    [bytes(`${header}\n`, [0xff, 0xfe, 0x2c, 0xc0, 0xaf], `${',x'.repeat(cols.length - 2)}\n`), 'text/csv'],
    [bytes(`${header}\n`, [0xed, 0xa0, 0x80], `${',x'.repeat(cols.length - 1)}\n`), 'text/csv'],
    [bytes(`${header}\n`, [0xe9, 0x87]), 'text/csv'],
    [`${header}\n${Array.from({ length: 5000 }, () => 'c').join(',')}\n`, 'text/csv'],
    [`${header}\n${cols.map(() => LONG_10K).join(',')}\n`, 'text/csv'],
    [`${Array.from({ length: 2000 }, (_, i) => `col${i}`).join(',')}\n`, 'text/csv'],
    [`${header}\n${'x'.repeat(300_000)}\n`, 'text/csv'],
    [`${header}\n${cols.map(() => 'x').join(',')}\n`, 'text/csv; charset=gbk'],
    [`${header}\n${cols.map(() => 'x').join(',')}\n`, 'text/plain'],
    [`${header}\n${cols.map(() => 'x').join(',')}\n`, 'application/json'],
    [`${header}\n${cols.map(() => 'x').join(',')}\n`, null],
    ['{', 'application/x-ndjson'],
    ['null\n', 'application/x-ndjson'],
    ['[]\n1\n"x"\ntrue\n', 'application/x-ndjson'],
    ['{}\n', 'application/x-ndjson'],
    [`${JSON.stringify(Object.fromEntries(cols.map((c) => [c, 1])))}\n`, 'application/x-ndjson'],
    [`${JSON.stringify(Object.fromEntries(cols.map((c) => [c, null])))}\n`, 'application/x-ndjson'],
    [`${JSON.stringify(Object.fromEntries(cols.map((c) => [c, { deep: [1] }])))}\n`, 'application/x-ndjson'],
    [`${JSON.stringify(Object.fromEntries(cols.map((c) => [c, 'x'])))}\n{"__proto__":{"x":1}}\n`, 'application/x-ndjson'],
    [`${'['.repeat(50_000)}${']'.repeat(50_000)}\n`, 'application/x-ndjson'],
    [bytes('{"', cols[0], '":"', [0xff, 0xfe], '"}\n'), 'application/x-ndjson'],
    [bytes('{"', cols[0], '":"', [0xed, 0xa0, 0x80], '"}\n'), 'application/x-ndjson'],
    [`${JSON.stringify(Object.fromEntries(cols.map((c) => [c, 'x'])))}`, 'application/x-ndjson'],
    [`${header}\n`, 'application/x-ndjson'],
  ];
}
