import t from 'tap';
import fc from 'fast-check';
import { USCC_ALPHABET, USCC_WEIGHTS, isValidUscc, makeUscc, parseUscc, usccCheckChar, validateUscc } from '../../src/core/uscc.ts';

/*
 * Real codes of registered entities (looked up in 2026; the check below is what this test asserts).
 *
 * Published by the companies themselves:
 * - 重庆渝开发股份有限公司 (SZSE 000514) — 91500000202809457F, in its own 公司章程 (2024年6月修订, 第二条: the
 *   old licence 500000000005053, organisation code 20280945-7 and tax registration 500103202809457 “合并为
 *   公司统一社会信用代码 91500000202809457F”), filed with the Shenzhen Stock Exchange. Positions 9–17 are
 *   the old organisation code 202809457.
 * - 重庆水务集团股份有限公司 (SSE 601158) — 915000007093295592, in its own 章程 (2023年拟修订, 第二条:
 *   “取得营业执照，统一社会信用代码为：915000007093295592”).
 * - 深圳市腾讯计算机系统有限公司 — 91440300708461136T: the example value, with the company name, in Tencent
 *   Cloud's own API documentation (企业基础信息查询 QueryEnterpriseBasicInfo, cloud.tencent.com).
 *
 * Widely reproduced, but not confirmed from a document of the company itself here:
 * - 华为技术有限公司 — 914403001922038216 (zh.wikipedia infobox, linking to the 企业信用信息公示系统 record).
 * - 腾讯科技(深圳)有限公司 — 9144030071526726XG (e-signature SDK fixtures, enterprise-data samples).
 * - 91330100716105852F — given for 阿里巴巴（中国）有限公司 in the brief, but the annual-report data found
 *   with it (old registration number 330100400015575, shareholder Alibaba.com China Limited, 滨江区网商路699号)
 *   points to 阿里巴巴（中国）网络技术有限公司; 91330100799655058B is the code usually given for
 *   阿里巴巴（中国）有限公司. Secondary sources mix the two up, so the names are unconfirmed.
 */
const REAL_CODES: Array<[string, string]> = [
  ['91500000202809457F', '重庆渝开发股份有限公司'],
  ['915000007093295592', '重庆水务集团股份有限公司'],
  ['91440300708461136T', '深圳市腾讯计算机系统有限公司'],
  ['914403001922038216', '华为技术有限公司'],
  ['9144030071526726XG', '腾讯科技(深圳)有限公司'],
  ['91330100716105852F', '阿里巴巴（中国）网络技术有限公司'],
  ['91330100799655058B', '阿里巴巴（中国）有限公司'],
];

/** Worked example of draw-protocol-v1 §7 (synthetic, but must be valid for the protocol to make sense). */
const SPEC_EXAMPLE_CODES = [
  '915001033AGYGLUY2P',
  '915001053W7WKKHD98',
  '915001054WLNNJ90XP',
  '91500106RJHTPQQF9H',
  '91500106UNBBED2C53',
  '91500107WJHFU3DG2R',
  '9150010839T3E0TW3H',
  '91500110XBRCPGL20W',
  '91500112MFMA6C8B0X',
  '92500103PA2HH99E7G',
  '92500107QQJE70K23F',
  '92500108RQUKWFCX6A',
];

t.test('alphabet and weights', async (t) => {
  t.equal(USCC_ALPHABET.length, 31);
  t.equal(new Set(USCC_ALPHABET).size, 31);
  for (const forbidden of 'IOZSV') t.notOk(USCC_ALPHABET.includes(forbidden), `${forbidden} is not used`);
  t.same(USCC_WEIGHTS, [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]);
  // The weights are 3^(i-1) mod 31.
  USCC_WEIGHTS.forEach((w, i) => {
    t.equal(w, Number(3n ** BigInt(i) % 31n));
  });
});

t.test('real published codes are valid', async (t) => {
  for (const [code, name] of REAL_CODES) {
    t.same(validateUscc(code), { ok: true }, `${name} ${code}`);
    t.equal(isValidUscc(code), true);
    t.equal(usccCheckChar(code.slice(0, 17)), code[17], `check char of ${name}`);
    t.equal(makeUscc(code.slice(0, 17)), code);
  }
});

t.test('parts of a code, and check value 31 → 0', async (t) => {
  const p = parseUscc('91500000202809457F');
  t.same(p, {
    registrationAuthority: '9',
    entityType: '1',
    region: '500000',
    organisationCode: '202809457',
    checkChar: 'F',
  });
  // A prefix whose weighted sum is a multiple of 31 gets check character '0', not '31'.
  t.equal(usccCheckChar('00000000000000000'), '0');
  t.equal(makeUscc('00000000000000000'), '000000000000000000');
});

t.test('draw-protocol worked-example codes are valid', async (t) => {
  for (const code of SPEC_EXAMPLE_CODES) t.ok(isValidUscc(code), code);
});

t.test('error messages', async (t) => {
  t.match(validateUscc('91500000202809457'), { ok: false, message: /length.*18.*got 17/ });
  t.match(validateUscc('91500000202809457FF'), { ok: false, message: /length.*18.*got 19/ });
  t.match(validateUscc(''), { ok: false, message: /length/ });
  t.match(validateUscc('91500000202809457f'), { ok: false, message: /position 18.*uppercase/ });
  t.match(validateUscc('9144030071526726xg'), { ok: false, message: /"x" at position 17/ });
  t.match(validateUscc('9I500000202809457F'), { ok: false, message: /"I" at position 2.*not used/ });
  t.match(validateUscc('91500000202809457O'), { ok: false, message: /position 18/ });
  t.match(validateUscc('915000 0202809457F'), { ok: false, message: /" " at position 7/ });
  t.match(validateUscc('91500000202809457G'), {
    ok: false,
    message: 'check character (position 18) expected F, got G',
  });
  t.match(validateUscc('9150000020280945中F'), { ok: false, message: /"中" at position 17/ });
  t.equal(validateUscc(42 as unknown as string).ok, false);
  t.throws(() => usccCheckChar('9150000020280945'), /17 characters/);
  t.throws(() => usccCheckChar('9150000020280945I'), /position 17/);
  t.throws(() => makeUscc('91500000202809457F'), /17 characters/);
});

const alphabetChar = fc.constantFrom(...USCC_ALPHABET);
const first17Arb = fc.array(alphabetChar, { minLength: 17, maxLength: 17 }).map((cs) => cs.join(''));
const validCodeArb = first17Arb.map(makeUscc);

t.test('property: every generated code is valid', async (t) => {
  fc.assert(
    fc.property(validCodeArb, (code) => code.length === 18 && isValidUscc(code) && validateUscc(code).ok),
    { numRuns: 2000 },
  );
  t.pass('fast-check property held');
});

t.test('property: every single-character substitution is detected', async (t) => {
  // Exhaustively, for a sample of valid codes: all 18 positions × 30 other characters.
  fc.assert(
    fc.property(validCodeArb, (code) => {
      for (let pos = 0; pos < 18; pos++) {
        for (const c of USCC_ALPHABET) {
          if (c === code[pos]) continue;
          const changed = code.slice(0, pos) + c + code.slice(pos + 1);
          if (isValidUscc(changed)) return false;
        }
      }
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass('fast-check property held');
});

t.test('property: lowercase, wrong length and forbidden letters fail', async (t) => {
  fc.assert(
    fc.property(
      validCodeArb.filter((c) => /[A-Z]/.test(c)),
      (code) => !isValidUscc(code.toLowerCase()),
    ),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(validCodeArb, fc.integer({ min: 0, max: 40 }), (code, len) => {
      fc.pre(len !== 18);
      const s = len <= 18 ? code.slice(0, len) : code + code.slice(0, len - 18);
      const r = validateUscc(s);
      return !r.ok && /length/.test(r.message);
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(validCodeArb, fc.integer({ min: 0, max: 17 }), fc.constantFrom(...'IOZSVioszv'), (code, pos, ch) => {
      const bad = code.slice(0, pos) + ch + code.slice(pos + 1);
      const r = validateUscc(bad);
      return !r.ok && r.message.includes(`position ${pos + 1}`);
    }),
    { numRuns: 500 },
  );
  t.pass('fast-check property held');
});

t.test('property: adjacent transpositions of different characters are detected', async (t) => {
  // Not required by GB 32100, but the weights (powers of 3 mod 31) guarantee it; documents why the
  // checksum is worth having for hand-typed codes.
  fc.assert(
    // Positions 1–17 only: a swap involving the check character itself is not covered by this argument.
    fc.property(validCodeArb, fc.integer({ min: 0, max: 15 }), (code, i) => {
      fc.pre(code[i] !== code[i + 1]);
      const swapped = code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2);
      return !isValidUscc(swapped);
    }),
    { numRuns: 1000 },
  );
  t.pass('fast-check property held');
});
