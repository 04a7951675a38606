import t from 'tap';
import fc from 'fast-check';
import {
  BUILTIN_GRADE_SCHEMES,
  GradeResolutionError,
  builtinGradeScheme,
  resolveRatiosBp,
  validateGradeScheme,
  type GradeScheme,
} from '../../src/core/grade-schemes.ts';

const scheme = (code: string): GradeScheme => {
  const s = builtinGradeScheme(code);
  if (!s) throw new Error(`no built-in ${code}`);
  return s;
};

t.test('built-ins: the five schemes, all valid', async (t) => {
  t.same(
    BUILTIN_GRADE_SCHEMES.map((s) => s.code),
    ['credit-4', 'credit-5', 'risk-4', 'public-4', 'env-4'],
  );
  for (const s of BUILTIN_GRADE_SCHEMES) {
    t.same(validateGradeScheme(s), [], `${s.code} validates`);
    t.ok(s.source && s.source.length > 0, `${s.code} names its source`);
    t.ok(/[\u4e00-\u9fff]/.test(s.name), `${s.code} has a Chinese name`);
    for (const g of s.grades) t.ok(/[\u4e00-\u9fff]/.test(g.label), `${s.code}.${g.code} has a Chinese label`);
    // Best to worst: multipliers never decrease.
    for (let i = 1; i < s.grades.length; i++) {
      t.ok(s.grades[i].multiplierPct >= s.grades[i - 1].multiplierPct, `${s.code} monotone at ${s.grades[i].code}`);
    }
    // The default grade is the "normal" one: multiplier 100.
    t.equal(s.grades.find((g) => g.code === s.defaultGrade)?.multiplierPct, 100, `${s.code} default is the 100% grade`);
    t.ok(Object.isFrozen(s) && Object.isFrozen(s.grades) && Object.isFrozen(s.grades[0]), `${s.code} is frozen`);
  }
});

t.test('built-ins: content from the policy documents', async (t) => {
  const c4 = scheme('credit-4');
  t.equal(c4.source, '渝信用办发〔2023〕7号');
  t.same(
    c4.grades.map((g) => [g.code, g.multiplierPct, g.mode]),
    [
      ['A', 50, 'written'],
      ['B', 100, 'onsite'],
      ['C', 150, 'onsite'],
      ['D', 300, 'onsite'],
    ],
  );
  t.equal(c4.defaultGrade, 'B');
  t.equal(c4.public, false);

  const c5 = scheme('credit-5');
  t.equal(c5.source, '汴政办〔2020〕46号');
  t.same(
    c5.grades.map((g) => g.code),
    ['A', 'B', 'C', 'D', 'E'],
  );
  t.equal(c5.defaultGrade, 'C');

  t.same(
    scheme('risk-4').grades.map((g) => g.code),
    ['LOW', 'NORMAL', 'HIGHER', 'HIGH'],
  );
  t.same(
    scheme('public-4').grades.map((g) => g.label),
    ['优', '良', '中', '差'],
  );
  const env = scheme('env-4');
  t.same(
    env.grades.map((g) => g.code),
    ['GREEN', 'BLUE', 'YELLOW', 'RED'],
  );
  t.equal(env.public, true, 'environmental credit ratings are published');
  t.same(
    BUILTIN_GRADE_SCHEMES.filter((s) => s.public).map((s) => s.code),
    ['env-4'],
    'only env-4 is public',
  );
  t.equal(builtinGradeScheme('nope'), undefined);
});

const valid: GradeScheme = {
  code: 'x-2',
  name: '测试',
  source: null,
  grades: [
    { code: 'GOOD', label: '好', multiplierPct: 50, mode: 'written' },
    { code: 'BAD', label: '差', multiplierPct: 200, mode: 'onsite' },
  ],
  defaultGrade: 'GOOD',
  public: false,
};

t.test('validateGradeScheme: problems', async (t) => {
  t.same(validateGradeScheme(valid), []);
  t.same(validateGradeScheme({ ...valid, source: undefined }), [], 'source may be omitted');

  const fields = (s: unknown) => validateGradeScheme(s).map((p) => p.field);
  t.same(fields(null), ['']);
  t.same(fields('credit-4'), ['']);
  t.same(fields({ ...valid, grades: [] }), ['grades', 'defaultGrade']);
  t.same(fields({ ...valid, grades: 'A,B' }), ['grades']);
  t.same(fields({ ...valid, defaultGrade: 'MEDIUM' }), ['defaultGrade']);
  t.same(fields({ ...valid, defaultGrade: undefined }), ['defaultGrade']);
  t.same(fields({ ...valid, code: 'has space' }), ['code']);
  t.same(fields({ ...valid, name: ' ' }), ['name']);
  t.same(fields({ ...valid, public: 'yes' }), ['public']);
  t.same(fields({ ...valid, source: 7 }), ['source']);

  const withGrade = (patch: Record<string, unknown>) => ({
    ...valid,
    grades: [valid.grades[0], { ...valid.grades[1], ...patch }],
  });
  t.same(fields(withGrade({ code: 'GOOD' })), ['grades[1].code'], 'duplicate code');
  t.match(validateGradeScheme(withGrade({ code: 'GOOD' }))[0].message, /duplicate grade code GOOD/);
  t.same(fields(withGrade({ code: 'B|C' })), ['grades[1].code'], 'pipe not allowed');
  t.same(fields(withGrade({ code: 'B\tC' })), ['grades[1].code'], 'tab not allowed');
  t.same(fields(withGrade({ code: '差' })), ['grades[1].code'], 'non-ASCII not allowed');
  t.same(fields(withGrade({ code: '' })), ['grades[1].code']);
  t.same(fields(withGrade({ code: 'X'.repeat(17) })), ['grades[1].code'], 'too long');
  t.same(fields(withGrade({ code: 'X'.repeat(16) })), [], '16 is fine');
  t.same(fields(withGrade({ multiplierPct: 12.5 })), ['grades[1].multiplierPct']);
  t.same(fields(withGrade({ multiplierPct: -1 })), ['grades[1].multiplierPct']);
  t.same(fields(withGrade({ multiplierPct: 10001 })), ['grades[1].multiplierPct']);
  t.same(fields(withGrade({ multiplierPct: '100' })), ['grades[1].multiplierPct']);
  t.same(fields(withGrade({ multiplierPct: 0 })), [], '0 is allowed (never draw)');
  t.same(fields(withGrade({ multiplierPct: 10000 })), []);
  t.same(fields(withGrade({ mode: 'remote' })), ['grades[1].mode']);
  t.same(fields(withGrade({ label: '' })), ['grades[1].label']);
  t.same(fields({ ...valid, grades: [valid.grades[0], 'B'] }), ['grades[1]']);
  const many = Array.from({ length: 51 }, (_, i) => ({ code: `G${i}`, label: '级', multiplierPct: 100, mode: 'onsite' }));
  t.same(fields({ ...valid, grades: many, defaultGrade: 'G0' }), ['grades']);
});

t.test('resolveRatiosBp: from a base ratio', async (t) => {
  t.same(resolveRatiosBp(scheme('credit-4'), { baseRatioBp: 500 }), { A: 250, B: 500, C: 750, D: 1500 });
  t.same(resolveRatiosBp(scheme('credit-4'), { baseRatioBp: 0 }), { A: 0, B: 0, C: 0, D: 0 });
  // Rounds down: 333 × 50% = 166.5 → 166; 333 × 150% = 499.5 → 499.
  t.same(resolveRatiosBp(scheme('credit-4'), { baseRatioBp: 333 }), { A: 166, B: 333, C: 499, D: 999 });
  t.same(resolveRatiosBp(scheme('credit-4'), { baseRatioBp: 1 }), { A: 0, B: 1, C: 1, D: 3 });
  // Capped at 100%.
  t.same(resolveRatiosBp(scheme('credit-4'), { baseRatioBp: 5000 }), { A: 2500, B: 5000, C: 7500, D: 10000 });
  t.same(resolveRatiosBp(scheme('credit-4'), { baseRatioBp: 10000 }), { A: 5000, B: 10000, C: 10000, D: 10000 });
  t.same(resolveRatiosBp(scheme('credit-5'), { baseRatioBp: 1000 }), { A: 500, B: 750, C: 1000, D: 1500, E: 3000 });
  // Keys come in the scheme's order (best to worst).
  t.same(Object.keys(resolveRatiosBp(scheme('env-4'), { baseRatioBp: 100 })), ['GREEN', 'BLUE', 'YELLOW', 'RED']);
  t.same(resolveRatiosBp(scheme('credit-4'), { baseRatioBp: 500, ratiosBp: undefined }), { A: 250, B: 500, C: 750, D: 1500 });
});

t.test('resolveRatiosBp: explicit ratios', async (t) => {
  const r = resolveRatiosBp(scheme('credit-4'), { ratiosBp: { D: 10000, C: 5000, B: 3000, A: 2000 } });
  t.same(r, { A: 2000, B: 3000, C: 5000, D: 10000 });
  t.same(Object.keys(r), ['A', 'B', 'C', 'D'], 'scheme order, not input order');
  // A grade named like an Object.prototype member is an ordinary key.
  const odd: GradeScheme = {
    ...valid,
    grades: [{ code: '__proto__', label: '怪', multiplierPct: 100, mode: 'onsite' }],
    defaultGrade: '__proto__',
  };
  t.same(validateGradeScheme(odd), []);
  const fromBase = resolveRatiosBp(odd, { baseRatioBp: 700 });
  t.equal(Object.getPrototypeOf(fromBase), Object.prototype);
  t.same(Object.entries(fromBase), [['__proto__', 700]]);
  const missing = (() => {
    try {
      resolveRatiosBp(odd, { ratiosBp: {} });
    } catch (e) {
      return e as GradeResolutionError;
    }
  })();
  t.equal(missing?.field, 'ratiosBp.__proto__');
  t.same(resolveRatiosBp(odd, { ratiosBp: JSON.parse('{"__proto__": 42}') }), JSON.parse('{"__proto__": 42}'));
});

t.test('resolveRatiosBp: errors', async (t) => {
  const c4 = scheme('credit-4');
  const fails = (input: Parameters<typeof resolveRatiosBp>[1], field: string, message: RegExp) => {
    try {
      resolveRatiosBp(c4, input);
      t.fail(`expected an error for ${JSON.stringify(input)}`);
    } catch (e) {
      t.ok(e instanceof GradeResolutionError, 'GradeResolutionError');
      t.ok(e instanceof Error, 'an Error');
      t.equal((e as GradeResolutionError).name, 'GradeResolutionError');
      t.equal((e as GradeResolutionError).field, field, `field ${field}`);
      t.match((e as Error).message, message);
    }
  };
  fails({}, 'ratiosBp', /ratiosBp.*baseRatioBp/);
  fails({ ratiosBp: { A: 1, B: 1, C: 1, D: 1 }, baseRatioBp: 500 }, 'ratiosBp', /not both/);
  fails({ baseRatioBp: -1 }, 'baseRatioBp', /integer from 0 to 10000/);
  fails({ baseRatioBp: 10001 }, 'baseRatioBp', /integer/);
  fails({ baseRatioBp: 2.5 }, 'baseRatioBp', /integer/);
  fails({ baseRatioBp: NaN }, 'baseRatioBp', /integer/);
  fails({ baseRatioBp: '500' as unknown as number }, 'baseRatioBp', /integer/);
  fails({ ratiosBp: { A: 1, B: 1, C: 1 } }, 'ratiosBp.D', /missing ratio for grade D/);
  fails({ ratiosBp: { A: 1, B: 1, C: 1, D: 1, X: 5 } }, 'ratiosBp.X', /unknown grade X/);
  fails({ ratiosBp: { A: 1, B: 1.5, C: 1, D: 1 } }, 'ratiosBp.B', /integer/);
  fails({ ratiosBp: { A: 1, B: 1, C: 10001, D: 1 } }, 'ratiosBp.C', /0 to 10000/);
  fails({ ratiosBp: { A: -5, B: 1, C: 1, D: 1 } }, 'ratiosBp.A', /integer/);
  fails({ ratiosBp: { A: null, B: 1, C: 1, D: 1 } as unknown as Record<string, number> }, 'ratiosBp.A', /got null/);
  fails({ ratiosBp: [1, 2, 3, 4] as unknown as Record<string, number> }, 'ratiosBp', /object/);
});

t.test('property: resolved ratios are integers in 0..10000, monotone for built-ins', async (t) => {
  fc.assert(
    fc.property(fc.constantFrom(...BUILTIN_GRADE_SCHEMES), fc.integer({ min: 0, max: 10000 }), (s, base) => {
      const r = resolveRatiosBp(s, { baseRatioBp: base });
      const values = s.grades.map((g) => r[g.code]);
      if (Object.keys(r).length !== s.grades.length) return false;
      for (const v of values) if (!Number.isInteger(v) || v < 0 || v > 10000) return false;
      for (let i = 1; i < values.length; i++) if (values[i] < values[i - 1]) return false;
      // The default (normal) grade gets exactly the base ratio.
      return r[s.defaultGrade] === base;
    }),
    { numRuns: 3000 },
  );
  t.pass('held for all built-ins');
});

t.test('property: any valid custom scheme resolves within bounds and floors exactly', async (t) => {
  const gradeArb = fc.record({
    code: fc.stringMatching(/^[0-9A-Za-z_-]{1,16}$/),
    label: fc.constant('级'),
    multiplierPct: fc.integer({ min: 0, max: 10000 }),
    mode: fc.constantFrom('onsite' as const, 'written' as const),
  });
  const schemeArb = fc
    .uniqueArray(gradeArb, { minLength: 1, maxLength: 8, selector: (g) => g.code })
    .map((grades): GradeScheme => ({ code: 'p', name: '性质', source: null, grades, defaultGrade: grades[0].code, public: false }));
  fc.assert(
    fc.property(schemeArb, fc.integer({ min: 0, max: 10000 }), (s, base) => {
      if (validateGradeScheme(s).length) return false;
      const r = resolveRatiosBp(s, { baseRatioBp: base });
      return s.grades.every((g) => {
        const v = r[g.code];
        const expected = Math.min(10000, Number((BigInt(base) * BigInt(g.multiplierPct)) / 100n));
        return Number.isInteger(v) && v >= 0 && v <= 10000 && v === expected;
      });
    }),
    { numRuns: 2000 },
  );
  t.pass('held');
});
