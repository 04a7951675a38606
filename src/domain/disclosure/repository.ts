/**
 * The queries behind what the public may read of plans, for the JSON API under /public/v1 and the portal
 * (published results and entities: published-repository.ts). Every query here is written to the public
 * rules: only committed, drawn or voided plans (never drafts); only published result versions and only
 * their public columns (no findings, no attachments, no token); the server seed only once a draw or a void
 * has revealed it; task grades only to the service, which shows them only where the plan makes them public.
 * Timestamps are formatted in SQL (ISO UTC) and counts cast to int so both drivers return the same shapes.
 */
import { sql, type SQL } from 'drizzle-orm';
import { execRows, jsonValue, type Executor } from '../../db/client.ts';
import { isoDate, isoInstant } from '../../db/sql.ts';
import type { CommitRecord, DrawRecord } from '../../core/replay.ts';
import type { Contribution } from '../../core/ceremony.ts';
import { publicPlanStatusSql, type PublicPlanStatus } from '../plans/status.ts';
import type { Static } from 'typebox';
import type { Equal } from '../../schemas/common.ts';
import type { PublicPlanFilter, PublicPlanStatus as PublicPlanStatusSchema, PublicPlanSummary } from '../../schemas/public.ts';
import { describeItems, itemDirectory, textArray, type ItemDirectory } from './items.ts';

const PUBLIC_STATUS_SQL = publicPlanStatusSql('p.status');
/** How much of a draw record's text may precede its tasks (strata and contributions: a few kilobytes). */
const DRAW_HEAD_MAX = 256 * 1024;
/** The API's status schema lists exactly the statuses the domain makes public. */
const _sameStatuses: Equal<Static<typeof PublicPlanStatusSchema>, PublicPlanStatus> = true;
/** The year of the commitment in China time. */
const COMMIT_YEAR = sql`extract(year FROM c.committed_at AT TIME ZONE 'UTC' + interval '8 hours')`;

/** A task as a public draw record lists it. */
export type DrawTask = DrawRecord['tasks'][number];

export interface NamedCode {
  code: string;
  name: string;
}

/** A public plan with what both its JSON record and its portal page show (no task, no draw record). */
export interface PublicPlanRow {
  id: string;
  title: string;
  status: PublicPlanStatus;
  /** Item and department codes in the plan's order (names: planItems, planDepartments). */
  items: string[];
  departments: string[];
  scheme: { code: string; name: string; public: boolean; source: string | null; grades: Array<{ code: string; label: string; mode: string }> };
  windowFrom: string | null;
  windowTo: string | null;
  commit: CommitRecord;
  committedAt: string;
  /** The witnesses of the plan's draw ceremony (见证人), in the plan's order; empty when it names none. */
  witnesses: string[];
  draw: {
    serverSeed: string;
    publicEntropy: string;
    seed: string;
    drawnAt: string;
    gradesPublic: boolean;
    /** Each witness's contribution, where the draw was a ceremony (the public entropy is their composition). */
    contributions: Contribution[] | null;
  } | null;
  void: { reason: string; at: string; serverSeed: string } | null;
  /** The published annual programme (计划公告) and batch the plan carries out. */
  programme: { id: string; title: string; batch: number } | null;
}

/**
 * A drawn task with its team and its latest published result; seq, grade and mode as drawn (the service
 * hides them where the scheme is not public: seq is the grade order of spec §3, so it would tell the grade).
 */
export interface TaskRow {
  id: number;
  planId: string;
  seq: number | null;
  entityId: string;
  entityName: string;
  grade: string | null;
  mode: string | null;
  team: TeamMember[];
  /** The latest published result of each department (a joint plan's task has one per department), by department code. */
  results: TaskResult[];
}

export interface TeamMember {
  departmentCode: string;
  departmentName: string;
  inspectorId: string;
  inspectorName: string;
}

/** The public columns of a task's latest published result. */
export interface TaskResult {
  taskId: number;
  departmentCode: string;
  departmentName: string;
  version: number;
  resultCode: string;
  resultLabel: string;
  inspectedOn: string;
  followUp: string;
  followUpLabel: string;
  publishedAt: string;
  publicationNumber: number;
  corrected: boolean;
}

interface PlanListRow {
  id: string;
  title: string;
  status: PublicPlanStatus;
  items: string[] | string;
  window_from: string | null;
  window_to: string | null;
  commitment: string;
  entropy_source: string;
  targeting: 'targeted' | 'untargeted';
  committed_at: string;
  drawn_at: string | null;
  voided_at: string | null;
  pool: number | string | null;
  drawn: number | string;
  published: number | string;
  publications: number | string;
  last_published_at: string | null;
}

function planSummary(r: PlanListRow, dir: ItemDirectory): PublicPlanSummary {
  return {
    id: r.id,
    title: r.title,
    status: r.status,
    ...describeItems(textArray(r.items), dir),
    windowFrom: r.window_from,
    windowTo: r.window_to,
    commitment: r.commitment,
    entropySource: r.entropy_source,
    targeting: r.targeting,
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
  };
}

function publicPlanRow(p: Record<string, any>): PublicPlanRow {
  return {
    id: p.id,
    title: p.title,
    status: p.status,
    items: p.items as string[],
    departments: (p.departments as string[]) ?? [],
    scheme: {
      code: p.grade_scheme,
      name: p.scheme_name,
      public: Boolean(p.scheme_public),
      source: p.scheme_source ?? null,
      grades: (jsonValue<PublicPlanRow['scheme']['grades']>(p.scheme_grades) ?? []).map((g) => ({ code: g.code, label: g.label, mode: g.mode })),
    },
    windowFrom: p.window_from ?? null,
    windowTo: p.window_to ?? null,
    commit: jsonValue<CommitRecord>(p.commit_record),
    committedAt: p.committed_at,
    witnesses: p.witnesses ? jsonValue<string[]>(p.witnesses) : [],
    draw:
      p.drawn === null || p.drawn === undefined
        ? null
        : {
            serverSeed: p.revealed_seed,
            publicEntropy: p.public_entropy,
            seed: p.seed,
            drawnAt: p.drawn_at,
            gradesPublic: Boolean(p.grades_public),
            contributions: p.contributions ? jsonValue<Contribution[]>(p.contributions) : null,
          },
    void: p.void_reason === null || p.void_reason === undefined ? null : { reason: p.void_reason, at: p.voided_at, serverSeed: p.revealed_seed },
    programme: p.programme_id ? { id: p.programme_id, title: p.programme_title, batch: Number(p.batch) } : null,
  };
}

export function createDisclosureRepository(db: Executor) {
  return {
    /** Public plans, newest commitment first, with their counts. */
    async listPlans(f: PublicPlanFilter, limit: number, offset: number): Promise<{ total: number; items: PublicPlanSummary[] }> {
      const conds: SQL[] = [PUBLIC_STATUS_SQL];
      if (f.status !== undefined) conds.push(sql`p.status = ${f.status}`);
      if (f.item !== undefined) conds.push(sql`${f.item} = ANY (p.items)`);
      if (f.department !== undefined) {
        conds.push(sql`EXISTS (SELECT 1 FROM items i WHERE i.code = ANY (p.items) AND i.department_code = ${f.department})`);
      }
      if (f.year !== undefined) conds.push(sql`${COMMIT_YEAR} = ${f.year}`);
      const where = sql.join(conds, sql` AND `);
      const rows = await execRows<PlanListRow>(
        db,
        sql`SELECT p.id, p.title, p.status, p.items, ${isoDate(sql`p.window_from`)} AS window_from, ${isoDate(sql`p.window_to`)} AS window_to,
                   c.commitment, p.entropy_source, p.targeting, ${isoInstant(sql`c.committed_at`)} AS committed_at,
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
      return { total: Number(total), items: rows.map((r) => planSummary(r, dir)) };
    },

    /** Choices for the plan filters: departments and items that occur in public plans, and the years. */
    async planFacets(): Promise<{ departments: NamedCode[]; items: NamedCode[]; years: number[] }> {
      const [departmentRows, itemRows, years] = await Promise.all([
        execRows<NamedCode>(
          db,
          sql`SELECT d.code, d.name FROM departments d
               WHERE EXISTS (SELECT 1 FROM plans p JOIN items i ON i.code = ANY(p.items)
                              WHERE ${PUBLIC_STATUS_SQL} AND i.department_code = d.code)
               ORDER BY d.code`,
        ),
        execRows<NamedCode>(
          db,
          sql`SELECT i.code, i.name FROM items i
               WHERE EXISTS (SELECT 1 FROM plans p WHERE ${PUBLIC_STATUS_SQL} AND i.code = ANY(p.items))
               ORDER BY i.code`,
        ),
        execRows<{ year: number }>(
          db,
          sql`SELECT DISTINCT ${COMMIT_YEAR}::int AS year
                FROM plan_commits c JOIN plans p ON p.id = c.plan_id
               WHERE ${PUBLIC_STATUS_SQL} ORDER BY year DESC`,
        ),
      ]);
      return { departments: departmentRows, items: itemRows, years: years.map((y) => Number(y.year)) };
    },

    /** Id, title and status of the plan if the public may see it, else null (a draft is indistinguishable from no plan). */
    async planHeader(id: string): Promise<{ id: string; title: string; status: PublicPlanStatus } | null> {
      const [row] = await execRows<{ id: string; title: string; status: PublicPlanStatus }>(
        db,
        sql`SELECT p.id, p.title, p.status FROM plans p JOIN plan_commits c ON c.plan_id = p.id WHERE p.id = ${id} AND ${PUBLIC_STATUS_SQL}`,
      );
      return row ?? null;
    },

    /** A public plan (committed, drawn or voided), or null for drafts and unknown ids. */
    async plan(id: string): Promise<PublicPlanRow | null> {
      // plan_commits.server_seed is secret until the draw or the void reveals it: it is selected only behind
      // the CASE below, which is the rule (no draw and no void, no seed).
      const [p] = await execRows<Record<string, any>>(
        db,
        sql`SELECT p.id, p.title, p.status, p.items, p.departments, p.grade_scheme, p.window_from::text AS window_from,
                   p.window_to::text AS window_to, c.record::text AS commit_record, ${isoInstant(sql`c.committed_at`)} AS committed_at,
                   array_to_json(p.witnesses)::text AS witnesses,
                   d.plan_id AS drawn, d.public_entropy, d.seed, ${isoInstant(sql`d.drawn_at`)} AS drawn_at, d.grades_public,
                   d.contributions::text AS contributions,
                   CASE WHEN d.plan_id IS NOT NULL OR v.plan_id IS NOT NULL THEN c.server_seed END AS revealed_seed,
                   v.reason AS void_reason, ${isoInstant(sql`v.voided_at`)} AS voided_at,
                   g.name AS scheme_name, g.public AS scheme_public, g.source AS scheme_source, g.grades AS scheme_grades,
                   pr.id AS programme_id, pr.title AS programme_title, p.batch
              FROM plans p
              JOIN plan_commits c ON c.plan_id = p.id
              JOIN grade_schemes g ON g.code = p.grade_scheme
              LEFT JOIN plan_draws d ON d.plan_id = p.id
              LEFT JOIN plan_voids v ON v.plan_id = p.id
              LEFT JOIN programmes pr ON pr.id = p.programme_id AND pr.status = 'published'
             WHERE p.id = ${id} AND ${PUBLIC_STATUS_SQL}`,
      );
      return p ? publicPlanRow(p) : null;
    },

    /** The plan's items with their names and departments (public data, whatever the plan's status). */
    async planItems(id: string): Promise<Map<string, { name: string; departmentCode: string; departmentName: string }>> {
      const rows = await execRows<{ code: string; name: string; department_code: string; department_name: string }>(
        db,
        sql`SELECT i.code, i.name, i.department_code, coalesce(d.name, i.department_code) AS department_name
              FROM plans p JOIN items i ON i.code = ANY(p.items) LEFT JOIN departments d ON d.code = i.department_code
             WHERE p.id = ${id}`,
      );
      return new Map(rows.map((r) => [r.code, { name: r.name, departmentCode: r.department_code, departmentName: r.department_name }]));
    },

    /** Names of the plan's departments, by code. */
    async planDepartments(id: string): Promise<Map<string, string>> {
      const rows = await execRows<NamedCode>(
        db,
        sql`SELECT d.code, d.name FROM plans p JOIN departments d ON d.code = ANY(p.departments) WHERE p.id = ${id}`,
      );
      return new Map(rows.map((r) => [r.code, r.name]));
    },

    /** Tasks drawn per grade, and how many tasks have a published result. */
    async planCounts(id: string): Promise<{ tasks: number; published: number; perGrade: Record<string, number> }> {
      const [r] = await execRows<{ task_count: number; published_count: number; drawn_per_grade: string | null }>(
        db,
        sql`SELECT (SELECT count(*) FROM tasks t WHERE t.plan_id = ${id})::int AS task_count,
                   (SELECT count(DISTINCT r.task_id) FROM results r JOIN tasks t ON t.id = r.task_id
                     WHERE t.plan_id = ${id} AND r.publication_id IS NOT NULL)::int AS published_count,
                   (SELECT json_object_agg(t.grade, t.n)::text FROM (SELECT grade, count(*)::int AS n FROM tasks
                     WHERE plan_id = ${id} GROUP BY grade) t) AS drawn_per_grade`,
      );
      return {
        tasks: Number(r.task_count),
        published: Number(r.published_count),
        perGrade: r.drawn_per_grade ? jsonValue<Record<string, number>>(r.drawn_per_grade) : {},
      };
    },

    /**
     * The drawn plan's draw record without its tasks, as JSON text (an object in JCS member order, without
     * drawnAt), its time and ledger seq. The `plan.drawn` body is JCS text, whose members are sorted: `tasks`
     * comes last, so the header is the text before the first `,"tasks":[` (it cannot occur inside a string,
     * where a quote is escaped). Only a prefix of the body is read, never the megabytes of tasks.
     */
    async drawHead(id: string): Promise<{ head: string; at: string; seq: number } | null> {
      const [row] = await execRows<{ head: string | null; at: string; seq: number | string }>(
        db,
        sql`SELECT CASE WHEN strpos(x.prefix, ',"tasks":[') > 0 THEN substr(x.prefix, 1, strpos(x.prefix, ',"tasks":[') - 1) || '}'
                        -- a body without tasks (a record of nothing drawn) is its own header
                        WHEN char_length(x.prefix) < ${DRAW_HEAD_MAX}::int THEN x.prefix END AS head,
                   x.at, x.seq
              FROM (SELECT substr(l.body, 1, ${DRAW_HEAD_MAX}::int) AS prefix, l.at, l.seq
                      FROM plan_draws d JOIN ledger l ON l.seq = d.ledger_seq WHERE d.plan_id = ${id}) x`,
      );
      if (!row) return null;
      if (row.head === null) throw new Error(`plan ${id}: no "tasks" member within the first ${DRAW_HEAD_MAX} characters of the draw record`);
      return { head: row.head, at: row.at, seq: Number(row.seq) };
    },

    /**
     * One page of a drawn plan's public task list: the tasks with entity id after `after` (UTF-8 byte order,
     * the index tasks_plan_entity_idx), each as the draw record has it — seq where `withSeq`, grade where
     * `withGrade` — with its entity's name; `more` when tasks follow. Never by seq (the grade order).
     */
    async taskPage(
      planId: string,
      after: string | null,
      limit: number,
      shown: { seq: boolean; grade: boolean },
    ): Promise<{ tasks: DrawTask[]; names: Record<string, string>; more: boolean }> {
      const rows = await execRows<{ entity_id: string; seq: number | string; grade: string; departments: string; inspectors: string; name: string }>(
        db,
        sql`SELECT t.entity_id, t.seq, t.grade, array_to_json(t.team_departments)::text AS departments,
                   array_to_json(t.team_inspectors)::text AS inspectors, e.name
              FROM tasks t JOIN entities e ON e.id = t.entity_id
             WHERE t.plan_id = ${planId} ${after === null ? sql`` : sql`AND t.entity_id COLLATE "C" > ${after}`}
             ORDER BY t.entity_id COLLATE "C" LIMIT ${limit + 1}`,
      );
      const more = rows.length > limit;
      const page = more ? rows.slice(0, limit) : rows;
      const tasks = page.map((r): DrawTask => {
        const departments = JSON.parse(r.departments) as string[];
        const inspectors = (JSON.parse(r.inspectors) as string[]).map((inspectorId, i) => ({ departmentCode: departments[i], inspectorId }));
        return {
          ...(shown.seq ? { seq: Number(r.seq) } : {}),
          entityId: r.entity_id,
          ...(shown.grade ? { grade: r.grade } : {}),
          inspectors,
        };
      });
      return { tasks, names: Object.fromEntries(page.map((r) => [r.entity_id, r.name])), more };
    },

    /**
     * Names of the drawn entities with entity id after `after`, at most `limit`, in entity id order (UTF-8
     * bytes: COLLATE "C"), never in task order: seq is the grade order (spec §5). A keyset page: the whole
     * list of a big plan is read page by page, never at once.
     */
    async entityNamesAfter(planId: string, after: string | null, limit: number): Promise<Array<{ id: string; name: string }>> {
      return execRows<{ id: string; name: string }>(
        db,
        sql`SELECT e.id, e.name FROM tasks t JOIN entities e ON e.id = t.entity_id
             WHERE t.plan_id = ${planId} ${after === null ? sql`` : sql`AND t.entity_id COLLATE "C" > ${after}`}
             ORDER BY t.entity_id COLLATE "C" LIMIT ${limit}`,
      );
    },

    /**
     * One page of a drawn plan's tasks by entity id (UTF-8 bytes, as the rev-2 public record; never by seq,
     * which is the grade order of spec §3), each with its entity's name, its team (names from the
     * directories) and its latest published result — one query, the team aggregated as JSON text.
     */
    async planTasks(planId: string, limit: number, offset: number): Promise<TaskRow[]> {
      const rows = await execRows<Record<string, any>>(
        db,
        sql`SELECT t.id, t.seq, t.entity_id, e.name AS entity_name, t.grade, t.mode,
                   (SELECT json_agg(json_build_array(m.department_code, coalesce(d.name, m.department_code), m.inspector_id, i.name)
                                    ORDER BY m.position)::text
                      FROM unnest(t.team_departments, t.team_inspectors) WITH ORDINALITY AS m(department_code, inspector_id, position)
                      JOIN inspectors i ON i.id = m.inspector_id
                      LEFT JOIN departments d ON d.code = m.department_code) AS team,
                   -- only published versions, and of those each department's latest (a correction supersedes what it corrects)
                   (SELECT json_agg(json_build_array(r.department_code, coalesce(dp.name, r.department_code), r.version, r.result_code,
                                                     rc.label, ${isoDate(sql`r.inspected_on`)}, r.follow_up, fa.label,
                                                     ${isoInstant(sql`r.published_at`)}, pub.number, r.corrects_result_id IS NOT NULL)
                                    ORDER BY r.department_code COLLATE "C")::text
                      FROM (SELECT DISTINCT ON (x.department_code) x.* FROM results x WHERE x.task_id = t.id AND x.publication_id IS NOT NULL
                             ORDER BY x.department_code, x.version DESC) r
                      JOIN result_codes rc ON rc.code = r.result_code
                      JOIN follow_up_actions fa ON fa.code = r.follow_up
                      JOIN publications pub ON pub.id = r.publication_id
                      LEFT JOIN departments dp ON dp.code = r.department_code) AS results
              FROM tasks t
              JOIN entities e ON e.id = t.entity_id
             WHERE t.plan_id = ${planId}
             ORDER BY t.entity_id COLLATE "C" LIMIT ${limit} OFFSET ${offset}`,
      );
      return rows.map((r) => taskRow(planId, r));
    },
  };
}

function taskRow(planId: string, r: Record<string, any>): TaskRow {
  return {
    id: Number(r.id),
    planId,
    seq: Number(r.seq),
    entityId: r.entity_id,
    entityName: r.entity_name,
    grade: r.grade,
    mode: r.mode,
    team: (r.team ? (JSON.parse(r.team) as string[][]) : []).map(([departmentCode, departmentName, inspectorId, inspectorName]) => ({
      departmentCode,
      departmentName,
      inspectorId,
      inspectorName,
    })),
    results: (r.results ? (JSON.parse(r.results) as unknown[][]) : []).map(
      ([departmentCode, departmentName, version, resultCode, resultLabel, inspectedOn, followUp, followUpLabel, publishedAt, number, corrects]) => ({
        taskId: Number(r.id),
        departmentCode: String(departmentCode),
        departmentName: String(departmentName),
        version: Number(version),
        resultCode: String(resultCode),
        resultLabel: String(resultLabel),
        inspectedOn: String(inspectedOn),
        followUp: String(followUp),
        followUpLabel: String(followUpLabel),
        publishedAt: String(publishedAt),
        publicationNumber: Number(number),
        corrected: Boolean(corrects),
      }),
    ),
  };
}
