/**
 * A public scenario for the portal tests and `npm run bench:portal`, made only through the management API
 * (departments, items, entity/grade/inspector/recusal imports, plans, commit, draw, results, publish):
 *
 * - plan 1 (drawn): `entities` entities in credit-4 grades, SCJG sends 2 inspectors per task, results entered
 *   for the first `results` tasks and published, one more result entered but NOT published;
 * - plan 2 (committed, not drawn) over the same directory;
 * - plan 3 (draft), which the public must never see.
 *
 * One entity's name contains markup (`<script>…`) so pages can be checked for escaping.
 */
import { makeUscc } from '../src/core/uscc.ts';
import { signPending } from './fixtures/signatures.ts';

interface FixtureResponse {
  statusCode: number;
  body: string;
  json<T = any>(): T;
}

export type FixtureApi = (
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  options?: { token?: string | null; body?: unknown; contentType?: string },
) => Promise<FixtureResponse>;

export const XSS_NAME = '<script>alert("xss")</script>重庆市渝中区小面馆';
export const UNPUBLISHED_FINDING = 'INTERNAL-FINDING-冷库温度记录缺失';

export interface PortalScenario {
  drawnPlanId: string;
  committedPlanId: string;
  draftPlanId: string;
  entities: Array<{ id: string; name: string; grade: string }>;
  xssEntityId: string;
  /** Tasks of the drawn plan, in seq order. */
  tasks: Array<{ id: number; seq: number; entityId: string }>;
  publishedTaskIds: number[];
  /** A task whose result was entered but not published. */
  unpublishedTaskId: number | null;
}

async function expectStatus(res: FixtureResponse, ok: number[], what: string): Promise<FixtureResponse> {
  if (!ok.includes(res.statusCode)) throw new Error(`${what}: HTTP ${res.statusCode} ${res.body.slice(0, 800)}`);
  return res;
}

const csv = (rows: string[][]) => rows.map((r) => r.map((v) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',')).join('\n') + '\n';

/** Today's date in China (results may not be dated in the future). */
export function chinaToday(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

const GRADES = ['A', 'B', 'C', 'D'];
const SURNAMES = ['张', '王', '李', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '磊', '洋', '勇', '艳', '杰', '军', '丽'];
const SHOPS = ['火锅店', '小面馆', '餐饮有限公司', '超市', '副食店', '药房', '美容美发店', '茶楼'];

export async function seedPortalScenario(
  api: FixtureApi,
  opts: { entities?: number; results?: number; inspectors?: number; ratioBp?: number; ratiosBp?: Record<string, number> } = {},
): Promise<PortalScenario> {
  const n = opts.entities ?? 40;
  const inspectorCount = opts.inspectors ?? 6;
  const ask = async (method: Parameters<FixtureApi>[0], path: string, body: unknown, ok: number[], contentType?: string) =>
    expectStatus(await api(method, path, { body, contentType }), ok, `${method} ${path}`);

  await ask('PUT', '/api/v1/departments/SCJG', { name: '重庆市渝中区市场监督管理局' }, [200, 201]);
  await ask('PUT', '/api/v1/departments/WJW', { name: '重庆市渝中区卫生健康委员会' }, [200, 201]);
  await ask(
    'PUT',
    '/api/v1/items/SCJG-SP01',
    { name: '食品经营者落实食品安全主体责任情况检查', departmentCode: 'SCJG', gradeScheme: 'credit-4' },
    [200, 201],
  );
  await ask('PUT', '/api/v1/items/WJW-GG01', { name: '公共场所卫生监督检查', departmentCode: 'WJW', gradeScheme: 'credit-4' }, [200, 201]);

  const entities = Array.from({ length: n }, (_, i) => {
    const id = makeUscc(`91500103${String(310000000 + i * 7919).slice(-9)}`);
    const name = i === 3 ? XSS_NAME : `重庆市渝中区${SURNAMES[i % 12]}${GIVEN[(i * 5) % 12]}${SHOPS[i % SHOPS.length]}${i + 1}号`;
    return { id, name, grade: GRADES[i % 4] };
  });
  await ask(
    'POST',
    '/api/v1/entities/import',
    csv([
      ['id', 'name', 'type', 'region', 'industry', 'address', 'status'],
      ...entities.map((e, i) => [e.id, e.name, 'enterprise', '500103', 'catering', `渝中区解放碑民族路${i + 1}号`, 'active']),
    ]),
    [200],
    'text/csv',
  );
  await ask(
    'POST',
    '/api/v1/grades/import',
    csv([['entityId', 'scheme', 'grade', 'evaluatedAt'], ...entities.map((e) => [e.id, 'credit-4', e.grade, '2025-12-31T00:00:00+08:00'])]),
    [200],
    'text/csv',
  );
  const inspectors = Array.from({ length: inspectorCount }, (_, i) => ({
    id: `SJ-${String(i + 1).padStart(3, '0')}`,
    name: `${SURNAMES[(i * 7) % 12]}${GIVEN[(i * 3 + 1) % 12]}`,
    department: 'SCJG',
  }));
  inspectors.push(
    { id: 'WJ-001', name: '周杰', department: 'WJW' },
    { id: 'WJ-002', name: '吴丽', department: 'WJW' },
    { id: 'WJ-003', name: '徐军', department: 'WJW' },
  );
  await ask(
    'POST',
    '/api/v1/inspectors/import',
    csv([
      ['id', 'name', 'department', 'certificateNo'],
      ...inspectors.map((x, i) => [x.id, x.name, x.department, `50010300${String(i).padStart(4, '0')}`]),
    ]),
    [200],
    'text/csv',
  );
  await ask(
    'POST',
    '/api/v1/recusals/import',
    csv([
      ['inspectorId', 'entityId', 'reason'],
      ['SJ-001', entities[0].id, '近亲属任该单位负责人'],
    ]),
    [200],
    'text/csv',
  );

  const plan = async (title: string, items: string[], perTask: Record<string, number>, entropySource: string) =>
    (
      await ask(
        'POST',
        '/api/v1/plans',
        {
          title,
          items,
          gradeScheme: 'credit-4',
          ...(opts.ratiosBp ? { ratiosBp: opts.ratiosBp } : { baseRatioBp: opts.ratioBp ?? 2000 }),
          inspectorsPerTask: perTask,
          entropySource,
        },
        [201],
      )
    ).json().id as string;

  const drawnPlanId = await plan(
    '2026年渝中区餐饮服务食品安全双随机抽查',
    ['SCJG-SP01'],
    { SCJG: 2 },
    '区公证处监督下现场掷骰 10 次（见证人：区司法局、区纪委监委派驻纪检监察组）',
  );
  // Records revision 2: entropyAt (later than the commit) is announced at commit; the draw waits for it.
  const entropyAt = new Date(Date.now() + 1000).toISOString();
  await ask('POST', `/api/v1/plans/${drawnPlanId}/commit`, { entropyAt }, [200, 201]);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(entropyAt) - Date.now() + 5)));
  await ask('POST', `/api/v1/plans/${drawnPlanId}/draw`, { publicEntropy: '6 2 5 3 1 4 4 2 6 1' }, [200, 201]);

  const tasks: PortalScenario['tasks'] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = (await ask('GET', `/api/v1/tasks?plan=${drawnPlanId}&limit=1000&offset=${offset}`, undefined, [200])).json();
    for (const t of page.items) tasks.push({ id: t.id, seq: t.seq, entityId: t.entityId });
    if (offset + page.items.length >= page.total) break;
  }
  tasks.sort((a, b) => a.seq - b.seq);

  const toPublish = Math.min(opts.results ?? 3, tasks.length);
  const today = chinaToday();
  for (let i = 0; i < toPublish; i++) {
    const problem = i % 3 === 1;
    await ask(
      'PUT',
      `/api/v1/tasks/${tasks[i].id}/result`,
      problem
        ? {
            resultCode: 'corrected',
            inspectedOn: today,
            followUp: 'order-correction',
            followUpDeadline: today,
            findings: '冷藏设施温度记录不全，已当场责令改正',
          }
        : { resultCode: 'no-issue', inspectedOn: today, followUp: 'none' },
      [200, 201],
    );
  }
  if (toPublish > 0) {
    await signPending({ api }, drawnPlanId);
    await ask('POST', `/api/v1/plans/${drawnPlanId}/publish`, { scope: 'finished' }, [201]);
  }
  // Entered after the publication: recorded but not published.
  let unpublishedTaskId: number | null = null;
  if (tasks.length > toPublish) {
    unpublishedTaskId = tasks[toPublish].id;
    await ask(
      'PUT',
      `/api/v1/tasks/${unpublishedTaskId}/result`,
      { resultCode: 'pending-action', inspectedOn: today, followUp: 'refer-case', findings: UNPUBLISHED_FINDING },
      [200, 201],
    );
  }

  const committedPlanId = await plan('2026年渝中区公共场所卫生第二批抽查', ['WJW-GG01'], { WJW: 2 }, '2026年12月1日中国福利彩票 3D 第一次开奖号码');
  await ask('POST', `/api/v1/plans/${committedPlanId}/commit`, { entropyAt: new Date(Date.now() + 30 * 86400_000).toISOString() }, [200, 201]);
  const draftPlanId = await plan('DRAFT-不应公开的草稿计划', ['SCJG-SP01'], { SCJG: 2 }, '尚未确定');

  return {
    drawnPlanId,
    committedPlanId,
    draftPlanId,
    entities,
    xssEntityId: entities[3].id,
    tasks,
    publishedTaskIds: tasks.slice(0, toPublish).map((t) => t.id),
    unpublishedTaskId,
  };
}
