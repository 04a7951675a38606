/**
 * `npm run demo` — loads demo data into a RUNNING Suicha service over its HTTP API.
 *
 *   npm run demo -- [--url http://127.0.0.1:3000] [--token <admin token>] [--entities 5000]
 *                   [--per-department 12] [--recusals 36] [--seed suicha-demo-v1] [--dry-run]
 *
 * URL from --url, else SUICHA_URL, else http://HOST:PORT like `npm start` (default http://127.0.0.1:3000;
 * a wildcard HOST such as 0.0.0.0 or :: is reached on the loopback address); admin token from --token,
 * SUICHA_ADMIN_TOKEN, or ./data/admin-token (written by `npm start` on the embedded database). Order: departments, items, entities, grades, inspectors, recusals (each later step
 * refers to what the earlier ones created). Re-running is safe as far as the API is idempotent: departments
 * and items are PUTs; the imports upsert (or report conflicts) as the service defines.
 * On an HTTP error the status and the JSON error body are printed and the exit code is 1.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chinaYear } from '../src/core/calendar.ts';
import {
  DEFAULT_SEED,
  DEMO_DEPARTMENTS,
  DEMO_ITEMS,
  ENTITY_CSV_HEADER,
  GRADE_CSV_HEADER,
  INSPECTOR_CSV_HEADER,
  RECUSAL_CSV_HEADER,
  generateEntityIds,
  generateEntities,
  generateGrades,
  generateInspectors,
  generateRecusals,
  toCsvString,
} from './demo-data.ts';

const USAGE = `Usage: npm run demo -- [options]

  --url URL             service base URL (env SUICHA_URL, else http://$HOST:$PORT as npm start, default http://127.0.0.1:3000)
  --token TOKEN         admin token (env SUICHA_ADMIN_TOKEN)
  --entities N          number of entities (default 5000)
  --per-department N    inspectors per department (default 12)
  --recusals N          recusal pairs (default 36)
  --seed S              data seed (default ${DEFAULT_SEED})
  --dry-run             print what would be sent, do not call the service
`;

class DemoError extends Error {}

interface Options {
  url: string;
  token: string;
  entities: number;
  perDepartment: number;
  recusals: number;
  seed: string;
  dryRun: boolean;
}

/** Where `npm start` listens with this environment: HOST (default 127.0.0.1) and PORT (default 3000). */
function defaultUrl(env: NodeJS.ProcessEnv): string {
  let host = env.HOST?.trim() || '127.0.0.1';
  if (host === '0.0.0.0') host = '127.0.0.1';
  else if (host === '::' || host === '[::]') host = '[::1]';
  else if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`; // an IPv6 address
  const port = env.PORT?.trim() || '3000';
  if (!/^\d{1,5}$/.test(port)) throw new DemoError(`PORT must be a whole number, got ${JSON.stringify(port)}`);
  return `http://${host}:${port}`;
}

function options(argv: string[]): Options | null {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      entities: { type: 'string' },
      'per-department': { type: 'string' },
      recusals: { type: 'string' },
      seed: { type: 'string' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (v.help) return null;
  const int = (name: string, s: string | undefined, def: number, min: number) => {
    if (s === undefined) return def;
    const n = Number(s.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < min) throw new DemoError(`--${name} must be an integer ≥ ${min}`);
    return n;
  };
  const url = (v.url ?? (process.env.SUICHA_URL?.trim() || defaultUrl(process.env))).replace(/\/+$/, '');
  try {
    new URL(url);
  } catch {
    throw new DemoError(`--url / SUICHA_URL / HOST / PORT do not make a URL: ${url}`);
  }
  const dryRun = v['dry-run'] ?? false;
  // A service started on the embedded database without SUICHA_ADMIN_TOKEN keeps its token in the data folder.
  const localTokenFile = join(process.env.SUICHA_DATA_DIR || './data', 'admin-token');
  const localToken = existsSync(localTokenFile) ? readFileSync(localTokenFile, 'utf8').trim() : '';
  const token = v.token ?? process.env.SUICHA_ADMIN_TOKEN ?? localToken;
  if (!token && !dryRun) {
    throw new DemoError(
      '缺少管理员令牌 / missing admin token: pass --token <token>, set SUICHA_ADMIN_TOKEN, or start the ' +
        'service once on the embedded database (it writes ./data/admin-token); ' +
        '(the value the service was started with, e.g. SUICHA_ADMIN_TOKEN=… npm start).',
    );
  }
  return {
    url,
    token,
    entities: int('entities', v.entities, 5000, 1),
    perDepartment: int('per-department', v['per-department'], 12, 1),
    recusals: int('recusals', v.recusals, 36, 0),
    seed: v.seed ?? DEFAULT_SEED,
    dryRun,
  };
}

/** One API call; returns the parsed JSON body (or null). Throws DemoError with status and body on failure. */
async function call(opts: Options, method: string, path: string, body: string, contentType: string): Promise<unknown> {
  const target = `${opts.url}/api/v1${path}`;
  if (opts.dryRun) {
    process.stdout.write(`[dry run] ${method} ${target} (${contentType}, ${Buffer.byteLength(body)} bytes)\n`);
    return null;
  }
  let res: Response;
  try {
    res = await fetch(target, {
      method,
      headers: { authorization: `Bearer ${opts.token}`, 'content-type': contentType, accept: 'application/json' },
      body: method === 'GET' ? undefined : body,
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new DemoError(
      `无法连接服务 / cannot reach ${target}: ${cause?.code ?? cause?.message ?? (e as Error).message}\n` +
        `Is the service running? Start it with \`npm start\`, or point --url / SUICHA_URL at it.`,
    );
  }
  const text = await res.text();
  let json: unknown = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
  }
  if (!res.ok) {
    const shown = typeof json === 'string' ? json : JSON.stringify(json, null, 2);
    throw new DemoError(`${method} ${path} → HTTP ${res.status} ${res.statusText}\n${shown}`);
  }
  return json;
}

const putJson = (o: Options, path: string, body: unknown) => call(o, 'PUT', path, JSON.stringify(body), 'application/json');
const postCsv = (o: Options, path: string, csv: string) => call(o, 'POST', path, csv, 'text/csv; charset=utf-8');
const postJson = (o: Options, path: string, body: unknown) => call(o, 'POST', path, JSON.stringify(body), 'application/json');

/**
 * This year's demo programme (年度抽查工作计划): every demo item at a base ratio of 5% (× the scheme's multipliers),
 * in two batches, published — unless the demo made it already (the title is its key).
 */
async function demoProgramme(o: Options): Promise<string> {
  const year = chinaYear(new Date());
  const title = `${year} 年度双随机、一公开抽查工作计划（演示）`;
  const existing = (await call(o, 'GET', `/programmes?year=${year}&limit=1000`, '', 'application/json')) as {
    items: { id: string; title: string }[];
  } | null;
  const found = existing?.items.find((p) => p.title === title);
  if (found) return `${found.id} (already there)`;
  const batches = [
    { from: `${year}-01-01`, to: `${year}-06-30`, title: '上半年' },
    { from: `${year}-07-01`, to: `${year}-12-31`, title: '下半年' },
  ];
  const created = (await postJson(o, '/programmes', {
    year,
    title,
    departments: [...new Set(DEMO_ITEMS.map((i) => i.departmentCode))],
    notes: '演示数据：各事项基础抽查比例 5%，按信用等级乘以分级分类标准的系数。',
    lines: DEMO_ITEMS.map((i) => ({ item: i.code, baseRatioBp: 500, batches })),
  })) as { id: string } | null;
  if (!created) return '(dry run)';
  await call(o, 'POST', `/programmes/${encodeURIComponent(created.id)}/publish`, '{}', 'application/json');
  return `${created.id} (published)`;
}

/** A short description of an import response, whatever its exact shape. */
function describe(result: unknown): string {
  if (!result || typeof result !== 'object') return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(result)) {
    if (typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length < 40)) parts.push(`${k}=${v}`);
    else if (Array.isArray(v)) parts.push(`${k}=[${v.length}]`);
  }
  return parts.length ? ` (server: ${parts.join(', ')})` : '';
}

const count = (csv: string) => {
  let n = -1; // header
  for (let i = csv.indexOf('\n'); i !== -1; i = csv.indexOf('\n', i + 1)) n++;
  return n;
};

async function run(opts: Options): Promise<void> {
  const log = (s: string) => process.stdout.write(s + '\n');
  log(`随查 Suicha demo data → ${opts.url} (seed ${opts.seed})${opts.dryRun ? ' [dry run]' : ''}`);

  for (const d of DEMO_DEPARTMENTS) await putJson(opts, `/departments/${encodeURIComponent(d.code)}`, { name: d.name });
  log(`  部门 departments      ${DEMO_DEPARTMENTS.length}  (${DEMO_DEPARTMENTS.map((d) => d.code).join(', ')})`);

  for (const item of DEMO_ITEMS) {
    const { code, ...body } = item;
    await putJson(opts, `/items/${encodeURIComponent(code)}`, body);
  }
  log(`  抽查事项 items        ${DEMO_ITEMS.length}  (${DEMO_ITEMS.map((i) => i.code).join(', ')})`);

  const entitiesCsv = toCsvString(generateEntities({ count: opts.entities, seed: opts.seed }), ENTITY_CSV_HEADER);
  const r1 = await postCsv(opts, '/entities/import', entitiesCsv);
  log(`  市场主体 entities     ${count(entitiesCsv)}${describe(r1)}`);

  const gradesCsv = toCsvString(
    generateGrades(generateEntityIds({ count: opts.entities, seed: opts.seed }), { scheme: 'credit-4', seed: opts.seed }),
    GRADE_CSV_HEADER,
  );
  const r2 = await postCsv(opts, '/grades/import', gradesCsv);
  log(`  信用等级 grades       ${count(gradesCsv)} (credit-4; the rest are ungraded → default B)${describe(r2)}`);

  const inspectorOptions = { perDepartment: opts.perDepartment, seed: opts.seed };
  const inspectors = [...generateInspectors(inspectorOptions)];
  const r3 = await postCsv(opts, '/inspectors/import', toCsvString(inspectors, INSPECTOR_CSV_HEADER));
  log(`  执法人员 inspectors   ${inspectors.length}${describe(r3)}`);

  const recusalsCsv = toCsvString(
    generateRecusals({ count: opts.recusals, seed: opts.seed, entities: { count: opts.entities, seed: opts.seed }, inspectors }),
    RECUSAL_CSV_HEADER,
  );
  const r4 = await postCsv(opts, '/recusals/import', recusalsCsv);
  log(`  回避关系 recusals     ${count(recusalsCsv)}${describe(r4)}`);
  log(`  年度计划 programme    ${await demoProgramme(opts)}`);

  log('');
  log('完成 Done. Next / 下一步:');
  log(`  - 打开门户 open the portal:        ${opts.url}/`);
  log(`  - 接口文档 API docs (OpenAPI):     ${opts.url}/docs`);
  log(`  - 年度计划 the programme:          ${opts.url}/programmes`);
  log(`  - 新建抽查计划 create a plan:      POST ${opts.url}/api/v1/plans  (items e.g. ["SCJG-001"], gradeScheme credit-4, programme + batch)`);
  log(`  - 提交并公告抽取时间 commit:        POST ${opts.url}/api/v1/plans/{id}/commit  {"entropyAt": "<公开熵值可知的时间 ISO 8601>"}`);
  log(`  - 到时抽取 draw (after entropyAt): POST ${opts.url}/api/v1/plans/{id}/draw  {"publicEntropy": "…"} or {"contributions": […]}`);
}

async function main(): Promise<number> {
  let opts: Options | null;
  try {
    opts = options(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${USAGE}`);
    return e instanceof DemoError ? 1 : 2;
  }
  if (!opts) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    await run(opts);
    return 0;
  } catch (e) {
    if (e instanceof DemoError) {
      process.stderr.write(`\n错误 error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  },
);
