/**
 * The realistic state the fuzz test runs against, made through the API as a user would: departments, items,
 * entities, grades, inspectors and recusals imported, a drawn plan with recorded and published results, a
 * committed plan whose entropyAt is hours away (it may be voided), a committed plan whose entropyAt has passed (it
 * may be drawn), and a draft. Its ids feed the hints, so fuzzed paths hit records that exist.
 */
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { makeUscc } from '../../src/core/uscc.ts';
import { chinaDate, chinaYear } from '../../src/core/calendar.ts';
import { buildApp } from '../../src/app.ts';
import { ADMIN_TOKEN, openTestDatabase, signPending, soon, testConfig, untilEntropyAt } from '../helper.ts';
import type { Database } from '../../src/db/client.ts';

export const uscc = (n: number) => makeUscc(`91500112MA${String(n).padStart(7, '0')}`);

export type Role = 'admin' | 'planner' | 'inspector' | 'auditor';

export interface FuzzState {
  app: FastifyInstance;
  database: Database;
  /** Error log lines (JSON), to name the cause of a 500 by its request id. */
  errorLog: Map<string, string>;
  tokens: Record<Role, string>;
  /** The inspector the inspector token acts for (never deactivated by the fuzzer). */
  tokenInspector: string;
  /** Token ids the fuzzer may revoke (the role tokens above are never offered). */
  spareTokenIds: string[];
  entityIds: string[];
  inspectorIds: string[];
  planIds: { drawn: string; committedLater: string; committedDue: string; draft: string };
  /** Drafts the fuzzer may patch, and drafts it may commit (each valid commit uses one up). */
  draftsToPatch: string[];
  draftsToCommit: string[];
  taskIds: number[];
  ledgerSeqs: number[];
  /** `tasks.next` of the drawn plan's public record, when the record is paged. */
  cursors: string[];
  today: string;
  /** A published annual programme (the committed-later plan is of it) and a draft one the fuzzer may patch. */
  programmeIds: { published: string; draft: string };
  /** Rectification follow-ups (复查) of the drawn plan. */
  followUpIds: number[];
  /** A valid programme body (its lines, for hints). */
  programmeBody: Record<string, unknown>;
}

interface LoggedError {
  type?: string;
  code?: string;
  message?: string;
  cause?: LoggedError;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface Sent {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

/** One JSON request as admin (or `token`); throws unless the status is `expect`. */
async function call(app: FastifyInstance, method: string, url: string, body: unknown, expect: number, token = ADMIN_TOKEN, contentType?: string) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  let payload: string | undefined;
  if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    headers['content-type'] = contentType ?? (typeof body === 'string' ? 'text/csv' : 'application/json');
  }
  const res = await app.inject({ method: method as 'GET', url, headers, payload });
  if (res.statusCode !== expect) throw new Error(`fuzz set-up: ${method} ${url} gave ${res.statusCode}, not ${expect}: ${res.body.slice(0, 500)}`);
  return res.body ? res.json() : undefined;
}

export async function buildFuzzState(t: Teardown): Promise<FuzzState> {
  const { database } = await openTestDatabase(t);
  const errorLog = new Map<string, string>();
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        try {
          const entry = JSON.parse(line) as { reqId?: string; err?: LoggedError };
          if (!entry.reqId || !entry.err) continue;
          // The innermost cause names the fault (drizzle wraps PostgreSQL's error in "Failed query: …").
          let err = entry.err;
          while (err.cause) err = err.cause;
          errorLog.set(entry.reqId, `${err.type ?? 'Error'}${err.code ? ` ${err.code}` : ''}: ${(err.message ?? '').split('\n')[0]}`);
        } catch {
          // not JSON: ignore
        }
      }
      done();
    },
  });
  const app = await buildApp({ config: testConfig({ logLevel: 'error' }), database, logger: { stream } });
  await app.ready();
  t.teardown(() => app.close());

  for (const [code, name] of [
    ['SCJG', '重庆市市场监督管理局'],
    ['WJW', '重庆市卫生健康委员会'],
  ]) {
    await call(app, 'PUT', `/api/v1/departments/${code}`, { name }, 201);
  }
  await call(app, 'PUT', '/api/v1/items/SCJG-ZL', { name: '产品质量抽查', departmentCode: 'SCJG', gradeScheme: 'credit-4' }, 201);
  await call(app, 'PUT', '/api/v1/items/WJW-GW', { name: '公共场所卫生检查', departmentCode: 'WJW', gradeScheme: 'credit-4' }, 201);

  const entityIds = Array.from({ length: 24 }, (_, i) => uscc(i + 1));
  const entityRows = entityIds.map((id, i) => `${id},重庆${i + 1}号有限公司,enterprise,${i % 2 ? '500112' : '500103'},I65`);
  await call(app, 'POST', '/api/v1/entities/import', `id,name,type,region,industry\n${entityRows.join('\n')}\n`, 200);
  const gradeRows = entityIds.filter((_, i) => i % 6 !== 5).map((id, i) => `${id},credit-4,${'ABCD'[i % 4]},2026-01-01`);
  await call(app, 'POST', '/api/v1/grades/import', `entityId,scheme,grade,evaluatedAt\n${gradeRows.join('\n')}\n`, 200);
  const inspectorIds = [...Array.from({ length: 6 }, (_, i) => `SJ-00${i + 1}`), ...Array.from({ length: 4 }, (_, i) => `WJ-0${i + 1}`)];
  const inspectorRows = inspectorIds.map((id, i) => `${id},检查员${i + 1},${id.startsWith('SJ') ? 'SCJG' : 'WJW'},ZF-${id},`);
  await call(app, 'POST', '/api/v1/inspectors/import', `id,name,department,certificateNo,qualifications\n${inspectorRows.join('\n')}\n`, 200);
  const recusalRows = [0, 3, 7].map((k) => `${inspectorIds[k % 6]},${entityIds[k]},亲属关系`);
  await call(app, 'POST', '/api/v1/recusals/import', `inspectorId,entityId,reason\n${recusalRows.join('\n')}\n`, 200);

  const planner = (await call(app, 'POST', '/api/v1/tokens', { role: 'planner', label: 'fuzz planner' }, 201)).token as string;
  const auditor = (await call(app, 'POST', '/api/v1/tokens', { role: 'auditor', label: 'fuzz auditor' }, 201)).token as string;
  const spareTokenIds: string[] = [];
  for (let i = 0; i < 6; i++) spareTokenIds.push((await call(app, 'POST', '/api/v1/tokens', { role: 'auditor', label: `spare ${i}` }, 201)).id);

  // Annual programmes: one published (a plan below names it), one draft.
  const year = chinaYear(new Date());
  const batches = [
    { from: `${year}-01-01`, to: `${year}-06-30`, title: '上半年' },
    { from: `${year}-07-01`, to: `${year}-12-31` },
  ];
  const programmeBody = {
    year,
    title: `${year} 年度双随机抽查工作计划`,
    departments: ['SCJG', 'WJW'],
    notes: '依据《重庆市信用分级分类监管办法》',
    lines: [
      { item: 'SCJG-ZL', baseRatioBp: 500, batches },
      { item: 'WJW-GW', ratiosBp: { A: 200, B: 500, C: 1000, D: 3000 }, batches, notes: '下半年为重点' },
    ],
  };
  const publishedProgramme = (await call(app, 'POST', '/api/v1/programmes', programmeBody, 201, planner)).id as string;
  await call(app, 'POST', `/api/v1/programmes/${publishedProgramme}/publish`, undefined, 200, planner);
  const draftProgramme = (await call(app, 'POST', '/api/v1/programmes', { ...programmeBody, title: '草稿年度计划' }, 201, planner)).id as string;
  const currentBatch = chinaDate(new Date()) <= `${year}-06-30` ? 1 : 2;

  const plan = (over: Record<string, unknown>) => ({
    title: '2026 年度产品质量与公共场所卫生联合抽查',
    items: ['SCJG-ZL', 'WJW-GW'],
    gradeScheme: 'credit-4',
    ratiosBp: { A: 2000, B: 3000, C: 5000, D: 10000 },
    inspectorsPerTask: { SCJG: 2, WJW: 2 },
    entropySource: '公开摇号现场掷骰 10 次（见证人：区司法局、区纪委监委派驻组）',
    window: { from: '2026-01-05', to: '2099-12-31' },
    ...over,
  });
  const drawn = (await call(app, 'POST', '/api/v1/plans', plan({}), 201, planner)).id as string;
  const committedDue = (await call(app, 'POST', '/api/v1/plans', plan({ title: '第二批（已承诺，可抽取）' }), 201, planner)).id as string;
  const committedLater = (
    await call(
      app,
      'POST',
      '/api/v1/plans',
      plan({
        title: '第三批（已承诺，两小时后抽取）',
        items: ['SCJG-ZL'],
        inspectorsPerTask: { SCJG: 2 },
        window: null,
        programme: publishedProgramme,
        batch: currentBatch,
      }),
      201,
      planner,
    )
  ).id as string;
  const draft = (
    await call(
      app,
      'POST',
      '/api/v1/plans',
      plan({ title: '草稿计划', baseRatioBp: 500, ratiosBp: undefined, witnesses: ['区司法局', '区纪委监委派驻组'] }),
      201,
      planner,
    )
  ).id as string;
  const extra: string[] = [];
  for (let i = 0; i < 4; i++) extra.push((await call(app, 'POST', '/api/v1/plans', plan({ title: `草稿 ${i + 1}` }), 201, planner)).id as string);
  const at = soon(1000);
  await call(app, 'POST', `/api/v1/plans/${drawn}/commit`, { entropyAt: at }, 201, planner);
  await call(app, 'POST', `/api/v1/plans/${committedDue}/commit`, { entropyAt: at }, 201, planner);
  await call(app, 'POST', `/api/v1/plans/${committedLater}/commit`, { entropyAt: new Date(Date.now() + 2 * 3600_000).toISOString() }, 201, planner);
  await untilEntropyAt(at);
  await call(app, 'POST', `/api/v1/plans/${drawn}/draw`, { publicEntropy: '6 2 5 3 1 4 4 2 6 1' }, 201, planner);

  const tasks = (await call(app, 'GET', `/api/v1/tasks?plan=${drawn}`, undefined, 200, planner)).items as {
    id: number;
    team: { inspectorId: string }[];
  }[];
  if (tasks.length < 3) throw new Error(`fuzz set-up: only ${tasks.length} tasks drawn`);
  const tokenInspector = tasks[0].team[0].inspectorId;
  const inspector = (await call(app, 'POST', '/api/v1/tokens', { role: 'inspector', inspectorId: tokenInspector }, 201)).token as string;
  const today = chinaDate(new Date());
  await call(app, 'PUT', `/api/v1/tasks/${tasks[0].id}/result`, { resultCode: 'no-issue', inspectedOn: today, followUp: 'none' }, 201, inspector);
  await call(
    app,
    'PUT',
    `/api/v1/tasks/${tasks[1].id}/result`,
    {
      resultCode: 'pending-action',
      inspectedOn: today,
      findings: '公示信息与实际不一致',
      followUp: 'order-correction',
      followUpDeadline: '2099-06-30',
    },
    201,
    planner,
  );
  await signPending(
    {
      api: (method, url, o = {}) =>
        app.inject({
          method,
          url,
          headers: {
            authorization: `Bearer ${o.token === undefined ? ADMIN_TOKEN : o.token}`,
            ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          payload: o.body === undefined ? undefined : JSON.stringify(o.body),
        }),
    },
    drawn,
  );
  await call(app, 'POST', `/api/v1/plans/${drawn}/publish`, { scope: 'finished' }, 201, planner);
  await call(app, 'PUT', `/api/v1/tasks/${tasks[2].id}/result`, { resultCode: 'no-issue', inspectedOn: today, followUp: 'none' }, 201, planner);
  // The published 责令改正 made a follow-up (复查).
  const followUpIds = ((await call(app, 'GET', '/api/v1/follow-ups', undefined, 200, planner)).items as { id: number }[]).map((f) => f.id);
  if (followUpIds.length === 0) throw new Error('fuzz set-up: no follow-up');
  const head = (await call(app, 'GET', '/public/v1/ledger/head', undefined, 200)) as { seq: number };
  // A real cursor of the public task pages (where the record is paged), so a page past the first is reached too.
  const record = await app.inject({ method: 'GET', url: `/public/v1/plans/${drawn}?limit=1` });
  const next = record.statusCode === 200 ? (record.json() as { tasks?: { next?: unknown } }).tasks?.next : undefined;

  return {
    app,
    database,
    errorLog,
    tokens: { admin: ADMIN_TOKEN, planner, inspector, auditor },
    tokenInspector,
    spareTokenIds,
    entityIds,
    inspectorIds,
    planIds: { drawn, committedLater, committedDue, draft },
    draftsToPatch: [draft, extra[0]],
    draftsToCommit: extra.slice(1),
    taskIds: tasks.map((x) => x.id),
    cursors: typeof next === 'string' ? [next] : [],
    ledgerSeqs: Array.from({ length: Number(head.seq) }, (_, i) => i + 1),
    today,
    programmeIds: { published: publishedProgramme, draft: draftProgramme },
    followUpIds,
    programmeBody,
  };
}
