import t from 'tap';
import { parse } from 'csv-parse/sync';
import { validateUscc, parseUscc } from '../../src/core/uscc.ts';
import { CHONGQING_REGIONS, isChongqingRegionCode } from '../../src/core/regions.ts';
import { BUILTIN_GRADE_SCHEMES, builtinGradeScheme } from '../../src/core/grade-schemes.ts';
import {
  DEFAULT_GRADE_WEIGHTS,
  DEMO_DEPARTMENTS,
  DEMO_INDUSTRIES,
  DEMO_ITEMS,
  ENTITY_CSV_HEADER,
  GRADE_CSV_HEADER,
  INSPECTOR_CSV_HEADER,
  RECUSAL_CSV_HEADER,
  csvField,
  csvLine,
  entityAt,
  generateEntities,
  generateEntityIds,
  generateGrades,
  generateInspectors,
  generateRecusals,
  toCsv,
  toCsvString,
  type EntityCsvRow,
} from '../../scripts/demo-data.ts';

const N = 50_000;
const entities = [...generateEntities({ count: N, seed: 'test' })];

t.test('every credit code is valid, with a real 重庆 region and a realistic prefix', async (t) => {
  let bad = 0;
  const prefixes = new Map<string, number>();
  for (const e of entities) {
    const v = validateUscc(e.id);
    if (!v.ok) {
      bad++;
      t.fail(`${e.id}: ${v.message}`);
      continue;
    }
    const p = parseUscc(e.id);
    if (p.region !== e.region || !isChongqingRegionCode(p.region)) {
      bad++;
      t.fail(`${e.id}: region ${p.region} vs ${e.region}`);
    }
    const prefix = p.registrationAuthority + p.entityType;
    prefixes.set(prefix, (prefixes.get(prefix) ?? 0) + 1);
    const expected = { enterprise: '91', individual: '92', cooperative: '93', 'social-org': '52' }[e.type];
    if (prefix !== expected) {
      bad++;
      t.fail(`${e.id} is ${e.type} but starts with ${prefix}`);
    }
    // The spec's entity-id rule (draw-protocol-v1 §1).
    if (!/^[0-9A-Za-z._-]{1,64}$/.test(e.id)) bad++;
  }
  t.equal(bad, 0, `${N} codes valid`);
  t.same([...prefixes.keys()].sort(), ['52', '91', '92', '93']);
  t.ok(prefixes.get('91')! / N > 0.7, 'mostly 91 企业');
  t.ok(prefixes.get('92')! / N > 0.1, 'some 92 个体工商户');
  t.ok(prefixes.get('93')! / N < 0.06 && prefixes.get('52')! / N < 0.06, 'a few 93 and 52');
});

t.test('ids are unique', async (t) => {
  t.equal(new Set(entities.map((e) => e.id)).size, N);
  // Slices with `start` continue the same stream, so a large set can be generated in parts without repeats.
  const more = [...generateEntityIds({ count: 1000, start: N, seed: 'test' })];
  const all = new Set([...entities.map((e) => e.id), ...more]);
  t.equal(all.size, N + 1000);
});

t.test('realistic fields', async (t) => {
  const industries = new Set<string>(DEMO_INDUSTRIES.map((i) => i.code));
  const regionNames = new Map(CHONGQING_REGIONS.map((r) => [r.code, r.name]));
  let active = 0;
  const regionsSeen = new Set<string>();
  const problems: string[] = [];
  for (const e of entities.slice(0, 10_000)) {
    if (!industries.has(e.industry)) problems.push(`industry ${e.industry}`);
    if (!/[\u4e00-\u9fff]/.test(e.name) || e.name.length < 5) problems.push(`name ${e.name}`);
    const district = regionNames.get(e.region)!;
    if (!e.address.startsWith(`重庆市${district}`)) problems.push(`address not in ${district}: ${e.address}`);
    if ((e.type !== 'enterprise' || e.name.startsWith('重庆市')) && !e.name.includes(district) && !e.name.includes(district.slice(0, 2))) {
      problems.push(`name does not mention ${district}: ${e.name}`);
    }
    if (e.status === 'active') active++;
    regionsSeen.add(e.region);
  }
  t.same(problems, []);
  t.ok(active / 10_000 > 0.9, 'mostly active');
  // The statuses the entity import accepts (ENTITY_STATUSES in src/routes/entities/import.ts).
  const accepted = new Set(['active', 'inactive', 'suspended', 'revoked', 'closed']);
  t.same(
    entities.filter((e) => !accepted.has(e.status)).map((e) => e.status),
    [],
  );
  t.ok(
    entities.some((e) => e.status !== 'active'),
    'a few are not active',
  );
  t.ok(regionsSeen.size >= 30, 'spread over the districts and counties');
  t.ok(entities.some((e) => e.name.endsWith('有限公司')));
  t.ok(entities.some((e) => e.type === 'individual' && /(便利店|小面馆|火锅店)$/.test(e.name)));
  t.ok(entities.some((e) => e.name.endsWith('专业合作社')));
});

t.test('deterministic for a seed; other seeds differ; random access agrees', async (t) => {
  const again = [...generateEntities({ count: 2000, seed: 'test' })];
  t.same(again, entities.slice(0, 2000));
  t.same(entityAt(12_345, 'test'), entities[12_345]);
  t.same([...generateEntities({ count: 10, start: 40_000, seed: 'test' })], entities.slice(40_000, 40_010));
  const other = [...generateEntities({ count: 2000, seed: 'other' })];
  const overlap = other.filter((e, i) => e.id === entities[i].id).length;
  t.equal(overlap, 0);
  // The default seed is stable too (the demo relies on it).
  t.same([...generateEntities({ count: 3 })], [...generateEntities({ count: 3 })]);
  t.same(entityAt(0), [...generateEntities({ count: 1 })][0]);
});

t.test('CSV quoting round-trips through a real CSV parser', async (t) => {
  t.equal(csvField('plain'), 'plain');
  t.equal(csvField('a,b'), '"a,b"');
  t.equal(csvField('say "hi"'), '"say ""hi"""');
  t.equal(csvField('two\nlines'), '"two\nlines"');
  t.equal(csvField(' padded'), '" padded"');
  t.equal(csvField(null), '');
  t.equal(csvField(undefined), '');
  t.equal(csvField(42), '42');
  t.equal(csvLine(['a', 'b,c', '']), 'a,"b,c",\n');

  const tricky: EntityCsvRow[] = [
    { ...entities[0], name: '重庆市渝北区"老张",李记火锅店' },
    { ...entities[1], name: '含\r\n换行的名称', address: ' 前后空格 ' },
    { ...entities[2], name: '"' },
    { ...entities[3], name: ',' },
    ...entities.slice(4, 200),
  ];
  const text = toCsvString(tricky, ENTITY_CSV_HEADER);
  t.ok(text.startsWith('id,name,type,region,industry,address,status\n'));
  const records = parse(text, { columns: true, relax_quotes: false }) as Record<string, string>[];
  t.equal(records.length, tricky.length);
  t.same(
    records,
    tricky.map((r) => ({ ...r })),
  );
  // Streaming and whole-string forms agree.
  t.equal([...toCsv(tricky, ENTITY_CSV_HEADER)].join(''), text);
});

t.test('headers', async (t) => {
  t.same([...ENTITY_CSV_HEADER], ['id', 'name', 'type', 'region', 'industry', 'address', 'status']);
  t.same([...GRADE_CSV_HEADER], ['entityId', 'scheme', 'grade', 'evaluatedAt']);
  t.same([...INSPECTOR_CSV_HEADER], ['id', 'name', 'department', 'certificateNo', 'qualifications']);
  t.same([...RECUSAL_CSV_HEADER], ['inspectorId', 'entityId', 'reason']);
});

t.test('grades: skew as configured, about 10% ungraded, stable per entity', async (t) => {
  const ids = entities.map((e) => e.id);
  const grades = [...generateGrades(ids, { scheme: 'credit-4', seed: 'test' })];
  const share = grades.length / ids.length;
  t.ok(share > 0.88 && share < 0.92, `graded share ${share.toFixed(3)} ≈ 0.90`);
  const counts: Record<string, number> = {};
  for (const g of grades) counts[g.grade] = (counts[g.grade] ?? 0) + 1;
  const expected = DEFAULT_GRADE_WEIGHTS['credit-4'];
  t.same(expected, { A: 20, B: 65, C: 12, D: 3 });
  for (const [grade, pct] of Object.entries(expected)) {
    const got = (100 * counts[grade]) / grades.length;
    t.ok(Math.abs(got - pct) < 1, `${grade}: ${got.toFixed(2)}% ≈ ${pct}%`);
  }
  for (const g of grades.slice(0, 1000)) {
    t.equal(g.scheme, 'credit-4');
    t.match(g.evaluatedAt, /^2025-\d{2}-\d{2}T00:00:00\+08:00$/);
    t.ok(!Number.isNaN(Date.parse(g.evaluatedAt)));
  }
  // Same entity, same grade, whatever else is in the stream.
  const subset = [...generateGrades(ids.slice(100, 300).reverse(), { scheme: 'credit-4', seed: 'test' })];
  const byId = new Map(grades.map((g) => [g.entityId, g]));
  for (const g of subset) t.same(g, byId.get(g.entityId));
  const first500 = new Set(ids.slice(0, 500));
  t.same(
    [...generateGrades(ids.slice(0, 500), { seed: 'test' })],
    grades.filter((g) => first500.has(g.entityId)),
  );

  // Custom weights and no ungraded entities.
  const custom = [...generateGrades(ids.slice(0, 5000), { seed: 'x', ungradedShare: 0, weights: { A: 1, D: 1 } })];
  t.equal(custom.length, 5000);
  t.same(new Set(custom.map((g) => g.grade)), new Set(['A', 'D']));
  t.throws(() => [...generateGrades(ids, { weights: { Z: 1 } })], /unknown grade Z/);
  t.throws(() => [...generateGrades(ids, { scheme: 'nope' })], /unknown grade scheme/);

  // Every built-in scheme works and only uses its own grade codes.
  for (const s of BUILTIN_GRADE_SCHEMES) {
    const gs = [...generateGrades(ids.slice(0, 2000), { scheme: s.code, seed: 'test' })];
    const codes = new Set(builtinGradeScheme(s.code)!.grades.map((g) => g.code));
    t.ok(gs.length > 1500 && gs.every((g) => codes.has(g.grade) && g.scheme === s.code), s.code);
  }
});

t.test('inspectors', async (t) => {
  const inspectors = [...generateInspectors({ departments: ['SCJG', 'WJW', 'YJJ'], perDepartment: 20, seed: 'test' })];
  t.equal(inspectors.length, 60);
  t.equal(new Set(inspectors.map((i) => i.id)).size, 60, 'unique ids');
  t.equal(new Set(inspectors.map((i) => i.certificateNo)).size, 60, 'unique certificate numbers');
  const itemCodes = new Set(DEMO_ITEMS.map((i) => i.code));
  for (const i of inspectors) {
    t.match(i.id, /^[0-9A-Za-z._-]{1,64}$/);
    t.match(i.certificateNo, /^50\d{8}$/);
    t.match(i.name, /^[\u4e00-\u9fff]{2,3}$/);
    for (const q of i.qualifications ? i.qualifications.split(';') : []) {
      t.ok(itemCodes.has(q) && q.startsWith(i.department), `${i.id} qualification ${q}`);
    }
  }
  t.ok(inspectors.filter((i) => i.qualifications === '').length > 30, 'often empty');
  t.ok(
    inspectors.some((i) => i.qualifications !== ''),
    'sometimes limited',
  );
  t.same(inspectors, [...generateInspectors({ perDepartment: 20, seed: 'test' })], 'default departments, deterministic');
  t.same(
    inspectors.slice(0, 3).map((i) => i.id),
    ['SJ-001', 'SJ-002', 'SJ-003'],
  );
});

t.test('recusals', async (t) => {
  const inspectors = [...generateInspectors({ perDepartment: 12, seed: 'test' })];
  const recusals = [...generateRecusals({ count: 40, seed: 'test', entities: { count: 5000, seed: 'test' }, inspectors })];
  t.equal(recusals.length, 40);
  const entityIds = new Set(entities.slice(0, 5000).map((e) => e.id));
  const inspectorById = new Map(inspectors.map((i) => [i.id, i]));
  const pairs = new Set<string>();
  const perEntityDept = new Set<string>();
  for (const r of recusals) {
    t.ok(entityIds.has(r.entityId), `entity ${r.entityId} is among the first 5000`);
    t.ok(inspectorById.has(r.inspectorId));
    t.ok(r.reason.length > 0);
    pairs.add(`${r.inspectorId}|${r.entityId}`);
    perEntityDept.add(`${inspectorById.get(r.inspectorId)!.department}|${r.entityId}`);
  }
  t.equal(pairs.size, 40, 'distinct pairs');
  t.equal(perEntityDept.size, 40, 'at most one recusal per entity and department');
  t.ok(recusals.some((r) => r.reason === '亲属关系' || r.reason === '曾在该企业任职'));
  t.same(
    [...generateRecusals({ count: 40, seed: 'test', entities: { count: 5000, seed: 'test' }, inspectors: { perDepartment: 12, seed: 'test' } })],
    recusals,
    'deterministic; inspectors may be given as options',
  );
  t.same([...generateRecusals({ count: 10, entities: { count: 0 } })], []);
});

t.test('departments and items', async (t) => {
  t.same(
    DEMO_DEPARTMENTS.map((d) => d.code),
    ['SCJG', 'WJW', 'YJJ'],
  );
  t.equal(DEMO_DEPARTMENTS[0].name, '重庆市市场监督管理局');
  const depts = new Set<string>(DEMO_DEPARTMENTS.map((d) => d.code));
  t.ok(DEMO_ITEMS.length >= 5);
  t.equal(new Set(DEMO_ITEMS.map((i) => i.code)).size, DEMO_ITEMS.length);
  for (const item of DEMO_ITEMS) {
    t.match(item.code, /^[0-9A-Za-z_-]{1,32}$/);
    t.ok(depts.has(item.departmentCode));
    t.ok(item.code.startsWith(item.departmentCode + '-'));
    t.equal(item.gradeScheme, 'credit-4');
    t.ok(item.targetType === null || ['enterprise', 'individual', 'cooperative', 'social-org'].includes(item.targetType));
    t.ok(item.legalBasis.includes('《'));
  }
  t.same(
    DEMO_ITEMS.filter((i) => ['SCJG-001', 'SCJG-002', 'WJW-001'].includes(i.code)).map((i) => i.name),
    ['企业公示信息抽查', '食品经营许可事项检查', '公共场所卫生检查'],
  );
});
