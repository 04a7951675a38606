/**
 * Grade schemes (信用分级分类) and how a grade turns into a sampling ratio.
 *
 * A scheme lists its grades from best to worst. Each grade has a ratio multiplier in percent relative to
 * a plan's base ratio (100 = the normal 抽查比例, 50 = half of it, 300 = three times it) and the default
 * inspection mode of drawn entities ('written' = 书面检查, 'onsite' = 现场检查).
 *
 * Pure module: no I/O, no node: imports (it is bundled into the browser verifier).
 */

type InspectionMode = 'onsite' | 'written';

interface Grade {
  /** 1–16 characters from [0-9A-Za-z_-] (draw-protocol-v1 §1). */
  code: string;
  /** Chinese label shown to users. */
  label: string;
  /** Ratio multiplier in percent: 50 = half the base ratio. Integer 0–10000. */
  multiplierPct: number;
  mode: InspectionMode;
  /**
   * At most this many draws a calendar year (China time) for general items of one department; null = no limit.
   * Absent is read as null (schemes stored before the rule).
   */
  maxPerYear?: number | null;
  /** At least this many days between two draws for general items of one department; null or 0 = none. */
  minIntervalDays?: number | null;
}

export interface GradeScheme {
  code: string;
  /** Chinese name. */
  name: string;
  /** The document the scheme comes from (document number where it has one). */
  source: string | null;
  /** Ordered best to worst. */
  grades: Grade[];
  /** Grade of an entity that has no evaluation in this scheme. */
  defaultGrade: string;
  /** Whether an entity's grade in this scheme may be published with draw results (draw-protocol-v1 §5). */
  public: boolean;
}

const GRADE_CODE_PATTERN = /^[0-9A-Za-z_-]{1,16}$/;
const SCHEME_CODE_PATTERN = /^[0-9A-Za-z_-]{1,32}$/;
const MAX_MULTIPLIER_PCT = 10000;
const MAX_RATIO_BP = 10000;
const MAX_GRADES = 50;
const MAX_PER_YEAR = 366;
const MAX_INTERVAL_DAYS = 3660;

const INSPECTION_MODES: readonly string[] = ['onsite', 'written'];

/*
 * ─── Built-in schemes ────────────────────────────────────────────────────────────────────────────
 *
 * Multipliers follow the wording of each document about 抽查比例/频次:
 *   “适当降低/合理降低” (reduce appropriately)        → 50  (half the normal ratio)
 *   “保持常规/按常规” (keep the normal ratio)          → 100
 *   “适当提高” (raise appropriately)                   → 150
 *   “大幅提高”/“重点监管”/“严管” (raise substantially) → 300
 * The documents give directions, not numbers; these are defaults an administrator can change per scheme,
 * and a plan may always give explicit per-grade ratios instead (resolveRatiosBp with ratiosBp).
 */

/**
 * 渝信用办发〔2023〕7号 重庆市全面推进信用分级分类监管工作方案, 二(一)3 and 三:
 * - 二(一)3 “评价结果原则上统一划分为 A（最高）、B（较高）、C（较低）、D（最低）四档”.
 * - 三(一) A: “适当降低抽取比例，减少检查频次，可视情形采取书面检查方式开展检查” → 50, written.
 *   The mode is a default: the text says 可视情形 (as the case may be), so a department may still go on site.
 * - 三(二) B: “保持常规监管频次和抽取比例，对被抽中市场主体开展现场检查” → 100, onsite.
 * - 三(三) C: “适当提高抽查比例，增加抽查频次，适当加强现场检查” → 150, onsite.
 * - 三(四) D: “列为重点监管对象，大幅提高抽取比例，加强现场检查” → 300, onsite.
 * Default grade B: the document does not say how ungraded entities are treated. B is the only grade whose
 * measures are “保持常规监管频次和抽取比例” — the normal regime — while A, C and D are departures from it
 * that each need an evaluation to justify them (a reward for A, a burden for C/D). An entity nobody has
 * evaluated has earned neither, so it is checked at the normal ratio.
 * Frequency (maxPerYear) — the document gives directions only: A “减少检查频次”, B “保持常规监管频次”, C “增加抽查频次”,
 * D “列为重点监管对象” (no ceiling). The numbers are the defaults the issue names (A once a year, B once, C twice,
 * D no limit); no seed document gives figures, so they are defaults an administrator edits. No minimum interval.
 * Not public: the document only lets an entity see its own grade — 二(三)7 “市场主体可通过‘信用中国（重庆）’网站…
 * 通过身份认证或主体授权方式，查询自身信用评价等级结果” — and uses grades to steer supervision, not to publish them.
 */
const CREDIT_4: GradeScheme = {
  code: 'credit-4',
  name: '重庆市信用分级分类监管四档（A/B/C/D）',
  source: '渝信用办发〔2023〕7号',
  grades: [
    { code: 'A', label: 'A类（信用最高）', multiplierPct: 50, mode: 'written', maxPerYear: 1, minIntervalDays: null },
    { code: 'B', label: 'B类（信用较高）', multiplierPct: 100, mode: 'onsite', maxPerYear: 1, minIntervalDays: null },
    { code: 'C', label: 'C类（信用较低）', multiplierPct: 150, mode: 'onsite', maxPerYear: 2, minIntervalDays: null },
    { code: 'D', label: 'D类（信用最低）', multiplierPct: 300, mode: 'onsite', maxPerYear: null, minIntervalDays: null },
  ],
  defaultGrade: 'B',
  public: false,
};

/**
 * 汴政办〔2020〕46号 开封市加快推进社会信用体系建设构建以信用为基础的新型监管机制的实施方案, 三(三)11 and 三(四)12
 * (the seed copy is in traditional characters; quoted here in simplified):
 * - 11 “评价结果全市统一划分为A（优秀）、B（良好）、C（中等）、D（较差）、E（差）五档”.
 * - 12 “对信用状况好的市场主体，要实施降低检查频次等监管措施，力争做到无事不扰；对信用状况不好的市场主体，
 *   要实施加大检查力度、提高检查频次、增加检查事项等监管措施”.
 * Two grades are “good” (A 优秀, B 良好) and two “not good” (D 较差, E 差) around a middle C (中等), so:
 * A 50, B 75 (both reduced, A more), C 100 (normal), D 150, E 300 (both raised, E most). All onsite: the
 * document mentions no written checks. Default C: the middle grade is the one without either a reward or a
 * burden (the same reasoning as B in credit-4, whose B is the normal grade). Not public: the document treats
 * the evaluation as a supervision instrument (监管评价) and says nothing of publishing it.
 */
const CREDIT_5: GradeScheme = {
  code: 'credit-5',
  name: '开封市行业信用监管评价五档（A/B/C/D/E）',
  source: '汴政办〔2020〕46号',
  grades: [
    { code: 'A', label: 'A（优秀）', multiplierPct: 50, mode: 'onsite' },
    { code: 'B', label: 'B（良好）', multiplierPct: 75, mode: 'onsite' },
    { code: 'C', label: 'C（中等）', multiplierPct: 100, mode: 'onsite' },
    { code: 'D', label: 'D（较差）', multiplierPct: 150, mode: 'onsite' },
    { code: 'E', label: 'E（差）', multiplierPct: 300, mode: 'onsite' },
  ],
  defaultGrade: 'C',
  public: false,
};

/**
 * 企业信用风险分类 (market regulation's general-purpose enterprise credit-risk classification): 信用风险低 (A)、
 * 信用风险一般 (B)、信用风险较高 (C)、信用风险高 (D). Source: 市场监管总局《关于推进企业信用风险分类管理
 * 进一步提升监管效能的意见》(国市监信发〔2022〕6号) — not one of the seed documents; the seeds refer to it as
 * “通用型企业信用风险分类模型” (汕尾 二(二)5) and “重庆市企业信用风险分类管理系统” (渝信用办发〔2023〕7号 附件1).
 * Measures as in the seeds (汕尾 二(二)6): “对信用较好、风险较低的市场主体，可合理降低抽查检查比例和频次…；
 * 对信用风险一般的市场主体，按常规比例和频次抽查检查；对违法失信、风险较高的市场主体，适当提高抽查检查比例和
 * 频次，依法依规实行严管” → LOW 50, NORMAL 100, HIGHER 150, HIGH 300 (严管 / 大幅提高 for the highest risk).
 * Default NORMAL (信用风险一般 = 按常规). Not public: the 意见 makes the classification “配置监管资源的内部参考依据，
 * 不是对企业的信用评价”, and implementing rules say outright that results are not published (e.g. 山东省市场监管局
 * “风险分类不公开”; 濮阳市林业局暂行办法 第五条 “作为实施差异化监管的参考依据，不向社会公开”).
 */
const RISK_4: GradeScheme = {
  code: 'risk-4',
  name: '企业信用风险分类（低/一般/较高/高）',
  source: '国市监信发〔2022〕6号',
  grades: [
    { code: 'LOW', label: '信用风险低（A类）', multiplierPct: 50, mode: 'onsite' },
    { code: 'NORMAL', label: '信用风险一般（B类）', multiplierPct: 100, mode: 'onsite' },
    { code: 'HIGHER', label: '信用风险较高（C类）', multiplierPct: 150, mode: 'onsite' },
    { code: 'HIGH', label: '信用风险高（D类）', multiplierPct: 300, mode: 'onsite' },
  ],
  defaultGrade: 'NORMAL',
  public: false,
};

/**
 * 汕尾市加强重点领域信用监管助力营商环境优化实施方案（征求意见稿）— a draft without a document number.
 * 二(二)5 “按优、良、中、差四个等级对辖区内市场主体进行公共信用综合评价，并将评价结果推送共享至相关政府部门参考使用”.
 * 二(二)6 gives three tiers for four grades: “信用较好、风险较低…合理降低抽查检查比例和频次”, “信用风险一般…按常规
 * 比例和频次”, “违法失信、风险较高…适当提高抽查检查比例和频次，依法依规实行严管”. Reading 优 and 良 as 信用较好
 * (优 reduced more), 中 as 一般 and 差 as 违法失信: 优 50, 良 75, 中 100, 差 200 (适当提高 plus 严管, between
 * 150 and 300). Default 中: the 按常规 grade. “public” in the code means 公共信用 (public credit), not
 * disclosure: the results are pushed to government departments (推送共享至相关政府部门参考使用), not published,
 * so public = false.
 */
const PUBLIC_4: GradeScheme = {
  code: 'public-4',
  name: '汕尾市公共信用综合评价（优/良/中/差）',
  source: '汕尾市加强重点领域信用监管助力营商环境优化实施方案（征求意见稿）',
  grades: [
    { code: 'EXCELLENT', label: '优', multiplierPct: 50, mode: 'onsite' },
    { code: 'GOOD', label: '良', multiplierPct: 75, mode: 'onsite' },
    { code: 'FAIR', label: '中', multiplierPct: 100, mode: 'onsite' },
    { code: 'POOR', label: '差', multiplierPct: 200, mode: 'onsite' },
  ],
  defaultGrade: 'FAIR',
  public: false,
};

/**
 * 企业环境信用评价 (environmental credit rating): 环保诚信企业 (绿牌)、环保良好企业 (蓝牌)、环保警示企业 (黄牌)、
 * 环保不良企业 (红牌), defined by 《企业环境信用评价办法（试行）》(环发〔2013〕150号); the seed is 汕尾 三(二十二)
 * “完善企业环境信用评价及结果运用制度，按程序将“绿牌”“蓝牌”“黄牌”“红牌”等评价结果向社会公开”.
 * Measures under 环发〔2013〕150号: 绿牌 守信激励, 蓝牌 引导改进, 黄牌 严格管理, 红牌 失信惩戒 → GREEN 50, BLUE 100
 * (the normal grade; in Guangdong's published annual results about three quarters of rated enterprises are 蓝牌), YELLOW 150, RED 300. Default BLUE.
 * Public: the ratings are disclosed by design (“评价结果向社会公开，供公众监督”), so showing an entity's colour
 * next to a draw discloses nothing new.
 */
const ENV_4: GradeScheme = {
  code: 'env-4',
  name: '企业环境信用评价（绿牌/蓝牌/黄牌/红牌）',
  source: '环发〔2013〕150号',
  grades: [
    { code: 'GREEN', label: '绿牌（环保诚信企业）', multiplierPct: 50, mode: 'onsite' },
    { code: 'BLUE', label: '蓝牌（环保良好企业）', multiplierPct: 100, mode: 'onsite' },
    { code: 'YELLOW', label: '黄牌（环保警示企业）', multiplierPct: 150, mode: 'onsite' },
    { code: 'RED', label: '红牌（环保不良企业）', multiplierPct: 300, mode: 'onsite' },
  ],
  defaultGrade: 'BLUE',
  public: true,
};

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

export const BUILTIN_GRADE_SCHEMES: readonly GradeScheme[] = deepFreeze([CREDIT_4, CREDIT_5, RISK_4, PUBLIC_4, ENV_4]);

export function builtinGradeScheme(code: string): GradeScheme | undefined {
  return BUILTIN_GRADE_SCHEMES.find((s) => s.code === code);
}

// ─── Validation ───────────────────────────────────────────────────────────────────────────────────

export interface GradeSchemeProblem {
  /** Path of the offending field, e.g. `grades[2].code`. */
  field: string;
  message: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a scheme (possibly parsed from untrusted JSON). Returns the list of problems; empty when valid.
 * Rules: code matches [0-9A-Za-z_-]{1,32}; non-empty name; 1–50 grades; grade codes unique and matching
 * [0-9A-Za-z_-]{1,16}; non-empty labels; multiplierPct an integer 0–10000; mode 'onsite' or 'written';
 * defaultGrade among the grades; public a boolean; source a string or null when present; maxPerYear an
 * integer 1–366 or null, minIntervalDays an integer 0–3660 or null, when present.
 */
export function validateGradeScheme(s: unknown): GradeSchemeProblem[] {
  const problems: GradeSchemeProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });
  if (!isObject(s)) return [{ field: '', message: 'a grade scheme must be an object' }];

  if (typeof s.code !== 'string' || !SCHEME_CODE_PATTERN.test(s.code)) {
    add('code', 'scheme code must be 1–32 characters from [0-9A-Za-z_-]');
  }
  if (typeof s.name !== 'string' || s.name.trim() === '') add('name', 'name must be a non-empty string');
  if (s.source !== undefined && s.source !== null && typeof s.source !== 'string') {
    add('source', 'source must be a string or null');
  }
  if (typeof s.public !== 'boolean') add('public', 'public must be true or false');

  const codes = new Set<string>();
  if (!Array.isArray(s.grades)) {
    add('grades', 'grades must be an array');
  } else {
    if (s.grades.length === 0) add('grades', 'a scheme needs at least one grade');
    if (s.grades.length > MAX_GRADES) add('grades', `a scheme has at most ${MAX_GRADES} grades`);
    s.grades.forEach((g: unknown, i: number) => {
      const at = `grades[${i}]`;
      if (!isObject(g)) {
        add(at, 'a grade must be an object');
        return;
      }
      if (typeof g.code !== 'string' || !GRADE_CODE_PATTERN.test(g.code)) {
        add(`${at}.code`, 'grade code must be 1–16 characters from [0-9A-Za-z_-]');
      } else if (codes.has(g.code)) {
        add(`${at}.code`, `duplicate grade code ${g.code}`);
      } else {
        codes.add(g.code);
      }
      if (typeof g.label !== 'string' || g.label.trim() === '') add(`${at}.label`, 'label must be a non-empty string');
      if (typeof g.multiplierPct !== 'number' || !Number.isInteger(g.multiplierPct) || g.multiplierPct < 0 || g.multiplierPct > MAX_MULTIPLIER_PCT) {
        add(`${at}.multiplierPct`, `multiplierPct must be an integer from 0 to ${MAX_MULTIPLIER_PCT}`);
      }
      if (typeof g.mode !== 'string' || !INSPECTION_MODES.includes(g.mode)) {
        add(`${at}.mode`, "mode must be 'onsite' or 'written'");
      }
      const isInt = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
      if (g.maxPerYear !== undefined && g.maxPerYear !== null && !isInt(g.maxPerYear, 1, MAX_PER_YEAR)) {
        add(`${at}.maxPerYear`, `maxPerYear must be an integer from 1 to ${MAX_PER_YEAR}, or null for no limit`);
      }
      if (g.minIntervalDays !== undefined && g.minIntervalDays !== null && !isInt(g.minIntervalDays, 0, MAX_INTERVAL_DAYS)) {
        add(`${at}.minIntervalDays`, `minIntervalDays must be an integer from 0 to ${MAX_INTERVAL_DAYS}, or null for none`);
      }
    });
  }
  if (typeof s.defaultGrade !== 'string') {
    add('defaultGrade', 'defaultGrade must be a grade code');
  } else if (Array.isArray(s.grades) && !codes.has(s.defaultGrade)) {
    add('defaultGrade', `defaultGrade ${s.defaultGrade} is not one of the scheme's grades`);
  }
  return problems;
}

// ─── Ratio resolution ─────────────────────────────────────────────────────────────────────────────

/** A ratio-resolution input error, with the offending field (e.g. `ratiosBp.X`, `baseRatioBp`). */
export class GradeResolutionError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = 'GradeResolutionError';
    this.field = field;
  }
}

export interface RatioInput {
  /** Explicit ratio per grade, in basis points (500 = 5%). Must cover every grade of the scheme. */
  ratiosBp?: Record<string, number>;
  /** Base ratio in basis points, scaled per grade by multiplierPct. */
  baseRatioBp?: number;
}

const isBp = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_RATIO_BP;

/**
 * Per-grade sampling ratios in basis points, keys in the scheme's grade order.
 *
 * - With `baseRatioBp`: ratio(g) = min(10000, floor(baseRatioBp × multiplierPct(g) / 100)). Integer
 *   arithmetic only; the division rounds DOWN (toward zero), e.g. base 333 × 50% = 166 bp, never 167.
 * - With `ratiosBp`: taken as given; every grade of the scheme must be present, each an integer 0–10000,
 *   and no other keys are allowed.
 * Exactly one of the two must be given.
 * @throws GradeResolutionError
 */
export function resolveRatiosBp(scheme: GradeScheme, input: RatioInput): Record<string, number> {
  const hasRatios = input?.ratiosBp !== undefined && input?.ratiosBp !== null;
  const hasBase = input?.baseRatioBp !== undefined && input?.baseRatioBp !== null;
  if (hasRatios && hasBase) {
    throw new GradeResolutionError('ratiosBp', 'give either ratiosBp or baseRatioBp, not both');
  }
  if (!hasRatios && !hasBase) {
    throw new GradeResolutionError('ratiosBp', 'give ratiosBp (a ratio per grade) or baseRatioBp');
  }

  if (hasBase) {
    const base = input.baseRatioBp;
    if (!isBp(base)) {
      throw new GradeResolutionError('baseRatioBp', `baseRatioBp must be an integer from 0 to ${MAX_RATIO_BP}`);
    }
    // Object.fromEntries defines own properties, so even a grade named "__proto__" is a plain key.
    return Object.fromEntries(
      scheme.grades.map((g) => {
        const product = base * g.multiplierPct; // ≤ 10^8: exact in a double
        const floored = (product - (product % 100)) / 100; // integer division, rounding down
        return [g.code, Math.min(MAX_RATIO_BP, floored)];
      }),
    );
  }

  const ratios = input.ratiosBp;
  if (!isObject(ratios)) throw new GradeResolutionError('ratiosBp', 'ratiosBp must be an object of grade → basis points');
  const known = new Set(scheme.grades.map((g) => g.code));
  for (const key of Object.keys(ratios)) {
    if (!known.has(key)) {
      throw new GradeResolutionError(`ratiosBp.${key}`, `unknown grade ${key} in scheme ${scheme.code} (grades: ${[...known].join(', ')})`);
    }
  }
  return Object.fromEntries(
    scheme.grades.map((g) => {
      if (!Object.hasOwn(ratios, g.code)) {
        throw new GradeResolutionError(`ratiosBp.${g.code}`, `missing ratio for grade ${g.code}`);
      }
      const v = ratios[g.code];
      if (!isBp(v)) {
        throw new GradeResolutionError(
          `ratiosBp.${g.code}`,
          `ratio for grade ${g.code} must be an integer from 0 to ${MAX_RATIO_BP} basis points, got ${JSON.stringify(v)}`,
        );
      }
      return [g.code, v];
    }),
  );
}
