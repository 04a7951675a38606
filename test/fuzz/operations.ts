/**
 * The operations the fuzz test drives — every operation of the OpenAPI document plus the portal's pages (hidden
 * from the document) — and, per operation, a fast-check arbitrary of requests: valid-ish values with one hostile
 * part (a path or query parameter, a body member, a header, the whole body) and each role's token, a bad one or none.
 */
import fc from 'fast-check';
import {
  BAD_AUTHORIZATION,
  CONTROL_HEAVY,
  HOSTILE_JSON_BODIES,
  HOSTILE_STRINGS,
  HOSTILE_SUFFIXES,
  HOSTILE_URL_VALUES,
  UNKNOWN_MEMBERS,
  URL_HEAVY,
  hostileImportBodies,
  hostileJsonValue,
  toJsonText,
} from './hostile.ts';
import { type Hints, type Schema, deleteAt, getAt, pathsOf, resolver, setAt, validArb } from './schema-arb.ts';
import { type FuzzState, type Role, uscc } from './state.ts';

export interface Param {
  name: string;
  schema: Schema;
  required: boolean;
}

export interface Operation {
  /** "GET /api/v1/plans/{id}" */
  key: string;
  method: string;
  path: string;
  portal: boolean;
  secured: boolean;
  pathParams: Param[];
  queryParams: Param[];
  headerParams: Param[];
  /** JSON body schema, or the CSV header of an import route. */
  json?: Schema;
  importHeader?: string;
}

/** One generated request before it is written out: what the driver sends and reports. */
export interface FuzzCase {
  op: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** Which token (a role, "bad: …" or "none"). */
  auth: string;
  /** What is hostile in it. */
  focus: string;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

/** Every operation of the document (`app.swagger()`), then the portal's pages. */
export function operationsOf(doc: Schema): Operation[] {
  const resolve = resolver(doc);
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Schema>>)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const params = ((op.parameters ?? []) as Schema[]).map(resolve);
      const of = (where: string) =>
        params.filter((p) => p.in === where).map((p) => ({ name: p.name as string, schema: resolve(p.schema), required: Boolean(p.required) }));
      const content = (op.requestBody?.content ?? {}) as Record<string, { schema?: Schema }>;
      const importHeader = content['text/csv'] ? IMPORT_HEADERS[path] : undefined;
      if (content['text/csv'] && !importHeader) throw new Error(`fuzz: no CSV header known for ${path}`);
      ops.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        portal: false,
        secured: Array.isArray(op.security) && op.security.length > 0,
        pathParams: of('path'),
        queryParams: of('query'),
        headerParams: of('header'),
        json: content['application/json'] ? resolve(content['application/json'].schema) : undefined,
        importHeader,
      });
    }
  }
  return [...ops, ...PORTAL_OPERATIONS];
}

const IMPORT_HEADERS: Record<string, string> = {
  '/api/v1/entities/import': 'id,name,type,region,industry',
  '/api/v1/grades/import': 'entityId,scheme,grade,evaluatedAt',
  '/api/v1/inspectors/import': 'id,name,department,certificateNo,qualifications',
  '/api/v1/recusals/import': 'inspectorId,entityId,reason',
  '/api/v1/commitments/import': 'source,reference,entityId,kind,madeOn,checkBy',
};

const str = { type: 'string' };
const q = (name: string): Param => ({ name, schema: str, required: false });
const portal = (path: string, pathParams: string[], query: string[]): Operation => ({
  key: `GET ${path}`,
  method: 'GET',
  path,
  portal: true,
  secured: false,
  pathParams: pathParams.map((name) => ({ name, schema: str, required: true })),
  queryParams: query.map(q),
  headerParams: [],
});

/** The portal's routes and the query parameters they read (src/portal/index.ts); they are hidden from the document. */
const PORTAL_OPERATIONS: Operation[] = [
  portal('/', [], ['year', 'status', 'department', 'item', 'page']),
  portal('/plans/{id}', ['id'], ['page']),
  portal('/entities', [], ['q', 'page']),
  portal('/entities/{id}', ['id'], []),
  portal('/ledger', [], ['plan', 'page']),
  portal('/verify', [], ['plan']),
  portal('/verify/{planId}', ['planId'], []),
  portal('/assets/portal.css', [], []),
  portal('/programmes', [], ['page']),
  portal('/programmes/{id}', ['id'], []),
];

/**
 * Values that exist in the fuzz state, by parameter or member name; `pathHints` by operation first. Writes that
 * would stop later runs from reaching anything are steered away from what the run depends on (see each comment).
 */
export function hintsOf(state: FuzzState) {
  const plans = Object.values(state.planIds);
  const otherInspectors = state.inspectorIds.filter((id) => id !== state.tokenInspector);
  const common: Hints = {
    id: plans,
    planId: plans,
    plan: plans,
    code: ['SCJG'],
    department: ['SCJG', 'WJW'],
    departmentCode: ['SCJG', 'WJW'],
    item: ['SCJG-ZL', 'WJW-GW'],
    items: [['SCJG-ZL'], ['SCJG-ZL', 'WJW-GW'], ['WJW-GW']],
    entity: state.entityIds,
    entityId: state.entityIds,
    inspector: state.inspectorIds,
    inspectorId: state.inspectorIds,
    scheme: ['credit-4'],
    gradeScheme: ['credit-4'],
    year: [2026, 2025],
    q: ['重庆', '1号', 'MA'],
    region: ['500112', '500103'],
    type: ['enterprise'],
    industry: ['I65'],
    mine: ['1', true],
    dryRun: [true, false],
    from: state.ledgerSeqs,
    seq: state.ledgerSeqs,
    page: ['1', '2'],
    // The real cursor, and forged ones (its encoding around hostile content), for the cursor's decoder.
    cursor: [
      ...state.cursors,
      ...state.cursors.map((c) => `${c.slice(0, -2)}`),
      ...['e1:\u0000', `e1:${'重'.repeat(300)}`, 'e1:', 'e2:x', "e1:' OR '1'='1", 'e1:\ud800', '\xff\xfe'].map((c) =>
        Buffer.from(c).toString('base64url'),
      ),
    ],
    limit: [1, 10, 100],
    offset: [0, 1],
    // Departments, items and inspectors stay active, so that plans can still be made and the inspector token works.
    active: [true],
    title: ['2026 年度双随机抽查'],
    ratiosBp: [
      { A: 2000, B: 3000, C: 5000, D: 10000 },
      { A: 10000, B: 10000, C: 10000, D: 10000 },
    ],
    baseRatioBp: [500, 10000],
    inspectorsPerTask: [{ SCJG: 2 }, { SCJG: 2, WJW: 2 }],
    filters: [{ regions: ['500112'] }, {}],
    entropySource: ['区司法局见证，掷骰 5 次'],
    entropyAt: [new Date(Date.now() + 3 * 3600_000).toISOString()],
    witnesses: [['区司法局', '区纪委监委派驻组']],
    window: [{ from: '2026-01-05', to: '2099-12-31' }],
    publicEntropy: ['6 2 5 3 1'],
    contributions: [
      [
        { witness: '区司法局', value: '6 2 5 3 1' },
        { witness: '区纪委监委派驻组', value: '4 4 2 6 1' },
      ],
    ],
    reason: ['见证人未到场'],
    resultCode: ['no-issue', 'pending-action'],
    inspectedOn: [state.today],
    findings: ['现场检查未发现问题'],
    followUp: ['none', 'notify-department'],
    scope: ['all', 'finished'],
    corrects: [1, 2],
    note: ['更正录入错误'],
    label: ['测试'],
    role: ['auditor', 'planner', 'inspector'],
    name: ['重庆测试名称'],
    kind: ['holiday', 'workday'],
    qualifications: [['SCJG-ZL'], []],
    certificateNo: ['ZF-000001'],
    defaultGrade: ['B'],
    programme: [state.programmeIds.published, state.programmeIds.draft],
    batch: [1, 2],
    departments: [['SCJG', 'WJW'], ['SCJG']],
    lines: [state.programmeBody.lines],
    notes: ['依据《重庆市信用分级分类监管办法》'],
  };
  const programmes = [state.programmeIds.published, state.programmeIds.draft];
  const plan = {
    title: '2026 年度渝北区企业公示信息抽查',
    items: ['SCJG-ZL'],
    gradeScheme: 'credit-4',
    baseRatioBp: 5000,
    inspectorsPerTask: { SCJG: 2 },
    filters: { regions: ['500112'] },
    entropySource: '区司法局、区纪委监委派驻组见证，各掷骰 5 次',
    window: { from: '2026-01-05', to: '2099-12-31' },
  };
  const result = { resultCode: 'no-issue', inspectedOn: state.today, findings: '公示信息与实际一致', followUp: 'none' };
  // Whole valid bodies (hint name ''), so that one hostile member is met past the schema, by the domain and the database.
  const pathHints: Record<string, Hints> = {
    'POST /api/v1/tokens': {
      '': [
        { role: 'auditor', label: '审计' },
        { role: 'inspector', inspectorId: otherInspectors[0] },
      ],
    },
    'POST /api/v1/plans': { '': [plan, { ...plan, items: ['SCJG-ZL', 'WJW-GW'], inspectorsPerTask: { SCJG: 2, WJW: 2 }, witnesses: ['区司法局'] }] },
    'PATCH /api/v1/plans/{id}': {
      id: state.draftsToPatch,
      '': [{ title: '改名后的计划' }, { baseRatioBp: 3000, ratiosBp: null }, { filters: { regions: ['500103'] } }],
    },
    'GET /api/v1/plans/{id}/preview': { id: state.draftsToPatch },
    'POST /api/v1/plans/{id}/commit': { id: state.draftsToCommit, '': [{ entropyAt: new Date(Date.now() + 3 * 3600_000).toISOString() }, {}] },
    'POST /api/v1/plans/{id}/draw': { id: [state.planIds.committedDue, state.planIds.drawn], '': [{ publicEntropy: '6 2 5 3 1' }] },
    'POST /api/v1/plans/{id}/void': { id: [state.planIds.committedLater, state.planIds.committedDue], '': [{ reason: '见证人未到场，改期' }] },
    'POST /api/v1/plans/{id}/publish': { id: [state.planIds.drawn], '': [{ scope: 'all' }, { scope: 'finished', note: '补充公示' }] },
    'PUT /api/v1/tasks/{id}/result': { id: state.taskIds, '': [result, { ...result, resultCode: 'pending-action', followUp: 'notify-department' }] },
    'PUT /api/v1/grade-schemes/{code}': {
      // credit-4 is the scheme of every plan here: leave it alone.
      code: ['fz-scheme', 'credit-5'],
      '': [
        {
          name: '测试分级',
          grades: [
            { code: 'A', label: '优', multiplierPct: 50, mode: 'written' },
            { code: 'B', label: '差', multiplierPct: 200, mode: 'onsite' },
          ],
          defaultGrade: 'B',
          public: false,
        },
      ],
    },
    'PATCH /api/v1/entities/{id}': { id: state.entityIds, '': [{ name: '重庆改名有限公司' }, { address: '重庆市渝北区某路 1 号', tags: ['餐饮'] }] },
    // The inspector token's inspector is never patched (deactivated or moved, the inspector token would stop working).
    'PATCH /api/v1/inspectors/{id}': { id: otherInspectors, '': [{ name: '新名字' }, { qualifications: ['SCJG-ZL'] }] },
    'PUT /api/v1/recusals/{inspectorId}/{entityId}': { inspectorId: otherInspectors, '': [{ reason: '曾在该企业任职' }] },
    // The codes results use here are left alone (a generated body may deactivate what it writes).
    'PUT /api/v1/result-codes/{code}': { code: ['fz-code', 'fz-code-2'], '': [{ label: '测试结果', departmentCode: 'SCJG' }] },
    'PUT /api/v1/follow-up-actions/{code}': { code: ['fz-action', 'fz-action-2'], '': [{ label: '测试处置', requiresDeadline: false }] },
    'PUT /api/v1/calendar/{date}': { date: ['2026-10-08', '2026-12-12'], '': [{ kind: 'holiday', name: '测试假日' }] },
    // Only the spare tokens may be revoked: the role tokens must keep working.
    'DELETE /api/v1/tokens/{id}': { id: state.spareTokenIds },
    // SCJG stays as it is (every plan here is SCJG's); WJW and a new department may change, even become inactive.
    'PUT /api/v1/departments/{code}': { code: ['FZ-DEPT', 'WJW'], '': [{ name: '重庆市市场监督管理局', active: true }] },
    // SCJG-ZL is in every plan; a new item and WJW-GW may change.
    'PUT /api/v1/items/{code}': {
      code: ['FZ-ITEM', 'WJW-GW'],
      '': [{ name: '公共场所卫生检查', departmentCode: 'WJW', gradeScheme: 'credit-4', legalBasis: '《公共场所卫生管理条例》' }],
    },
    'POST /api/v1/programmes': { '': [state.programmeBody] },
    // Only the draft is patched; the published one is offered to publish again (409) and stays as it is.
    'PATCH /api/v1/programmes/{id}': { id: [state.programmeIds.draft], '': [{ title: '改名后的年度计划' }, { notes: '补充说明' }] },
    'POST /api/v1/programmes/{id}/publish': { id: [state.programmeIds.published] },
    'GET /api/v1/programmes/{id}': { id: programmes },
    'GET /public/v1/programmes/{id}': { id: programmes },
    'GET /programmes/{id}': { id: programmes },
    'GET /api/v1/follow-ups/{id}': { id: state.followUpIds },
    'PUT /api/v1/follow-ups/{id}/outcome': {
      id: state.followUpIds,
      '': [
        { checkedOn: state.today, outcome: 'rectified', findings: '已整改' },
        { checkedOn: state.today, outcome: 'not-rectified', actions: ['interview'] },
      ],
    },
    'POST /api/v1/plans/{id}/follow-ups/publish': { id: [state.planIds.drawn], '': [{}, { department: 'SCJG' }] },
    'GET /api/v1/departments/{code}': { code: ['SCJG', 'WJW'] },
    'GET /api/v1/grade-schemes/{code}': { code: ['credit-4', 'env-4'] },
    'GET /api/v1/items/{code}': { code: ['SCJG-ZL', 'WJW-GW'] },
    'GET /api/v1/entities/{id}': { id: state.entityIds },
    'GET /api/v1/entities/{id}/grades': { id: state.entityIds },
    'GET /api/v1/inspectors/{id}': { id: state.inspectorIds },
    'DELETE /api/v1/recusals/{inspectorId}/{entityId}': { inspectorId: state.inspectorIds },
    'GET /api/v1/plans/{id}/snapshot/{file}': { file: ['entities.tsv', 'inspectors.tsv', 'recusals.tsv'] },
    'GET /api/v1/tasks/{id}': { id: state.taskIds },
    'GET /api/v1/tasks/{id}/result': { id: state.taskIds },
    'GET /api/v1/tasks/{id}/result/versions': { id: state.taskIds },
    'GET /api/v1/tasks/{id}/result/history': { id: state.taskIds },
    'DELETE /api/v1/calendar/{date}': { date: ['2026-10-08', '2026-12-12'] },
    'GET /public/v1/entities/{id}': { id: state.entityIds },
    'GET /entities/{id}': { id: state.entityIds },
    'GET /': { status: ['committed', 'drawn', 'voided'] },
  };
  const importRows: Record<string, () => fc.Arbitrary<string[]>> = {
    '/api/v1/entities/import': () =>
      fc.tuple(
        fc.oneof(fc.constantFrom(...state.entityIds), fc.integer({ min: 100, max: 120 }).map(uscc)),
        fc.constantFrom('重庆测试有限公司', '渝北区小面馆'),
        fc.constantFrom('enterprise', 'individual'),
        fc.constantFrom('500112', '500103'),
        fc.constantFrom('I65', 'H62'),
      ),
    '/api/v1/grades/import': () =>
      fc.tuple(
        fc.constantFrom(...state.entityIds),
        fc.constant('credit-4'),
        fc.constantFrom('A', 'B', 'C', 'D'),
        fc.constantFrom('2026-02-01', '2026-03-01 10:30'),
      ),
    '/api/v1/inspectors/import': () =>
      fc.tuple(
        fc.constantFrom('FZ-01', 'FZ-02', ...otherInspectors),
        fc.constant('检查员'),
        fc.constantFrom('SCJG', 'WJW'),
        fc.constant('ZF-9'),
        fc.constantFrom('', 'SCJG-ZL', 'SCJG-ZL;WJW-GW'),
      ),
    '/api/v1/recusals/import': () => fc.tuple(fc.constantFrom(...otherInspectors), fc.constantFrom(...state.entityIds), fc.constant('亲属关系')),
    '/api/v1/commitments/import': () =>
      fc.tuple(
        fc.constant('告知承诺系统'),
        fc.constantFrom('FZ-1', 'FZ-2'),
        fc.constantFrom(...state.entityIds),
        fc.constantFrom('notification', 'credit-repair'),
        fc.constant('2026-01-10'),
        fc.constantFrom('2026-06-30', '2026-12-31'),
      ),
  };
  return { common, pathHints, importRows };
}

type HintSet = ReturnType<typeof hintsOf>;

const encodeValue = (v: unknown) => {
  try {
    return encodeURIComponent(
      typeof v === 'string' ? v : JSON.stringify(v) === undefined ? String(v) : typeof v === 'object' ? JSON.stringify(v) : String(v),
    );
  } catch {
    return '%ED%A0%80';
  }
};

const csvCell = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

const UNKNOWN_QUERY = ['grade=D', '__proto__=1', 'constructor=x', 'limit[]=1', 'a.b=1', '%00=1', 'token=x', `x=${'y'.repeat(5000)}`];

const AUTH_SECURED: [number, string][] = [
  [4, 'admin'],
  [3, 'planner'],
  [2, 'inspector'],
  [2, 'auditor'],
  [1, 'bad'],
  [1, 'none'],
];
const AUTH_PUBLIC: [number, string][] = [
  [6, 'none'],
  [1, 'admin'],
  [1, 'bad'],
];

/** The arbitrary of requests of `op`. */
export function caseArb(op: Operation, doc: Schema, hints: HintSet, tokens: Record<Role, string>): fc.Arbitrary<FuzzCase> {
  const resolve = resolver(doc);
  const opHints: Hints = { ...hints.common, ...(hints.pathHints[op.key] ?? {}) };
  const focuses: [number, string][] = [[3, 'valid']];
  if (op.pathParams.length) focuses.push([3, 'path']);
  if (op.queryParams.length) focuses.push([3, 'query'], [1, 'query-repeat']);
  focuses.push([1, 'query-unknown'], [1, 'method']);
  if (op.headerParams.length) focuses.push([1, 'header']);
  if (op.json) focuses.push([6, 'field'], [2, 'member-unknown'], [1, 'member-missing'], [3, 'body']);
  // Values from the schema alone, without hints: valid by the document, odd for the domain (far dates, big ratios, random codes).
  if (op.json || op.queryParams.length) focuses.push([2, 'generated']);
  if (op.importHeader) focuses.push([6, 'cell'], [2, 'row-shape'], [4, 'body']);
  const weighted = (pairs: [number, string][]) => fc.oneof(...pairs.map(([weight, v]) => ({ weight, arbitrary: fc.constant(v) })));

  const pathArb = fc.tuple(...op.pathParams.map((p) => validArb(p.schema, resolve, opHints, p.name)));
  const queryArb = fc.record(Object.fromEntries(op.queryParams.map((p) => [p.name, validArb(p.schema, resolve, opHints, p.name)])), {
    requiredKeys: [],
  });
  const headerArb = fc.record(Object.fromEntries(op.headerParams.map((p) => [p.name, fc.stringMatching(/^[A-Za-z0-9-]{8,36}$/)])), {
    requiredKeys: [],
  });
  const bodyArb: fc.Arbitrary<unknown> = op.json ? validArb(op.json, resolve, opHints, '') : fc.constant(undefined);
  const generatedBodyArb: fc.Arbitrary<unknown> = op.json ? validArb(op.json, resolve, {}, '') : fc.constant(undefined);
  const generatedQueryArb = fc.record(Object.fromEntries(op.queryParams.map((p) => [p.name, validArb(p.schema, resolve, {}, p.name)])), {
    requiredKeys: [],
  });
  const rowsArb = op.importHeader ? fc.array(hints.importRows[op.path](), { minLength: 1, maxLength: 3 }) : fc.constant([] as string[][]);

  return fc
    .record({
      focus: weighted(focuses),
      auth: weighted(op.secured ? AUTH_SECURED : AUTH_PUBLIC),
      badAuth: fc.constantFrom(...BAD_AUTHORIZATION),
      path: pathArb,
      query: queryArb,
      header: headerArb,
      body: bodyArb,
      generatedBody: generatedBodyArb,
      generatedQuery: generatedQueryArb,
      rows: rowsArb,
      ndjson: fc.boolean(),
      pick: fc.nat(),
      pick2: fc.nat(),
      urlValue: fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...URL_HEAVY) }, { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_URL_VALUES) }),
      hostile: hostileJsonValue,
      suffix: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...CONTROL_HEAVY) }, { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_SUFFIXES) }),
      appendSuffix: fc.boolean(),
      unknown: fc.constantFrom(...UNKNOWN_MEMBERS),
      unknownQuery: fc.constantFrom(...UNKNOWN_QUERY),
      hostileHeader: fc.constantFrom('', ' ', 'x'.repeat(300), 'x'.repeat(10_000), 'é', '\u00ff\u00fe', 'a\tb', 'a,b', '重'),
      wholeJson: fc.constantFrom(...HOSTILE_JSON_BODIES),
      wholeImport: op.importHeader ? fc.constantFrom(...hostileImportBodies(op.importHeader)) : fc.constant(null),
      cellText: fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...CONTROL_HEAVY) }, { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) }),
      rawCell: fc.boolean(),
      // Another method on the same path: HEAD of a GET route, methods no route has, and the other write methods.
      otherMethod: fc.constantFrom('HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
    })
    .map((g): FuzzCase => {
      let focus = g.focus;
      // Path
      const pathValues = op.pathParams.map((_, i) => encodeValue(g.path[i]));
      if (focus === 'path') {
        const i = g.pick % pathValues.length;
        pathValues[i] = g.urlValue;
        focus = `path ${op.pathParams[i].name}=${g.urlValue.slice(0, 40)}`;
      }
      let k = 0;
      const path = op.path.replace(/\{[^}]+\}/g, () => pathValues[k++]);
      // Query
      const generated = focus === 'generated';
      const pairs = Object.entries((generated ? g.generatedQuery : g.query) as Record<string, unknown>).map(([n, v]) => [n, encodeValue(v)]);
      if (focus === 'query') {
        const p = op.queryParams[g.pick % op.queryParams.length];
        const at = pairs.findIndex(([n]) => n === p.name);
        if (at >= 0) pairs[at] = [p.name, g.urlValue];
        else pairs.push([p.name, g.urlValue]);
        focus = `query ${p.name}=${g.urlValue.slice(0, 40)}`;
      } else if (focus === 'query-repeat') {
        const p = op.queryParams[g.pick % op.queryParams.length];
        pairs.push([p.name, encodeValue(hints.common[p.name]?.[0] ?? '1')], [p.name, g.urlValue]);
        focus = `query ${p.name} twice`;
      }
      let query = pairs.map(([n, v]) => `${n}=${v}`).join('&');
      if (focus === 'query-unknown') {
        query = query ? `${query}&${g.unknownQuery}` : g.unknownQuery;
        focus = `query unknown ${g.unknownQuery.slice(0, 40)}`;
      }
      const url = query ? `${path}?${query}` : path;
      // Headers
      const headers: Record<string, string> = {};
      if (g.auth === 'bad') headers.authorization = g.badAuth;
      else if (g.auth !== 'none') headers.authorization = `Bearer ${tokens[g.auth as Role]}`;
      for (const [n, v] of Object.entries(g.header as Record<string, string>)) headers[n] = v;
      if (focus === 'header') {
        const p = op.headerParams[g.pick % op.headerParams.length];
        headers[p.name] = g.hostileHeader;
        focus = `header ${p.name}=${JSON.stringify(g.hostileHeader.slice(0, 20))}`;
      }
      // Body
      let payload: string | Buffer | undefined;
      if (op.json) {
        let body = generated ? g.generatedBody : g.body;
        if (focus === 'field') {
          const paths = pathsOf(body);
          const at = paths[g.pick % paths.length];
          const valid = getAt(body, at);
          const replacement = g.appendSuffix && typeof valid === 'string' ? `${valid}${g.suffix}` : g.hostile;
          body = setAt(body, at, replacement);
          focus = `field /${at.join('/')}`;
        } else if (focus === 'member-unknown') {
          const objects = pathsOf(body).filter((p) => {
            const v = getAt(body, p);
            return v !== null && typeof v === 'object' && !Array.isArray(v);
          });
          const at = objects.length ? objects[g.pick % objects.length] : [];
          const [name, value] = g.unknown;
          const target = getAt(body, at);
          body = target !== null && typeof target === 'object' ? setAt(body, at, { ...(target as object), [name]: value }) : { [name]: value };
          focus = `unknown member /${[...at, name].join('/')}`;
        } else if (focus === 'member-missing') {
          const paths = pathsOf(body).filter((p) => p.length > 0);
          if (paths.length) {
            const at = paths[g.pick % paths.length];
            body = deleteAt(body, at);
            focus = `missing /${at.join('/')}`;
          }
        }
        if (focus === 'body') {
          payload = g.wholeJson[0];
          if (g.wholeJson[1] !== null) headers['content-type'] = g.wholeJson[1];
          focus = `body ${describe(payload)} as ${g.wholeJson[1] ?? '(no content-type)'}`;
        } else if (body !== undefined) {
          payload = toJsonText(body);
          headers['content-type'] = 'application/json';
        }
      } else if (op.importHeader) {
        const columns = op.importHeader.split(',');
        const rows = g.rows.map((r) => [...r]);
        if (focus === 'body' && g.wholeImport) {
          payload = g.wholeImport[0];
          if (g.wholeImport[1] !== null) headers['content-type'] = g.wholeImport[1];
          focus = `body ${describe(payload)} as ${g.wholeImport[1] ?? '(no content-type)'}`;
        } else {
          let header = columns;
          if (focus === 'cell') {
            const r = g.pick % rows.length;
            const c = g.pick2 % columns.length;
            rows[r][c] = g.appendSuffix ? `${rows[r][c]}${g.cellText}` : g.cellText;
            focus = `cell ${columns[c]}${g.rawCell ? ' (unquoted)' : ''}`;
          } else if (focus === 'row-shape') {
            const variants = ['extra column', 'missing column', 'duplicate row', 'unknown header', 'missing header'];
            const v = variants[g.pick % variants.length];
            if (v === 'extra column') rows[0].push('x');
            else if (v === 'missing column') rows[0].pop();
            else if (v === 'duplicate row') rows.push([...rows[0]]);
            else if (v === 'unknown header') header = [...columns, 'grade'];
            else header = columns.slice(1);
            focus = `rows: ${v}`;
          }
          if (g.ndjson) {
            payload = rows.map((r) => toJsonText(Object.fromEntries(header.map((h, i) => [h, r[i] ?? null])))).join('\n') + '\n';
            headers['content-type'] = 'application/x-ndjson';
            focus = `${focus} (ndjson)`;
          } else {
            const cell = (s: string) => (g.rawCell ? s : csvCell(s));
            payload = `${header.join(',')}\n${rows.map((r) => r.map(cell).join(',')).join('\n')}\n`;
            headers['content-type'] = 'text/csv';
          }
        }
      }
      let method = op.method;
      if (focus === 'method') {
        method = g.otherMethod === op.method ? 'OPTIONS' : g.otherMethod;
        focus = `method ${method}`;
      }
      return { op: op.key, method, url, headers, payload, auth: g.auth === 'bad' ? `bad: ${g.badAuth.slice(0, 30)}` : g.auth, focus };
    });
}

/** A short printable description of a payload. */
export function describe(payload: string | Buffer | undefined): string {
  if (payload === undefined) return '(none)';
  const text = Buffer.isBuffer(payload) ? `<${payload.length} bytes: ${payload.subarray(0, 40).toString('hex')}>` : payload;
  return JSON.stringify(text.length > 160 ? `${text.slice(0, 160)}… (${text.length} chars)` : text);
}
