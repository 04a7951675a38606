/**
 * Read-only queries behind the portal pages that the public JSON API has no function for (the plan page's
 * task list with teams, the filter choices, the ledger walk). Lists, entity search and entity pages use the
 * public API's own repository (routes/public/repository.ts). Same rules here: only committed, drawn or voided
 * plans; only published result versions and only their public columns (no findings, no attachments); the
 * server seed only from the draw record or the void's ledger entry. Timestamps are formatted in SQL (ISO
 * UTC) and counts cast to int so both drivers return the same shapes.
 */
import { sql, type SQL } from 'drizzle-orm';
import { jsonValue, execRows, type Database } from '../../db/client.ts';
import type { CommitRecord, DrawStratum } from '../../core/replay.ts';
import type { LedgerEntry } from '../../core/ledger.ts';
import { verifyLedger, type LedgerVerification } from '../../core/ledger.ts';
import type { PlanStatus } from './format.ts';
import type { createPublicRepository } from '../public/repository.ts';

const iso = (col: SQL) => sql`to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export interface NamedCode {
  code: string;
  name: string;
}

/** The public columns of a published result, as the public API serves them. */
export interface PublishedResult {
  taskId: number;
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

export interface TeamMember {
  departmentCode: string;
  departmentName: string;
  inspectorId: string;
  inspectorName: string;
}

export interface TaskRow {
  id: number;
  planId: string;
  seq: number;
  entityId: string;
  entityName: string;
  /** null after publicTasks unless the plan's grades are public. */
  grade: string | null;
  /** null after publicTasks where the mode would give away a grade that is not public (see modeShowable). */
  mode: string | null;
  team: TeamMember[];
  result: PublishedResult | null;
}

export interface PlanDetail {
  id: string;
  title: string;
  status: PlanStatus;
  items: Array<NamedCode & { departmentCode: string; departmentName: string }>;
  departments: NamedCode[];
  scheme: { code: string; name: string; public: boolean; source: string | null; grades: Array<{ code: string; label: string; mode: string }> };
  windowFrom: string | null;
  windowTo: string | null;
  commit: CommitRecord;
  committedAt: string;
  /** The public draw record's header (the tasks themselves come from planTasks, page by page). */
  draw: { serverSeed: string; publicEntropy: string; seed: string; drawnAt: string; strata: DrawStratum[]; taskCount: number } | null;
  voided: { reason: string; at: string; serverSeed: string | null } | null;
  /** Task grades may be shown: the scheme is public and the draw record was published with grades. */
  gradesPublic: boolean;
  /** Task inspection modes may be shown (see modeShowable). */
  modesPublic: boolean;
  taskCount: number;
  publishedCount: number;
  publications: Array<{ number: number; publishedAt: string; taskCount: number; scope: string; ledgerSeq: number; note: string | null }>;
}

/** A plan's tasks with only what may be shown of them: no grade or mode the plan does not make public. */
export function publicTasks(plan: PlanDetail, tasks: TaskRow[]): TaskRow[] {
  if (plan.draw === null) return [];
  return tasks.map((t) => ({ ...t, grade: plan.gradesPublic ? t.grade : null, mode: plan.modesPublic ? t.mode : null }));
}

/**
 * An entity's inspection mode follows from its grade (written checks for the best grade, say), so where the
 * grades are not public the mode is shown only if every grade of the scheme has the same one.
 */
export function modeShowable(gradesPublic: boolean, grades: ReadonlyArray<{ mode: string }>): boolean {
  return gradesPublic || new Set(grades.map((g) => g.mode)).size <= 1;
}


/** Per database: the last verified ledger entry and when the whole chain was last walked. */
const verifiedPrefix = new WeakMap<Database, { seq: number; hash: string; fullAt: number }>();

export function createPortalData(database: Database, fullCheckSeconds = 600) {
  const db = database.db;
  /** The verified prefix still ends in the entry we hashed (a rewritten anchor forces a full walk). */
  async function stillHashed(memo: { seq: number; hash: string }): Promise<boolean> {
    if (memo.seq === 0) return true;
    const [row] = await execRows<{ hash: string }>(db, sql`SELECT hash FROM ledger WHERE seq = ${memo.seq}`);
    return row?.hash === memo.hash;
  }

  return {
    /** Choices for the plan filters: departments and items that occur in public plans, and the years. */
    async planFacets(): Promise<{ departments: NamedCode[]; items: NamedCode[]; years: number[] }> {
      const [departments, items, years] = await Promise.all([
        execRows<NamedCode>(
          db,
          sql`SELECT d.code, d.name FROM departments d
               WHERE EXISTS (SELECT 1 FROM plans p JOIN items i ON i.code = ANY(p.items)
                              WHERE p.status IN ('committed', 'drawn', 'voided') AND i.department_code = d.code)
               ORDER BY d.code`,
        ),
        execRows<NamedCode>(
          db,
          sql`SELECT i.code, i.name FROM items i
               WHERE EXISTS (SELECT 1 FROM plans p WHERE p.status IN ('committed', 'drawn', 'voided') AND i.code = ANY(p.items))
               ORDER BY i.code`,
        ),
        execRows<{ year: number }>(
          db,
          sql`SELECT DISTINCT extract(year FROM c.committed_at AT TIME ZONE 'UTC' + interval '8 hours')::int AS year
                FROM plan_commits c JOIN plans p ON p.id = c.plan_id
               WHERE p.status IN ('committed', 'drawn', 'voided') ORDER BY year DESC`,
        ),
      ]);
      return { departments, items, years: years.map((y) => Number(y.year)) };
    },

    /** A public plan (committed, drawn or voided), or null for drafts and unknown ids. */
    async plan(id: string): Promise<PlanDetail | null> {
      // plan_commits.server_seed is secret until the draw: it is selected only behind the CASE below.
      const main = execRows<Record<string, any>>(
        db,
        sql`SELECT p.id, p.title, p.status, p.items, p.departments, p.grade_scheme, p.window_from::text AS window_from,
                   p.window_to::text AS window_to, c.record::text AS commit_record, ${iso(sql`c.committed_at`)} AS committed_at,
                   d.plan_id AS drawn, d.public_entropy, d.seed, ${iso(sql`d.drawn_at`)} AS drawn_at,
                   -- Revealed by the draw (the draw record carries the same value; reading it here spares parsing
                   -- the whole record). The CASE is the rule: no draw, no seed.
                   CASE WHEN d.plan_id IS NOT NULL THEN c.server_seed END AS server_seed,
                   (SELECT json_object_agg(t.grade, t.n)::text FROM (SELECT grade, count(*)::int AS n FROM tasks
                     WHERE plan_id = p.id GROUP BY grade) t) AS drawn_per_grade,
                   d.grades_public, v.reason AS void_reason, ${iso(sql`v.voided_at`)} AS voided_at,
                   g.name AS scheme_name, g.public AS scheme_public, g.source AS scheme_source, g.grades AS scheme_grades,
                   (SELECT count(*) FROM tasks t WHERE t.plan_id = p.id)::int AS task_count,
                   (SELECT count(DISTINCT r.task_id) FROM results r JOIN tasks t ON t.id = r.task_id
                     WHERE t.plan_id = p.id AND r.publication_id IS NOT NULL)::int AS published_count
              FROM plans p
              JOIN plan_commits c ON c.plan_id = p.id
              JOIN grade_schemes g ON g.code = p.grade_scheme
              LEFT JOIN plan_draws d ON d.plan_id = p.id
              LEFT JOIN plan_voids v ON v.plan_id = p.id
             WHERE p.id = ${id} AND p.status IN ('committed', 'drawn', 'voided')`,
      );
      // Independent queries run together (separate connections on PostgreSQL); only public data either way.
      const items = execRows<Record<string, any>>(
        db,
        sql`SELECT i.code, i.name, i.department_code, coalesce(d.name, i.department_code) AS department_name
              FROM plans p JOIN items i ON i.code = ANY(p.items) LEFT JOIN departments d ON d.code = i.department_code
             WHERE p.id = ${id}`,
      );
      const departments = execRows<NamedCode>(db, sql`SELECT code, name FROM departments`);
      const pubs = execRows<Record<string, any>>(
        db,
        sql`SELECT number, ${iso(sql`published_at`)} AS published_at, task_count, scope, ledger_seq, note
              FROM publications WHERE plan_id = ${id} ORDER BY number`,
      );
      const [[p], itemRows, deptRows, publications] = await Promise.all([main, items, departments, pubs]);
      if (!p) return null;
      const byCode = new Map(itemRows.map((r) => [r.code, r]));
      const deptNames = new Map(deptRows.map((r) => [r.code, r.name]));
      let voided: PlanDetail['voided'] = null;
      if (p.void_reason !== null && p.void_reason !== undefined) {
        // The seed revealed by a void is public through the ledger's plan.voided entry: take it from there.
        const [entry] = await execRows<{ body: unknown }>(
          db,
          sql`SELECT body FROM ledger WHERE plan_id = ${id} AND kind = 'plan.voided' ORDER BY seq DESC LIMIT 1`,
        );
        const body = entry ? jsonValue<{ serverSeed?: string }>(entry.body) : null;
        voided = { reason: p.void_reason, at: p.voided_at, serverSeed: body?.serverSeed ?? null };
      }
      const grades = jsonValue<Array<{ code: string; label: string; mode: string }>>(p.scheme_grades) ?? [];
      const commit = jsonValue<CommitRecord>(p.commit_record);
      const drawnPerGrade = p.drawn_per_grade ? jsonValue<Record<string, number>>(p.drawn_per_grade) : {};
      return {
        id: p.id,
        title: p.title,
        status: p.status,
        items: (p.items as string[]).map((code) => {
          const r = byCode.get(code);
          return { code, name: r?.name ?? code, departmentCode: r?.department_code ?? '', departmentName: r?.department_name ?? '' };
        }),
        departments: ((p.departments as string[]) ?? []).map((code) => ({ code, name: deptNames.get(code) ?? code })),
        scheme: {
          code: p.grade_scheme,
          name: p.scheme_name,
          public: Boolean(p.scheme_public),
          source: p.scheme_source ?? null,
          grades: grades.map((g) => ({ code: g.code, label: g.label, mode: g.mode })),
        },
        windowFrom: p.window_from ?? null,
        windowTo: p.window_to ?? null,
        commit,
        committedAt: p.committed_at,
        draw:
          p.drawn === null || p.drawn === undefined
            ? null
            : {
                serverSeed: p.server_seed,
                publicEntropy: p.public_entropy,
                seed: p.seed,
                drawnAt: p.drawn_at,
                strata: commit.strata.map((c) => ({ ...c, drawn: drawnPerGrade[c.grade] ?? 0 })),
                taskCount: Number(p.task_count),
              },
        voided,
        gradesPublic: Boolean(p.scheme_public) && Boolean(p.grades_public),
        modesPublic: modeShowable(Boolean(p.scheme_public) && Boolean(p.grades_public), grades),
        taskCount: Number(p.task_count),
        publishedCount: Number(p.published_count),
        publications: publications.map((r) => ({
          number: Number(r.number),
          publishedAt: r.published_at,
          taskCount: Number(r.task_count),
          scope: r.scope,
          ledgerSeq: Number(r.ledger_seq),
          note: r.note ?? null,
        })),
      };
    },

    /**
     * One page of a drawn plan's tasks in seq order, each with its entity's name, its team (names from the
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
                   r.version, r.result_code, rc.label AS result_label, to_char(r.inspected_on, 'YYYY-MM-DD') AS inspected_on,
                   r.follow_up, fa.label AS follow_up_label, ${iso(sql`r.published_at`)} AS published_at,
                   pub.number AS publication_number, (r.corrects_result_id IS NOT NULL) AS corrects
              FROM tasks t
              JOIN entities e ON e.id = t.entity_id
              -- only published versions, and of those the latest (a correction supersedes what it corrects)
              LEFT JOIN LATERAL (SELECT * FROM results r WHERE r.task_id = t.id AND r.publication_id IS NOT NULL
                                  ORDER BY r.version DESC LIMIT 1) r ON true
              LEFT JOIN result_codes rc ON rc.code = r.result_code
              LEFT JOIN follow_up_actions fa ON fa.code = r.follow_up
              LEFT JOIN publications pub ON pub.id = r.publication_id
             WHERE t.plan_id = ${planId}
             ORDER BY t.seq LIMIT ${limit} OFFSET ${offset}`,
      );
      return rows.map((r) => ({
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
        result:
          r.version === null || r.version === undefined
            ? null
            : {
                taskId: Number(r.id),
                version: Number(r.version),
                resultCode: r.result_code,
                resultLabel: r.result_label,
                inspectedOn: r.inspected_on,
                followUp: r.follow_up,
                followUpLabel: r.follow_up_label,
                publishedAt: r.published_at,
                publicationNumber: Number(r.publication_number),
                corrected: Boolean(r.corrects),
              },
      }));
    },

    async ledgerHead(): Promise<{ seq: number; hash: string; at: string } | null> {
      const [r] = await execRows<Record<string, any>>(db, sql`SELECT seq, hash, at FROM ledger ORDER BY seq DESC LIMIT 1`);
      return r ? { seq: Number(r.seq), hash: r.hash, at: r.at } : null;
    },

    async ledgerPage(limit: number, offset: number, planId?: string) {
      const where = planId ? sql`WHERE plan_id = ${planId}` : sql``;
      const [{ total }] = await execRows<{ total: number }>(db, sql`SELECT count(*)::int AS total FROM ledger ${where}`);
      const rows = await execRows<Record<string, any>>(
        db,
        sql`SELECT seq, kind, plan_id, at, prev_hash, hash FROM ledger ${where} ORDER BY seq DESC LIMIT ${limit} OFFSET ${offset}`,
      );
      return {
        total: Number(total),
        rows: rows.map((r) => ({ seq: Number(r.seq), kind: r.kind as string, planId: r.plan_id as string | null, at: r.at as string, prevHash: r.prev_hash as string, hash: r.hash as string })),
      };
    },

    /**
     * Checks the chain with core verifyLedger, streamed in batches so memory stays bounded. The ledger is
     * append-only, so a view re-hashes only the entries after the last verified one (whose stored hash
     * must still be the one verified), and the whole chain is walked again at least every
     * `fullCheckSeconds` (0 = on every view). Each service instance keeps its own verified prefix: it is
     * derived from the database, so instances can differ only in how recently they walked it.
     */
    async verifyChain(): Promise<LedgerVerification & { entries: number; ms: number; checkedFrom: number; fullCheckAt: string }> {
      const started = performance.now();
      const now = Date.now();
      let memo = verifiedPrefix.get(database) ?? null;
      if (memo && (now - memo.fullAt >= fullCheckSeconds * 1000 || !(await stillHashed(memo)))) memo = null;
      const fullAt = memo ? memo.fullAt : now;
      let prev: { seq: number; hash: string } | null = memo ? { seq: memo.seq, hash: memo.hash } : null;
      let entries = memo?.seq ?? 0;
      const checkedFrom = entries + 1;
      const done = (v: LedgerVerification) => ({ ...v, entries, ms: performance.now() - started, checkedFrom, fullCheckAt: new Date(fullAt).toISOString() });
      for await (const batch of database.streamQuery<Record<string, any>>(
        'SELECT seq, kind, plan_id, at, body, prev_hash, hash FROM ledger WHERE seq > $1 ORDER BY seq',
        [prev?.seq ?? 0],
        1000,
      )) {
        const chunk: LedgerEntry[] = batch.map((r) => ({
          seq: Number(r.seq),
          kind: r.kind,
          // as the ledger API serves it (routes/ledger/repository.ts)
          planId: r.plan_id ?? '',
          at: r.at,
          body: JSON.parse(r.body), // the stored JCS text
          prevHash: r.prev_hash,
          hash: r.hash,
        }));
        const v = verifyLedger(chunk, prev ? { startPrevHash: prev.hash, startSeq: prev.seq + 1 } : {});
        if (!v.ok) {
          verifiedPrefix.delete(database);
          entries += chunk.length;
          return done(v);
        }
        entries += chunk.length;
        prev = { seq: v.seq, hash: v.hash };
      }
      const head = { seq: prev?.seq ?? 0, hash: prev?.hash ?? '0'.repeat(64) };
      verifiedPrefix.set(database, { ...head, fullAt });
      return done({ ok: true, ...head });
    },
  };
}

export type PortalData = ReturnType<typeof createPortalData>;

type PublicRepository = ReturnType<typeof createPublicRepository>;
/** A plan as the public plan list returns it. */
export type PublicPlanRow = Awaited<ReturnType<PublicRepository['listPlans']>>['items'][number];
export type PublicEntityRow = Awaited<ReturnType<PublicRepository['searchEntities']>>['items'][number];
export type PublicEntityDetail = NonNullable<Awaited<ReturnType<PublicRepository['entity']>>>;
export interface PublicPlanFilter {
  department?: string;
  item?: string;
  year?: number;
  status?: PlanStatus;
}
