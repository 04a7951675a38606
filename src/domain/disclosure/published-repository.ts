/**
 * Published results (结果公示), the entity directory's public side and the public code lists. Only
 * published result versions, and of those only their public columns: no findings, no attachments, no grade,
 * and a task's seq only where its plan's grades are public (seq is the grade order of spec §3). A plan's
 * results come by entity id (UTF-8 bytes), never by seq.
 */
import { asc, sql } from 'drizzle-orm';
import { execRows, type Executor } from '../../db/client.ts';
import { followUpActions, resultCodes } from '../../db/schema.ts';
import { isoDate, isoInstant } from '../../db/sql.ts';
import { escalationLabel, followUpOutcomeLabel } from '../../core/result-codes.ts';
import type { PublicEntity, PublicEntityDetail, PublicFollowUpAction, PublicResultCode, PublishedResult } from '../../schemas/public.ts';
import { departmentNames, describeItems, itemDirectory, textArray } from './items.ts';

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export function createPublishedRepository(db: Executor) {
  return {
    /** Published results of a plan, one per task and department (its latest published version), by entity id. */
    async planResults(planId: string, limit: number, offset: number): Promise<{ total: number; items: PublishedResult[] }> {
      const rows = await execRows<PublishedRow>(
        db,
        sql`${PUBLISHED} WHERE t.plan_id = ${planId} ORDER BY t.entity_id COLLATE "C", r.department_code COLLATE "C" LIMIT ${limit} OFFSET ${offset}`,
      );
      const [{ total }] = await execRows<{ total: number }>(
        db,
        sql`SELECT count(DISTINCT (r.task_id, r.department_code))::int AS total FROM results r JOIN tasks t ON t.id = r.task_id
             WHERE t.plan_id = ${planId} AND r.publication_id IS NOT NULL`,
      );
      return { total: Number(total), items: rows.map(publishedJson) };
    },

    /** Entities by name substring or id prefix: exact id first, then id prefixes, then by name. */
    async searchEntities(q: string, limit: number, offset: number): Promise<{ total: number; items: PublicEntity[] }> {
      const name = `%${likeEscape(q)}%`;
      const prefix = `${likeEscape(q)}%`;
      const upperPrefix = `${likeEscape(q.toUpperCase())}%`;
      const where = sql`(e.name ILIKE ${name} OR e.id LIKE ${prefix} OR e.id LIKE ${upperPrefix})`;
      const rows = await execRows<PublicEntity>(
        db,
        sql`SELECT e.id, e.name, e.region, e.type FROM entities e WHERE ${where}
             ORDER BY (e.id = ${q} OR e.id = ${q.toUpperCase()}) DESC, (e.id LIKE ${prefix} OR e.id LIKE ${upperPrefix}) DESC,
                      e.name COLLATE "C", e.id
             LIMIT ${limit} OFFSET ${offset}`,
      );
      const [{ total }] = await execRows<{ total: number }>(db, sql`SELECT count(*)::int AS total FROM entities e WHERE ${where}`);
      return { total: Number(total), items: rows.map((r) => ({ id: r.id, name: r.name, region: r.region, type: r.type })) };
    },

    /** An entity's public fields and every published inspection of it (latest published version per task and department). */
    async entity(id: string): Promise<PublicEntityDetail | null> {
      const [e] = await execRows<PublicEntity>(db, sql`SELECT e.id, e.name, e.region, e.type FROM entities e WHERE e.id = ${id}`);
      if (!e) return null;
      const rows = await execRows<PublishedRow>(
        db,
        sql`${PUBLISHED} WHERE t.entity_id = ${id} ORDER BY r.inspected_on DESC, t.plan_id, r.department_code COLLATE "C"`,
      );
      const dir = await itemDirectory(db, [...new Set(rows.flatMap((r) => textArray(r.plan_items)))]);
      const teamDepts = await departmentNames(db, [...new Set(rows.flatMap((r) => (r.team_departments ? r.team_departments.split(',') : [])))]);
      const followUps = await publishedFollowUps(db, id);
      return {
        followUps,
        id: e.id,
        name: e.name,
        region: e.region,
        type: e.type,
        inspections: rows.map((r) => {
          const described = describeItems(textArray(r.plan_items), dir);
          const all = r.team_departments ? r.team_departments.split(',') : [];
          // a joint task's result is one department's (谁检查、谁公开): that department inspected for it
          const team = all.length > 1 ? [r.department_code] : all;
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

    listResultCodes: (): Promise<PublicResultCode[]> =>
      db
        .select({ code: resultCodes.code, label: resultCodes.label, departmentCode: resultCodes.departmentCode, active: resultCodes.active })
        .from(resultCodes)
        .orderBy(asc(resultCodes.sortOrder), asc(resultCodes.code)),
    listFollowUpActions: (): Promise<PublicFollowUpAction[]> =>
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

/** An entity's published follow-up outcomes (整改复查), newest first: the published columns only. */
async function publishedFollowUps(db: Executor, entityId: string): Promise<PublicEntityDetail['followUps']> {
  const rows = await execRows<{
    plan_id: string;
    department_code: string;
    department_name: string | null;
    due_on: string;
    checked_on: string;
    outcome: 'rectified' | 'not-rectified';
    actions: string[];
    published_at: string;
    ledger_seq: number | string;
  }>(
    db,
    sql`SELECT f.plan_id, f.department_code, d.name AS department_name, f.due_on::text AS due_on, f.checked_on::text AS checked_on,
               f.outcome, f.actions, ${isoInstant(sql`f.published_at`)} AS published_at, f.ledger_seq
          FROM follow_ups f LEFT JOIN departments d ON d.code = f.department_code
         WHERE f.entity_id = ${entityId} AND f.status = 'published'
         ORDER BY f.checked_on DESC, f.id DESC`,
  );
  return rows.map((r) => ({
    planId: r.plan_id,
    department: { code: r.department_code, name: r.department_name ?? r.department_code },
    dueOn: r.due_on,
    checkedOn: r.checked_on,
    outcome: r.outcome,
    outcomeLabel: followUpOutcomeLabel(r.outcome),
    actions: r.actions.map((code) => ({ code, label: escalationLabel(code) })),
    publishedAt: r.published_at,
    ledgerSeq: Number(r.ledger_seq),
  }));
}

interface PublishedRow {
  plan_id: string;
  plan_title: string;
  plan_items: string[] | string;
  seq: number;
  /** The plan's grades are public (public scheme, drawn with grades): only then is seq shown. */
  seq_public: boolean;
  entity_id: string;
  entity_name: string;
  department_code: string;
  department_name: string;
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

/** The latest published version of each task's result of each department; callers add WHERE/ORDER. Only published columns. */
const PUBLISHED = sql`
  SELECT t.plan_id, p.title AS plan_title, p.items AS plan_items, t.seq, t.entity_id, e.name AS entity_name,
         coalesce(g.public AND pd.grades_public, false) AS seq_public,
         r.department_code, coalesce(dp.name, r.department_code) AS department_name, r.version, r.result_code, rc.label AS result_label, r.follow_up, fa.label AS follow_up_label,
         ${isoDate(sql`r.inspected_on`)} AS inspected_on, ${isoInstant(sql`r.published_at`)} AS published_at,
         pb.id AS publication_id, pb.number AS publication_number, r.corrects_result_id IS NOT NULL AS corrects,
         (SELECT string_agg(DISTINCT d, ',') FROM unnest(t.team_departments) d) AS team_departments
    FROM tasks t
    JOIN plans p ON p.id = t.plan_id
    LEFT JOIN grade_schemes g ON g.code = p.grade_scheme
    LEFT JOIN plan_draws pd ON pd.plan_id = t.plan_id
    JOIN entities e ON e.id = t.entity_id
    JOIN LATERAL (SELECT DISTINCT ON (r.department_code) r.* FROM results r WHERE r.task_id = t.id AND r.publication_id IS NOT NULL
                   ORDER BY r.department_code, r.version DESC) r ON true
    LEFT JOIN departments dp ON dp.code = r.department_code
    JOIN result_codes rc ON rc.code = r.result_code
    JOIN follow_up_actions fa ON fa.code = r.follow_up
    JOIN publications pb ON pb.id = r.publication_id`;

function publishedJson(r: PublishedRow): PublishedResult {
  return {
    ...(r.seq_public ? { seq: Number(r.seq) } : {}),
    entityId: r.entity_id,
    entityName: r.entity_name,
    department: { code: r.department_code, name: r.department_name },
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
