/**
 * Queries behind the public JSON API (/public/v1). Every query here is written to the public rules:
 * only committed, drawn or voided plans (never drafts); only published result versions; no server seed,
 * no token, no findings or attachments, and no grades at all (the draw record carries the grades that
 * may be public; routes/plans serves it).
 */
import { asc, inArray, sql, type SQL } from 'drizzle-orm';
import { execRows, type Db } from '../../db/client.ts';
import { departments, followUpActions, items, resultCodes } from '../../db/schema.ts';
import { isoDate, isoInstant } from '../tasks/repository.ts';

/** Plan statuses the public may see: a draft is not a commitment yet. */
export const PUBLIC_PLAN_STATUSES = ['committed', 'drawn', 'voided'] as const;
const PUBLIC_STATUS_SQL = sql`p.status IN ('committed', 'drawn', 'voided')`;

export interface PublicPlanFilter {
  department?: string;
  item?: string;
  year?: number;
  status?: string;
}

interface PlanRow {
  id: string;
  title: string;
  status: string;
  items: string[] | string;
  window_from: string | null;
  window_to: string | null;
  commitment: string;
  entropy_source: string;
  committed_at: string;
  drawn_at: string | null;
  voided_at: string | null;
  pool: number | string | null;
  drawn: number | string;
  published: number | string;
  publications: number | string;
  last_published_at: string | null;
}

/** Drivers differ on text[]: postgres.js parses it, PGlite through drizzle may too; accept both. */
function textArray(v: string[] | string | null): string[] {
  if (v === null) return [];
  if (Array.isArray(v)) return v;
  const inner = v.replace(/^\{|\}$/g, '');
  return inner ? inner.split(',').map((s) => s.replace(/^"|"$/g, '')) : [];
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Item code → {name, department} and department code → name, for the codes given. */
async function itemDirectory(db: Db, codes: string[]) {
  const itemRows = codes.length
    ? await db.select({ code: items.code, name: items.name, departmentCode: items.departmentCode }).from(items).where(inArray(items.code, codes))
    : [];
  const deptCodes = [...new Set(itemRows.map((i) => i.departmentCode))];
  const deptRows = deptCodes.length
    ? await db.select({ code: departments.code, name: departments.name }).from(departments).where(inArray(departments.code, deptCodes))
    : [];
  return { items: new Map(itemRows.map((i) => [i.code, i])), departments: new Map(deptRows.map((d) => [d.code, d.name])) };
}

async function departmentNames(db: Db, codes: string[]) {
  if (!codes.length) return new Map<string, string>();
  const rows = await db.select({ code: departments.code, name: departments.name }).from(departments).where(inArray(departments.code, codes));
  return new Map(rows.map((d) => [d.code, d.name]));
}

export function createPublicRepository(db: Db) {
  function describeItems(codes: string[], dir: Awaited<ReturnType<typeof itemDirectory>>) {
    const list = codes.map((c) => {
      const it = dir.items.get(c);
      return { code: c, name: it?.name ?? c, departmentCode: it?.departmentCode ?? null };
    });
    const depts = [...new Set(list.map((i) => i.departmentCode).filter((d): d is string => d !== null))].map((code) => ({
      code,
      name: dir.departments.get(code) ?? code,
    }));
    return { items: list, departments: depts };
  }

  return {
    async listPlans(f: PublicPlanFilter, limit: number, offset: number) {
      const conds: SQL[] = [PUBLIC_STATUS_SQL];
      if (f.status !== undefined) conds.push(sql`p.status = ${f.status}`);
      if (f.item !== undefined) conds.push(sql`${f.item} = ANY (p.items)`);
      if (f.department !== undefined) {
        conds.push(sql`EXISTS (SELECT 1 FROM items i WHERE i.code = ANY (p.items) AND i.department_code = ${f.department})`);
      }
      if (f.year !== undefined) {
        conds.push(sql`extract(year FROM c.committed_at AT TIME ZONE 'UTC' + interval '8 hours') = ${f.year}`);
      }
      const where = sql.join(conds, sql` AND `);
      const rows = await execRows<PlanRow>(
        db,
        sql`SELECT p.id, p.title, p.status, p.items, ${isoDate(sql`p.window_from`)} AS window_from, ${isoDate(sql`p.window_to`)} AS window_to,
                   c.commitment, p.entropy_source, ${isoInstant(sql`c.committed_at`)} AS committed_at,
                   ${isoInstant(sql`d.drawn_at`)} AS drawn_at, ${isoInstant(sql`v.voided_at`)} AS voided_at,
                   (SELECT sum((s ->> 'population')::int) FROM json_array_elements(
                      CASE WHEN json_typeof(c.record::json -> 'strata') = 'array' THEN c.record::json -> 'strata' ELSE '[]'::json END) s) AS pool,
                   (SELECT count(*) FROM tasks t WHERE t.plan_id = p.id)::int AS drawn,
                   (SELECT count(DISTINCT r.task_id) FROM results r JOIN tasks t ON t.id = r.task_id
                     WHERE t.plan_id = p.id AND r.publication_id IS NOT NULL)::int AS published,
                   (SELECT count(*) FROM publications pb WHERE pb.plan_id = p.id)::int AS publications,
                   (SELECT ${isoInstant(sql`max(pb.published_at)`)} FROM publications pb WHERE pb.plan_id = p.id) AS last_published_at
              FROM plans p
              JOIN plan_commits c ON c.plan_id = p.id
              LEFT JOIN plan_draws d ON d.plan_id = p.id
              LEFT JOIN plan_voids v ON v.plan_id = p.id
             WHERE ${where}
             ORDER BY c.committed_at DESC, p.id DESC
             LIMIT ${limit} OFFSET ${offset}`,
      );
      const [{ total }] = await execRows<{ total: number }>(
        db,
        sql`SELECT count(*)::int AS total FROM plans p JOIN plan_commits c ON c.plan_id = p.id WHERE ${where}`,
      );
      const dir = await itemDirectory(db, [...new Set(rows.flatMap((r) => textArray(r.items)))]);
      return {
        total: Number(total),
        items: rows.map((r) => ({
          id: r.id,
          title: r.title,
          status: r.status as (typeof PUBLIC_PLAN_STATUSES)[number],
          ...describeItems(textArray(r.items), dir),
          windowFrom: r.window_from,
          windowTo: r.window_to,
          commitment: r.commitment,
          entropySource: r.entropy_source,
          committedAt: r.committed_at,
          drawnAt: r.drawn_at,
          voidedAt: r.voided_at,
          counts: {
            pool: r.pool === null ? 0 : Number(r.pool),
            drawn: Number(r.drawn),
            resultsPublished: Number(r.published),
            publications: Number(r.publications),
          },
          lastPublishedAt: r.last_published_at,
        })),
      };
    },

    /** The plan if the public may see it, else null (a draft is indistinguishable from no plan). */
    async publicPlan(id: string) {
      const [row] = await execRows<{ id: string; status: string }>(
        db,
        sql`SELECT p.id, p.status FROM plans p JOIN plan_commits c ON c.plan_id = p.id WHERE p.id = ${id} AND ${PUBLIC_STATUS_SQL}`,
      );
      return row ?? null;
    },

    /** Published results of a plan, one per task (its latest published version), by seq. */
    async planResults(planId: string, limit: number, offset: number) {
      const rows = await execRows<PublishedRow>(
        db,
        sql`${PUBLISHED} WHERE t.plan_id = ${planId} ORDER BY t.seq LIMIT ${limit} OFFSET ${offset}`,
      );
      const [{ total }] = await execRows<{ total: number }>(
        db,
        sql`SELECT count(DISTINCT r.task_id)::int AS total FROM results r JOIN tasks t ON t.id = r.task_id
             WHERE t.plan_id = ${planId} AND r.publication_id IS NOT NULL`,
      );
      return { total: Number(total), items: rows.map(publishedJson) };
    },

    async searchEntities(q: string, limit: number, offset: number) {
      const name = `%${likeEscape(q)}%`;
      const prefix = `${likeEscape(q)}%`;
      const upperPrefix = `${likeEscape(q.toUpperCase())}%`;
      const where = sql`(e.name ILIKE ${name} OR e.id LIKE ${prefix} OR e.id LIKE ${upperPrefix})`;
      const rows = await execRows<{ id: string; name: string; region: string; type: string }>(
        db,
        sql`SELECT e.id, e.name, e.region, e.type FROM entities e WHERE ${where}
             ORDER BY (e.id = ${q} OR e.id = ${q.toUpperCase()}) DESC, (e.id LIKE ${prefix} OR e.id LIKE ${upperPrefix}) DESC,
                      e.name COLLATE "C", e.id
             LIMIT ${limit} OFFSET ${offset}`,
      );
      const [{ total }] = await execRows<{ total: number }>(db, sql`SELECT count(*)::int AS total FROM entities e WHERE ${where}`);
      return { total: Number(total), items: rows.map((r) => ({ id: r.id, name: r.name, region: r.region, type: r.type })) };
    },

    /** An entity's public fields and every published inspection of it (latest published version per task). */
    async entity(id: string) {
      const [e] = await execRows<{ id: string; name: string; region: string; type: string }>(
        db,
        sql`SELECT e.id, e.name, e.region, e.type FROM entities e WHERE e.id = ${id}`,
      );
      if (!e) return null;
      const rows = await execRows<PublishedRow>(
        db,
        sql`${PUBLISHED} WHERE t.entity_id = ${id} ORDER BY r.inspected_on DESC, t.plan_id, t.seq`,
      );
      const dir = await itemDirectory(db, [...new Set(rows.flatMap((r) => textArray(r.plan_items)))]);
      const teamDepts = await departmentNames(db, [...new Set(rows.flatMap((r) => (r.team_departments ? r.team_departments.split(',') : [])))]);
      return {
        id: e.id,
        name: e.name,
        region: e.region,
        type: e.type,
        inspections: rows.map((r) => {
          const described = describeItems(textArray(r.plan_items), dir);
          const team = r.team_departments ? r.team_departments.split(',') : [];
          return {
            planId: r.plan_id,
            planTitle: r.plan_title,
            items: described.items,
            departments: team.length ? team.map((code) => ({ code, name: teamDepts.get(code) ?? code })) : described.departments,
            ...publishedJson(r),
          };
        }),
      };
    },

    listResultCodes: () =>
      db
        .select({ code: resultCodes.code, label: resultCodes.label, departmentCode: resultCodes.departmentCode, active: resultCodes.active })
        .from(resultCodes)
        .orderBy(asc(resultCodes.sortOrder), asc(resultCodes.code)),
    listFollowUpActions: () =>
      db
        .select({
          code: followUpActions.code,
          label: followUpActions.label,
          requiresDeadline: followUpActions.requiresDeadline,
          departmentCode: followUpActions.departmentCode,
          active: followUpActions.active,
        })
        .from(followUpActions)
        .orderBy(asc(followUpActions.sortOrder), asc(followUpActions.code)),
  };
}

interface PublishedRow {
  plan_id: string;
  plan_title: string;
  plan_items: string[] | string;
  seq: number;
  entity_id: string;
  entity_name: string;
  version: number;
  result_code: string;
  result_label: string;
  follow_up: string;
  follow_up_label: string;
  inspected_on: string;
  published_at: string;
  publication_id: string | number;
  publication_number: number;
  corrects: boolean;
  team_departments: string | null;
}

/** The latest published version of each task; callers add WHERE/ORDER. Only published columns. */
const PUBLISHED = sql`
  SELECT t.plan_id, p.title AS plan_title, p.items AS plan_items, t.seq, t.entity_id, e.name AS entity_name,
         r.version, r.result_code, rc.label AS result_label, r.follow_up, fa.label AS follow_up_label,
         ${isoDate(sql`r.inspected_on`)} AS inspected_on, ${isoInstant(sql`r.published_at`)} AS published_at,
         pb.id AS publication_id, pb.number AS publication_number, r.corrects_result_id IS NOT NULL AS corrects,
         (SELECT string_agg(DISTINCT d, ',') FROM unnest(t.team_departments) d) AS team_departments
    FROM tasks t
    JOIN plans p ON p.id = t.plan_id
    JOIN entities e ON e.id = t.entity_id
    JOIN LATERAL (SELECT r.* FROM results r WHERE r.task_id = t.id AND r.publication_id IS NOT NULL
                   ORDER BY r.version DESC LIMIT 1) r ON true
    JOIN result_codes rc ON rc.code = r.result_code
    JOIN follow_up_actions fa ON fa.code = r.follow_up
    JOIN publications pb ON pb.id = r.publication_id`;

function publishedJson(r: PublishedRow) {
  return {
    seq: Number(r.seq),
    entityId: r.entity_id,
    entityName: r.entity_name,
    resultCode: r.result_code,
    resultLabel: r.result_label,
    followUp: r.follow_up,
    followUpLabel: r.follow_up_label,
    inspectedOn: r.inspected_on,
    publishedAt: r.published_at,
    publicationId: Number(r.publication_id),
    publicationNumber: Number(r.publication_number),
    version: Number(r.version),
    corrected: Boolean(r.corrects),
  };
}
