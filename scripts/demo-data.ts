/**
 * Deterministic, realistic demo data for Suicha: entities (重庆 market entities with valid credit codes),
 * grade evaluations, inspectors, recusal pairs, departments and inspection items.
 *
 * Library:   import { generateEntities, toCsv, ENTITY_CSV_HEADER } from './demo-data.ts'
 * CLI:       npx tsx scripts/demo-data.ts entities --count 1000000 --out /tmp/e.csv
 *            npx tsx scripts/demo-data.ts grades --count 1000000 [--scheme credit-4] --out /tmp/g.csv
 *            npx tsx scripts/demo-data.ts inspectors [--per-department 12] [--departments SCJG,WJW,YJJ]
 *            npx tsx scripts/demo-data.ts recusals [--count 36] --entities 1000000
 *            (all take --seed; without --out the CSV goes to stdout)
 *
 * Determinism: everything is a pure function of the seed. Entity i depends only on (seed, i), so the first
 * 5,000 entities of a 1,000,000-row file are exactly the 5,000 entities of a 5,000-row file; an entity's
 * grade depends only on (seed, scheme, entity id). Master keys come from seedrandom(seed); each row then
 * uses a small counter-seeded generator (mulberry32), which is what makes ≥ 200k rows/s possible.
 *
 * Entity ids are unique by construction (no Set of seen ids, so 1,000,000 rows stream in constant memory):
 * the organisation-code part of every credit code is a keyed permutation (Feistel network) of the row
 * index, so two rows never get the same code. Limit: 100,000,000 rows.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import seedrandom from 'seedrandom';
import { makeUscc } from '../src/core/uscc.ts';
import { CHONGQING_REGIONS } from '../src/core/regions.ts';
import { builtinGradeScheme, type GradeScheme } from '../src/core/grade-schemes.ts';

export const DEFAULT_SEED = 'suicha-demo-v1';
export const MAX_ENTITIES = 100_000_000;

// ─── CSV rows and headers ─────────────────────────────────────────────────────────────────────────

export interface EntityCsvRow {
  id: string;
  name: string;
  type: EntityType;
  region: string;
  industry: string;
  address: string;
  status: EntityStatus;
}
export interface GradeCsvRow {
  entityId: string;
  scheme: string;
  grade: string;
  evaluatedAt: string;
}
export interface InspectorCsvRow {
  id: string;
  name: string;
  department: string;
  certificateNo: string;
  /** Item codes separated by ';' — empty means every item of the department. */
  qualifications: string;
}
export interface RecusalCsvRow {
  inspectorId: string;
  entityId: string;
  reason: string;
}

export const ENTITY_CSV_HEADER = ['id', 'name', 'type', 'region', 'industry', 'address', 'status'] as const;
export const GRADE_CSV_HEADER = ['entityId', 'scheme', 'grade', 'evaluatedAt'] as const;
export const INSPECTOR_CSV_HEADER = ['id', 'name', 'department', 'certificateNo', 'qualifications'] as const;
export const RECUSAL_CSV_HEADER = ['inspectorId', 'entityId', 'reason'] as const;

// ─── CSV writing (RFC 4180) ───────────────────────────────────────────────────────────────────────

/** Same set as the regex class \s. */
function isSpace(c: number): boolean {
  return (
    (c >= 9 && c <= 13) ||
    c === 32 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

function needsQuotes(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 44 /* , */ || c === 34 /* " */ || c === 10 || c === 13) return true;
  }
  // Leading/trailing whitespace would be lost by parsers that trim.
  return isSpace(s.charCodeAt(0)) || isSpace(s.charCodeAt(n - 1));
}

/** One field: quoted when it contains a comma, quote, CR or LF (or leading/trailing space); quotes doubled. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const s = typeof value === 'string' ? value : String(value);
  return needsQuotes(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One record, terminated by '\n'. */
export function csvLine(values: readonly unknown[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) line += (i ? ',' : '') + csvField(values[i]);
  return line + '\n';
}

/**
 * Streams CSV text: the header line, then one line per row (fields taken from `header`, in that order).
 * Yields one string per line; nothing is buffered, so it works for any number of rows.
 */
export function* toCsv<R extends object>(rows: Iterable<R>, header: readonly (keyof R & string)[]): Generator<string> {
  yield csvLine(header);
  const n = header.length;
  for (const row of rows) {
    const r = row as Record<string, unknown>;
    let line = '';
    for (let i = 0; i < n; i++) line += (i ? ',' : '') + csvField(r[header[i]]);
    yield line + '\n';
  }
}

/** The whole CSV as one string (for small data sets and request bodies). */
export function toCsvString<R extends object>(rows: Iterable<R>, header: readonly (keyof R & string)[]): string {
  let out = '';
  for (const chunk of toCsv(rows, header)) out += chunk;
  return out;
}

// ─── Randomness ───────────────────────────────────────────────────────────────────────────────────

/** A 32-bit finaliser (lowbias32 by Chris Wellons): good avalanche, cheap. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** FNV-1a over UTF-16 code units, then mixed. */
function hashString(s: string, key: number): number {
  let h = (0x811c9dc5 ^ key) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix32(h);
}

/** mulberry32: a tiny, fast generator for the draws of one row. Not for anything security-related. */
class RowRng {
  private s: number;
  constructor(seed: number) {
    this.s = seed | 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[Math.floor(this.next() * a.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Weighted choice with precomputed cumulative weights. */
class Weighted<T> {
  private readonly cum: number[];
  private readonly total: number;
  constructor(
    private readonly items: readonly T[],
    weights: readonly number[],
  ) {
    let t = 0;
    this.cum = weights.map((w) => {
      if (!(w >= 0 && Number.isFinite(w))) throw new RangeError('weights must be finite and non-negative');
      return (t += w);
    });
    if (!(t > 0) || items.length !== weights.length) throw new RangeError('weights must have a positive total');
    this.total = t;
  }
  pick(rng: RowRng): T {
    const x = rng.next() * this.total;
    const cum = this.cum;
    // Binary search for the first cumulative weight above x.
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (x < cum[mid]) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo];
  }
}

/** 32-bit keys for the various streams, derived from the seed with seedrandom (ARC4). */
function deriveKeys(seed: string, count: number): number[] {
  const r = seedrandom(`suicha-demo|${seed}`);
  return Array.from({ length: count }, () => r.int32() >>> 0);
}

/**
 * A keyed bijection on [0, n): a balanced 4-round Feistel network on the smallest even number of bits that
 * covers n, with cycle-walking to stay below n. Distinct inputs give distinct outputs — that is what keeps
 * generated ids unique without remembering them.
 */
class Permutation {
  private readonly half: number;
  private readonly mask: number;
  private readonly k0: number;
  private readonly k1: number;
  private readonly k2: number;
  private readonly k3: number;
  constructor(
    private readonly n: number,
    keys: readonly number[],
  ) {
    if (keys.length !== 4) throw new Error('a permutation takes 4 round keys');
    [this.k0, this.k1, this.k2, this.k3] = keys;
    let bits = Math.max(2, Math.ceil(Math.log2(n)));
    if (bits % 2) bits++;
    if (bits > 52) throw new Error('domain too large');
    this.half = bits / 2;
    this.mask = 2 ** this.half - 1;
  }
  apply(x: number): number {
    if (!(x >= 0 && x < this.n)) throw new RangeError(`permutation input ${x} outside [0, ${this.n})`);
    const hp = 2 ** this.half;
    const mask = this.mask;
    do {
      let l = Math.floor(x / hp);
      let r = x % hp;
      // Four Feistel rounds, written without swaps: each step xors one half with a keyed hash of the
      // other, so each is its own inverse and the whole map is a bijection on [0, 2^bits).
      l = (l ^ (mix32((r ^ this.k0) >>> 0) & mask)) >>> 0;
      r = (r ^ (mix32((l ^ this.k1) >>> 0) & mask)) >>> 0;
      l = (l ^ (mix32((r ^ this.k2) >>> 0) & mask)) >>> 0;
      r = (r ^ (mix32((l ^ this.k3) >>> 0) & mask)) >>> 0;
      x = l * hp + r;
    } while (x >= this.n);
    return x;
  }
}

// ─── Reference data ───────────────────────────────────────────────────────────────────────────────

export const DEMO_DEPARTMENTS = [
  { code: 'SCJG', name: '重庆市市场监督管理局' },
  { code: 'WJW', name: '重庆市卫生健康委员会' },
  { code: 'YJJ', name: '重庆市药品监督管理局' },
] as const;

export interface DemoItem {
  code: string;
  name: string;
  departmentCode: string;
  gradeScheme: string;
  /**
   * The entity type the item applies to (the service matches it against entities' `type`); null = every
   * type. Items whose 检查对象 span several types (企业、个体工商户、农民专业合作社) use null and narrow by filters.
   */
  targetType: EntityType | null;
  legalBasis: string;
}

/** A handful of 抽查事项 in the style of a 随机抽查事项清单. */
export const DEMO_ITEMS: readonly DemoItem[] = [
  {
    code: 'SCJG-001',
    name: '企业公示信息抽查',
    departmentCode: 'SCJG',
    gradeScheme: 'credit-4',
    targetType: null,
    legalBasis: '《企业信息公示暂行条例》第十四条',
  },
  {
    code: 'SCJG-002',
    name: '食品经营许可事项检查',
    departmentCode: 'SCJG',
    gradeScheme: 'credit-4',
    targetType: null,
    legalBasis: '《中华人民共和国食品安全法》第一百一十条；《食品经营许可和备案管理办法》',
  },
  {
    code: 'SCJG-003',
    name: '特种设备使用单位监督检查',
    departmentCode: 'SCJG',
    gradeScheme: 'credit-4',
    targetType: 'enterprise',
    legalBasis: '《中华人民共和国特种设备安全法》',
  },
  {
    code: 'WJW-001',
    name: '公共场所卫生检查',
    departmentCode: 'WJW',
    gradeScheme: 'credit-4',
    targetType: null,
    legalBasis: '《公共场所卫生管理条例》；《公共场所卫生管理条例实施细则》',
  },
  {
    code: 'WJW-002',
    name: '医疗机构依法执业检查',
    departmentCode: 'WJW',
    gradeScheme: 'credit-4',
    targetType: null,
    legalBasis: '《医疗机构管理条例》',
  },
  {
    code: 'YJJ-001',
    name: '药品零售企业监督检查',
    departmentCode: 'YJJ',
    gradeScheme: 'credit-4',
    targetType: 'enterprise',
    legalBasis: '《中华人民共和国药品管理法》；《药品经营和使用质量监督管理办法》',
  },
  {
    code: 'YJJ-002',
    name: '医疗器械经营企业监督检查',
    departmentCode: 'YJJ',
    gradeScheme: 'credit-4',
    targetType: 'enterprise',
    legalBasis: '《医疗器械监督管理条例》',
  },
];

export type EntityType = 'enterprise' | 'individual' | 'cooperative' | 'social-org';
/** The service's entity statuses (only `active` entities enter a draw's pool). */
export type EntityStatus = 'active' | 'inactive' | 'suspended' | 'revoked' | 'closed';

/**
 * Industries: short codes, with the GB/T 4754-2017 section (门类) they belong to.
 */
export const DEMO_INDUSTRIES = [
  { code: 'catering', name: '餐饮业', section: 'H' },
  { code: 'accommodation', name: '住宿业', section: 'H' },
  { code: 'retail', name: '零售业', section: 'F' },
  { code: 'wholesale', name: '批发业', section: 'F' },
  { code: 'pharma-retail', name: '药品及医疗器械零售', section: 'F' },
  { code: 'food-production', name: '食品制造', section: 'C' },
  { code: 'manufacturing', name: '制造业', section: 'C' },
  { code: 'construction', name: '建筑业', section: 'E' },
  { code: 'real-estate', name: '房地产业', section: 'K' },
  { code: 'transport', name: '交通运输业', section: 'G' },
  { code: 'it-services', name: '信息技术服务', section: 'I' },
  { code: 'business-services', name: '商务服务业', section: 'L' },
  { code: 'resident-services', name: '居民服务（美容美发、洗浴）', section: 'O' },
  { code: 'repair', name: '机动车维修', section: 'O' },
  { code: 'healthcare', name: '卫生（诊所、门诊部）', section: 'Q' },
  { code: 'education', name: '教育培训', section: 'P' },
  { code: 'social-services', name: '社会工作（养老服务等）', section: 'Q' },
  { code: 'entertainment', name: '文化娱乐', section: 'R' },
  { code: 'agriculture', name: '农业', section: 'A' },
] as const;

type IndustryCode = (typeof DEMO_INDUSTRIES)[number]['code'];

/** How likely each region is (rough share of market entities: the main urban districts are busiest). */
const REGION_WEIGHTS: Record<string, number> = {
  万州区: 5,
  涪陵区: 4,
  渝中区: 6,
  大渡口区: 2,
  江北区: 7,
  沙坪坝区: 7,
  九龙坡区: 9,
  南岸区: 7,
  北碚区: 4,
  綦江区: 3,
  大足区: 3,
  渝北区: 12,
  巴南区: 5,
  黔江区: 1.5,
  长寿区: 2.5,
  江津区: 4,
  合川区: 3.5,
  永川区: 3.5,
  南川区: 1.5,
  璧山区: 2.5,
  铜梁区: 2,
  潼南区: 1.5,
  荣昌区: 2,
  开州区: 2.5,
  梁平区: 1.5,
  武隆区: 1,
  城口县: 0.4,
  丰都县: 1,
  垫江县: 1.2,
  忠县: 1.1,
  云阳县: 1.3,
  奉节县: 1.2,
  巫山县: 0.7,
  巫溪县: 0.5,
  石柱土家族自治县: 0.6,
  秀山土家族苗族自治县: 0.8,
  酉阳土家族苗族自治县: 0.7,
  彭水苗族土家族自治县: 0.7,
};
const REGIONS = new Weighted(
  CHONGQING_REGIONS,
  CHONGQING_REGIONS.map((r) => REGION_WEIGHTS[r.name] ?? 1),
);

/** Main roads by district (for addresses); other districts use the generic list. */
const STREETS: Record<string, readonly string[]> = {
  渝中区: ['解放碑民族路', '民权路', '邹容路', '中山三路', '上清寺路', '大坪正街', '长江一路', '两路口新干道', '较场口', '洪崖洞滨江路'],
  江北区: ['观音桥步行街', '建新北路', '建新东路', '北城天街', '洋河一路', '红旗河沟红黄路', '江北城西大街', '石马河南桥寺'],
  沙坪坝区: ['三峡广场', '小龙坎正街', '汉渝路', '天星桥正街', '大学城中路', '大学城南路', '西永大道', '磁器口横街'],
  九龙坡区: ['杨家坪正街', '谢家湾正街', '石桥铺石新路', '科园一路', '科园四路', '九龙大道', '西郊路', '白市驿迎宾路'],
  南岸区: ['南坪正街', '南坪西路', '江南大道', '茶园广福大道', '弹子石腾龙大道', '南城大道', '学府大道'],
  渝北区: ['金开大道', '新南路', '红锦大道', '龙溪街道松石北路', '龙山大道', '双龙大道', '空港大道', '回兴宝圣大道', '仙桃街道数据谷中路'],
  巴南区: ['鱼洞新市街', '龙洲大道', '李家沱正街', '渝南大道', '巴滨路'],
  北碚区: ['北碚中山路', '天生路', '云华路', '蔡家岗同兴路', '歇马街道'],
  大渡口区: ['春晖路', '松青路', '文体路', '九宫庙'],
  万州区: ['高笋塘', '白岩路', '北山大道', '万州沙龙路', '太白路'],
  涪陵区: ['兴华中路', '太极大道', '滨江大道', '涪陵中山路'],
  永川区: ['人民大道', '兴龙大道', '昌州大道'],
  江津区: ['鼎山大道', '几江滨江路', '双福大道'],
  合川区: ['南园路', '希尔安大道', '合川新华路'],
};
const GENERIC_STREETS = [
  '人民路',
  '新华路',
  '建设路',
  '解放路',
  '滨江路',
  '中山路',
  '文化路',
  '育才路',
  '工业园区一路',
  '团结路',
  '胜利路',
  '朝阳路',
  '新城大道',
  '商贸城',
];

const BRAND_1 = '鑫恒嘉渝巴聚鸿金华天瑞锦宏德永佳盛新川江隆福祥康泰荣昌兴达诚信和宇峰景博创汇融通利亿星晨阳明云山海润丰源顺安美乐'.split('');
const BRAND_2 = '源达禾兴城福运鼎庭成丰程图润盛和世辰川益泰祥隆辉锐鑫邦发凯宏豪远航康安鹏瀚鸣皓晟瑞恒鸿昊华诚信'.split('');
const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃冉向汤易游'.split(
    '',
  );
const GIVEN =
  '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞波斌宇浩凯健俊帆帅旭宁婷雪琳晨欣悦佳怡梦瑶鑫磊瑜峰亮建国红梅志强海燕丹丹'.split('');

interface IndustryProfile {
  industry: IndustryCode;
  /** Business words for company names (enterprise) or shop words (individual). */
  words: readonly string[];
}

const ENTERPRISE_INDUSTRIES = new Weighted<IndustryProfile>(
  [
    { industry: 'catering', words: ['餐饮管理', '餐饮文化', '火锅', '餐饮服务', '食品'] },
    { industry: 'retail', words: ['商贸', '超市', '百货', '商业管理', '便利连锁'] },
    { industry: 'wholesale', words: ['贸易', '商贸', '供应链管理', '农产品'] },
    { industry: 'food-production', words: ['食品', '调味品', '火锅底料', '食品科技', '饮品'] },
    { industry: 'manufacturing', words: ['机械制造', '汽车零部件', '摩托车配件', '电子科技', '塑胶制品', '新材料'] },
    { industry: 'construction', words: ['建筑工程', '建设工程', '市政工程', '装饰工程', '劳务'] },
    { industry: 'real-estate', words: ['房地产开发', '物业管理', '置业'] },
    { industry: 'transport', words: ['物流', '运输', '货运代理'] },
    { industry: 'it-services', words: ['网络科技', '信息技术', '软件', '数据科技'] },
    { industry: 'business-services', words: ['企业管理咨询', '广告', '会务服务', '人力资源'] },
    { industry: 'accommodation', words: ['酒店管理', '酒店', '宾馆'] },
    { industry: 'pharma-retail', words: ['大药房', '医药连锁', '医疗器械'] },
    { industry: 'healthcare', words: ['门诊部', '口腔门诊部', '中医诊所'] },
    { industry: 'education', words: ['教育咨询', '文化传播', '职业技能培训'] },
    { industry: 'entertainment', words: ['文化娱乐', 'KTV', '电竞'] },
    { industry: 'resident-services', words: ['美容美发', '洗浴', '健身'] },
  ],
  [16, 14, 9, 6, 9, 9, 3, 5, 5, 6, 3, 4, 2, 3, 2, 3],
);

const INDIVIDUAL_INDUSTRIES = new Weighted<IndustryProfile>(
  [
    { industry: 'catering', words: ['小面馆', '火锅店', '串串香', '餐馆', '豆花饭', '烤鱼店', '酸辣粉店', '中餐馆'] },
    { industry: 'retail', words: ['便利店', '超市', '水果店', '副食店', '烟酒店', '服装店', '五金店'] },
    { industry: 'resident-services', words: ['美发店', '美容店', '足浴店', '洗衣店'] },
    { industry: 'accommodation', words: ['旅馆', '宾馆', '民宿'] },
    { industry: 'repair', words: ['汽车修理厂', '摩托车维修部', '汽车美容店'] },
    { industry: 'pharma-retail', words: ['药店', '大药房'] },
    { industry: 'healthcare', words: ['诊所', '中医诊所'] },
  ],
  [38, 34, 10, 5, 7, 4, 2],
);

const COOPERATIVE_PRODUCTS = [
  '蔬菜种植',
  '柑橘种植',
  '脐橙种植',
  '青菜头种植',
  '花椒种植',
  '茶叶种植',
  '中药材种植',
  '生猪养殖',
  '肉牛养殖',
  '山羊养殖',
  '蜜蜂养殖',
  '水产养殖',
  '粮油种植',
  '猕猴桃种植',
];
const SOCIAL_ORG_KINDS = new Weighted<[IndustryCode, string]>(
  [
    ['social-services', '社会工作服务中心'],
    ['social-services', '养老服务中心'],
    ['education', '幼儿园'],
    ['education', '职业培训学校'],
    ['healthcare', '社区卫生服务站'],
  ],
  [3, 3, 3, 2, 1],
);

const TYPES = new Weighted<EntityType>(['enterprise', 'individual', 'cooperative', 'social-org'], [78, 17, 3, 2]);
/** Mostly 存续; a few 停业/歇业 (suspended), 吊销 (revoked), 注销 (closed). */
const STATUSES = new Weighted<EntityStatus>(['active', 'suspended', 'revoked', 'closed'], [95, 2.5, 1.3, 1.2]);

// ─── Entities ─────────────────────────────────────────────────────────────────────────────────────

const B31 = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const M31_6 = 31 ** 6;

/** GB 11714 check character of an 8-character organisation code body (weights 3,7,9,10,5,8,4,2). */
function orgCodeCheck(body: string): string {
  const W = [3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const c = body.charCodeAt(i);
    sum += (c <= 57 ? c - 48 : c - 55) * W[i];
  }
  const v = 11 - (sum % 11);
  return v === 10 ? 'X' : v === 11 ? '0' : String(v);
}

function base31(n: number, width: number): string {
  let s = '';
  for (let i = 0; i < width; i++) {
    s = B31[n % 31] + s;
    n = Math.floor(n / 31);
  }
  return s;
}

interface EntityContext {
  rowKey: number;
  newStyle: Permutation;
  oldStyle: Permutation;
}

const contexts = new Map<string, EntityContext>();
function entityContext(seed: string): EntityContext {
  let c = contexts.get(seed);
  if (!c) {
    const k = deriveKeys(`entities|${seed}`, 9);
    c = { rowKey: k[0], newStyle: new Permutation(M31_6, k.slice(1, 5)), oldStyle: new Permutation(1e8, k.slice(5, 9)) };
    contexts.set(seed, c);
  }
  return c;
}

/** The generator for row `index` of the stream keyed by `key` (index < 2^32). */
function rowRng(key: number, index: number): RowRng {
  return new RowRng(mix32((key ^ mix32((index ^ 0x9e3779b9) >>> 0)) >>> 0));
}

/**
 * Organisation code (positions 9–17). New registrations since 2015 get 'MA…' codes (社会组织 'MJ…'),
 * older enterprises keep their numeric GB 11714 organisation code. Unique per row index by construction:
 * a style's body is a bijection of the index, and the styles differ in their first two characters.
 */
function organisationCode(ctx: EntityContext, index: number, type: EntityType, rng: RowRng): string {
  let body: string;
  if (type === 'enterprise' && rng.chance(0.3)) {
    body = String(ctx.oldStyle.apply(index)).padStart(8, '0');
  } else {
    const prefix = type === 'social-org' ? 'MJ' : 'MA';
    body = prefix + base31(ctx.newStyle.apply(index), 6);
  }
  return body + orgCodeCheck(body);
}

/** Positions 1–2: 9x = registered by market regulation (1 企业, 2 个体工商户, 3 农民专业合作社); 52 = 民政, 民办非企业单位. */
const TYPE_CODES: Record<EntityType, string> = { enterprise: '91', individual: '92', cooperative: '93', 'social-org': '52' };

function chineseName(rng: RowRng): string {
  const given = rng.chance(0.7) ? rng.pick(GIVEN) + rng.pick(GIVEN) : rng.pick(GIVEN);
  return rng.pick(SURNAMES) + given;
}

function brand(rng: RowRng): string {
  const b = rng.pick(BRAND_1) + rng.pick(BRAND_2);
  return rng.chance(0.12) ? b + rng.pick(BRAND_2) : b;
}

function address(rng: RowRng, regionName: string): string {
  const streets = STREETS[regionName] ?? GENERIC_STREETS;
  let a = `重庆市${regionName}${rng.pick(streets)}${1 + rng.int(rng.chance(0.7) ? 200 : 900)}号`;
  const r = rng.next();
  if (r < 0.3) a += `附${1 + rng.int(20)}号`;
  else if (r < 0.6) a += `${1 + rng.int(12)}幢${1 + rng.int(30)}-${1 + rng.int(12)}`;
  else if (r < 0.7) a += `负${1 + rng.int(2)}楼`;
  return a;
}

/** 渝北区 → 渝北, 石柱土家族自治县 → 石柱; two-character names (忠县) stay whole, as in real branch names. */
function shortDistrict(name: string): string {
  if (name.length <= 2) return name;
  return name.replace(/(?:土家族|苗族).*$/, '').replace(/[区县]$/, '');
}

function buildEntity(ctx: EntityContext, index: number): EntityCsvRow {
  const rng = rowRng(ctx.rowKey, index);
  const type = TYPES.pick(rng);
  const region = REGIONS.pick(rng);
  const id = makeUscc(TYPE_CODES[type] + region.code + organisationCode(ctx, index, type, rng));
  const district = region.name;

  let name: string;
  let industry: IndustryCode;
  switch (type) {
    case 'enterprise': {
      const p = ENTERPRISE_INDUSTRIES.pick(rng);
      industry = p.industry;
      const form = rng.chance(0.93) ? '有限公司' : rng.chance(0.5) ? '有限责任公司' : '股份有限公司';
      const place = rng.chance(0.55) ? `重庆市${district}` : '重庆';
      name = `${place}${brand(rng)}${rng.pick(p.words)}${form}`;
      if (rng.chance(0.04)) name = `重庆${brand(rng)}${rng.pick(p.words)}有限公司${shortDistrict(district)}分公司`;
      else if (rng.chance(0.03)) name = `${brand(rng)}${rng.pick(p.words)}（重庆）有限公司`;
      break;
    }
    case 'individual': {
      const p = INDIVIDUAL_INDUSTRIES.pick(rng);
      industry = p.industry;
      const r = rng.next();
      const who = r < 0.35 ? brand(rng) : r < 0.6 ? `老${rng.pick(SURNAMES)}` : r < 0.8 ? `${rng.pick(SURNAMES)}记` : chineseName(rng);
      name = `${rng.chance(0.3) ? '重庆市' : ''}${district}${who}${rng.pick(p.words)}`;
      break;
    }
    case 'cooperative':
      industry = 'agriculture';
      name = `重庆市${district}${brand(rng)}${rng.pick(COOPERATIVE_PRODUCTS)}专业合作社`;
      break;
    default: {
      const [ind, kind] = SOCIAL_ORG_KINDS.pick(rng);
      industry = ind;
      name = `重庆市${district}${brand(rng)}${kind}`;
    }
  }
  return { id, name, type, region: region.code, industry, address: address(rng, district), status: STATUSES.pick(rng) };
}

export interface GenerateEntitiesOptions {
  count: number;
  seed?: string;
  /** Index of the first row (for generating a large set in slices). Default 0. */
  start?: number;
}

function checkCount(count: number, start: number) {
  if (!Number.isInteger(count) || count < 0) throw new RangeError('count must be a non-negative integer');
  if (!Number.isInteger(start) || start < 0) throw new RangeError('start must be a non-negative integer');
  if (start + count > MAX_ENTITIES) throw new RangeError(`at most ${MAX_ENTITIES} entities`);
}

/** Streams `count` entities; constant memory. */
export function* generateEntities(opts: GenerateEntitiesOptions): Generator<EntityCsvRow> {
  const start = opts.start ?? 0;
  checkCount(opts.count, start);
  const ctx = entityContext(opts.seed ?? DEFAULT_SEED);
  const end = start + opts.count;
  for (let i = start; i < end; i++) yield buildEntity(ctx, i);
}

/** Entity number `index` of the stream for `seed` (random access). */
export function entityAt(index: number, seed: string = DEFAULT_SEED): EntityCsvRow {
  checkCount(1, index);
  return buildEntity(entityContext(seed), index);
}

/** Just the ids, in stream order. */
export function* generateEntityIds(opts: GenerateEntitiesOptions): Generator<string> {
  for (const e of generateEntities(opts)) yield e.id;
}

// ─── Grades ───────────────────────────────────────────────────────────────────────────────────────

/** Realistic shares (percent of graded entities) per built-in scheme. */
export const DEFAULT_GRADE_WEIGHTS: Record<string, Record<string, number>> = {
  // Most entities sit in the normal grade; a fifth earn A; few are D.
  'credit-4': { A: 20, B: 65, C: 12, D: 3 },
  'credit-5': { A: 12, B: 28, C: 45, D: 10, E: 5 },
  'risk-4': { LOW: 20, NORMAL: 65, HIGHER: 12, HIGH: 3 },
  'public-4': { EXCELLENT: 15, GOOD: 45, FAIR: 33, POOR: 7 },
  // Close to Guangdong's published 2019 environmental credit results (≈ 21% green, 75% blue, 4% yellow, 0.6% red).
  'env-4': { GREEN: 20, BLUE: 75, YELLOW: 4.4, RED: 0.6 },
};

export interface GenerateGradesOptions {
  scheme?: string | GradeScheme;
  seed?: string;
  /** Share of entities left without an evaluation (they get the scheme's default grade). Default 0.10. */
  ungradedShare?: number;
  /** Relative weight per grade code. Default: {@link DEFAULT_GRADE_WEIGHTS} or equal weights. */
  weights?: Record<string, number>;
  /** Evaluation dates are spread over [from, to] (YYYY-MM-DD, China time). Default 2025-01-01 … 2025-12-31. */
  evaluatedFrom?: string;
  evaluatedTo?: string;
}

function dayList(from: string, to: string): string[] {
  const re = /^\d{4}-\d{2}-\d{2}$/;
  if (!re.test(from) || !re.test(to)) throw new RangeError('evaluatedFrom/evaluatedTo must be YYYY-MM-DD');
  const a = Date.parse(`${from}T00:00:00Z`);
  const b = Date.parse(`${to}T00:00:00Z`);
  if (!(a <= b)) throw new RangeError('evaluatedFrom must not be after evaluatedTo');
  const days: string[] = [];
  // The evaluation is dated at the start of the day in China Standard Time (UTC+8).
  for (let t = a; t <= b; t += 86_400_000) days.push(`${new Date(t).toISOString().slice(0, 10)}T00:00:00+08:00`);
  return days;
}

/**
 * One evaluation per graded entity, in input order; ungraded entities are skipped. An entity's grade and
 * date depend only on (seed, scheme, entity id), not on its position in the stream.
 */
export function* generateGrades(entityIds: Iterable<string>, opts: GenerateGradesOptions = {}): Generator<GradeCsvRow> {
  const scheme = typeof opts.scheme === 'object' ? opts.scheme : builtinGradeScheme(opts.scheme ?? 'credit-4');
  if (!scheme) throw new RangeError(`unknown grade scheme ${String(opts.scheme)}`);
  const weights = opts.weights ?? DEFAULT_GRADE_WEIGHTS[scheme.code] ?? {};
  for (const k of Object.keys(weights)) {
    if (!scheme.grades.some((g) => g.code === k)) throw new RangeError(`weights: unknown grade ${k} in ${scheme.code}`);
  }
  const codes = scheme.grades.map((g) => g.code);
  const picker = new Weighted(
    codes,
    codes.map((c) => (opts.weights || DEFAULT_GRADE_WEIGHTS[scheme.code] ? (weights[c] ?? 0) : 1)),
  );
  const ungraded = opts.ungradedShare ?? 0.1;
  if (!(ungraded >= 0 && ungraded <= 1)) throw new RangeError('ungradedShare must be between 0 and 1');
  const days = dayList(opts.evaluatedFrom ?? '2025-01-01', opts.evaluatedTo ?? '2025-12-31');
  const [key] = deriveKeys(`grades|${scheme.code}|${opts.seed ?? DEFAULT_SEED}`, 1);
  for (const entityId of entityIds) {
    const rng = new RowRng(hashString(entityId, key));
    if (rng.next() < ungraded) continue;
    yield { entityId, scheme: scheme.code, grade: picker.pick(rng), evaluatedAt: days[rng.int(days.length)] };
  }
}

// ─── Inspectors ───────────────────────────────────────────────────────────────────────────────────

export interface GenerateInspectorsOptions {
  departments?: readonly string[];
  perDepartment?: number;
  seed?: string;
}

const INSPECTOR_PREFIX: Record<string, string> = { SCJG: 'SJ', WJW: 'WJ', YJJ: 'YJ' };

/** `perDepartment` law-enforcement officers per department, ids like SJ-001, certificate numbers 50xxxxxxxx. */
export function* generateInspectors(opts: GenerateInspectorsOptions = {}): Generator<InspectorCsvRow> {
  const departments = opts.departments ?? DEMO_DEPARTMENTS.map((d) => d.code);
  const per = opts.perDepartment ?? 12;
  if (!Number.isInteger(per) || per < 0 || per > 999_999) throw new RangeError('perDepartment must be an integer 0–999999');
  const keys = deriveKeys(`inspectors|${opts.seed ?? DEFAULT_SEED}`, 5);
  const certificates = new Permutation(1e8, keys.slice(1));
  let serial = 0;
  for (const dept of departments) {
    const prefix = INSPECTOR_PREFIX[dept] ?? dept;
    const items = DEMO_ITEMS.filter((it) => it.departmentCode === dept).map((it) => it.code);
    const width = Math.max(3, String(per).length);
    for (let n = 1; n <= per; n++, serial++) {
      const rng = rowRng(keys[0], serial);
      let qualifications = '';
      // Most officers may check every item of their department (empty list); some are limited to one or two.
      if (items.length && rng.chance(0.3)) {
        const chosen = items.filter(() => rng.chance(0.5));
        qualifications = (chosen.length ? chosen : [rng.pick(items)]).join(';');
      }
      yield {
        id: `${prefix}-${String(n).padStart(width, '0')}`,
        name: chineseName(rng),
        department: dept,
        certificateNo: '50' + String(certificates.apply(serial)).padStart(8, '0'),
        qualifications,
      };
    }
  }
}

// ─── Recusals ─────────────────────────────────────────────────────────────────────────────────────

export const RECUSAL_REASONS = [
  '亲属关系',
  '近亲属在该企业任职',
  '曾在该企业任职',
  '与该企业负责人有利害关系',
  '曾参与该企业相关案件办理',
  '与该企业存在经济往来',
  '本人申请回避',
] as const;

export interface GenerateRecusalsOptions {
  /** Number of pairs. Default 36. */
  count?: number;
  seed?: string;
  /** The entity stream the pairs refer to (entities 0 … count−1 of that seed). */
  entities: { count: number; seed?: string };
  /** The inspectors, or the options they were generated with. */
  inspectors?: Iterable<InspectorCsvRow> | GenerateInspectorsOptions;
}

/**
 * Distinct (inspector, entity) pairs. An entity is recused from at most one inspector per department, so a
 * plan never loses more than one candidate per department for any entity.
 */
export function* generateRecusals(opts: GenerateRecusalsOptions): Generator<RecusalCsvRow> {
  const count = opts.count ?? 36;
  const entityCount = opts.entities.count;
  checkCount(entityCount, 0);
  const inspectorSource = opts.inspectors;
  const inspectors =
    inspectorSource && typeof (inspectorSource as Iterable<InspectorCsvRow>)[Symbol.iterator] === 'function'
      ? [...(inspectorSource as Iterable<InspectorCsvRow>)]
      : [...generateInspectors((inspectorSource as GenerateInspectorsOptions | undefined) ?? {})];
  if (!count || !inspectors.length || !entityCount) return;
  const departments = [...new Set(inspectors.map((i) => i.department))];
  const max = Math.min(count, entityCount * departments.length);
  const [key] = deriveKeys(`recusals|${opts.seed ?? DEFAULT_SEED}`, 1);
  const ctx = entityContext(opts.entities.seed ?? DEFAULT_SEED);
  const used = new Set<string>();
  let produced = 0;
  for (let attempt = 0; produced < max && attempt < max * 50; attempt++) {
    const rng = rowRng(key, attempt);
    const inspector = rng.pick(inspectors);
    const entityIndex = rng.int(entityCount);
    const slot = `${inspector.department}\t${entityIndex}`;
    if (used.has(slot)) continue;
    used.add(slot);
    produced++;
    yield { inspectorId: inspector.id, entityId: buildEntity(ctx, entityIndex).id, reason: rng.pick(RECUSAL_REASONS) };
  }
}

// ─── CLI ──────────────────────────────────────────────────────────────────────────────────────────

const USAGE = `Usage: npx tsx scripts/demo-data.ts <kind> [options]

kinds:
  entities     --count N (default 5000) [--start I]
  grades       --count N (entities 0…N−1) [--scheme credit-4] [--ungraded 0.1] [--entity-seed S]
  inspectors   [--per-department 12] [--departments SCJG,WJW,YJJ]
  recusals     [--count 36] --entities N [--entity-seed S] [--per-department 12] [--departments …]

common:
  --seed S     seed (default ${DEFAULT_SEED}); the same seed gives the same data
  --out FILE   write to FILE instead of stdout
`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        count: { type: 'string' },
        start: { type: 'string' },
        seed: { type: 'string' },
        'entity-seed': { type: 'string' },
        scheme: { type: 'string' },
        ungraded: { type: 'string' },
        'per-department': { type: 'string' },
        departments: { type: 'string' },
        entities: { type: 'string' },
        out: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values: v, positionals } = parsed;
  const kind = positionals[0];
  if (v.help || !kind) {
    process.stderr.write(USAGE);
    return v.help ? 0 : 2;
  }
  const int = (name: string, s: string | undefined, def: number): number => {
    if (s === undefined) return def;
    const n = Number(s.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
    return n;
  };
  const seed = v.seed ?? DEFAULT_SEED;
  const entitySeed = v['entity-seed'] ?? seed;
  const inspectorOpts: GenerateInspectorsOptions = {
    seed,
    perDepartment: int('per-department', v['per-department'], 12),
    departments: v.departments
      ? v.departments
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined,
  };

  let lines: Iterable<string>;
  switch (kind) {
    case 'entities':
      lines = toCsv(generateEntities({ count: int('count', v.count, 5000), start: int('start', v.start, 0), seed }), ENTITY_CSV_HEADER);
      break;
    case 'grades': {
      const ungraded = v.ungraded === undefined ? undefined : Number(v.ungraded);
      lines = toCsv(
        generateGrades(generateEntityIds({ count: int('count', v.count, 5000), seed: entitySeed }), {
          scheme: v.scheme ?? 'credit-4',
          seed,
          ungradedShare: ungraded,
        }),
        GRADE_CSV_HEADER,
      );
      break;
    }
    case 'inspectors':
      lines = toCsv(generateInspectors(inspectorOpts), INSPECTOR_CSV_HEADER);
      break;
    case 'recusals':
      lines = toCsv(
        generateRecusals({
          count: int('count', v.count, 36),
          seed,
          entities: { count: int('entities', v.entities, 5000), seed: entitySeed },
          inspectors: inspectorOpts,
        }),
        RECUSAL_CSV_HEADER,
      );
      break;
    default:
      process.stderr.write(`unknown kind ${JSON.stringify(kind)}\n\n${USAGE}`);
      return 2;
  }

  const out = v.out ? createWriteStream(v.out) : process.stdout;
  let closed = false;
  if (!v.out) {
    // `… | head` closes the pipe early: stop quietly instead of failing with EPIPE.
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      closed = true;
      out.emit('drain');
    });
  }
  const started = performance.now();
  let rows = -1; // the header is not a row
  let buf = '';
  for (const line of lines) {
    if (closed) return 0;
    buf += line;
    rows++;
    if (buf.length >= 1 << 16) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  if (closed) return 0;
  if (buf) out.write(buf);
  if (v.out) {
    out.end();
    await once(out, 'finish');
  }
  const secs = (performance.now() - started) / 1000;
  process.stderr.write(
    `${kind}: ${Math.max(rows, 0)} rows in ${secs.toFixed(2)} s (${Math.round(Math.max(rows, 0) / Math.max(secs, 1e-9)).toLocaleString('en')} rows/s)` +
      (v.out ? ` → ${v.out}` : '') +
      '\n',
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`error: ${(e as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
