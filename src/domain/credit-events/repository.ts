/** Published results and follow-up outcomes in ledger order, for the credit-event feed: keyset pages by (ledger seq, id). */
import { sql, type SQL } from 'drizzle-orm';
import { execRows, type Executor } from '../../db/client.ts';
import { isoInstant } from '../../db/sql.ts';

export interface CreditEventRow {
  /** 'result' (a published result version) or 'follow-up' (a published 复查 outcome). */
  event_kind: 'result' | 'follow-up';
  /** The result's id, or the follow-up's. */
  result_id: number | string;
  /** A follow-up's: the published result that ordered the correction. */
  order_result_id: number | string | null;
  corrects_result_id: number | string | null;
  ledger_seq: number | string;
  ledger_hash: string;
  published_at: string;
  publication_number: number | null;
  plan_id: string;
  plan_items: string[];
  entity_id: string;
  entity_name: string;
  department_code: string;
  department_name: string | null;
  inspected_on: string;
  result_code: string;
  result_label: string | null;
  follow_up: string | null;
  follow_up_label: string | null;
  follow_up_deadline: string | null;
  /** A follow-up's escalations (约谈, 移送, …). */
  actions: string[] | null;
}

export interface CreditEventPosition {
  ledgerSeq: number;
  resultId: number;
}

/**
 * Up to `limit` published results after `after`, at or after `since`. Appends to the ledger are serialized and
 * committed in seq order (src/domain/ledger/repository.ts), so a publication committed later always sorts later:
 * a reader resuming from a position never misses one.
 */
export async function creditEventPage(q: Executor, after: CreditEventPosition | null, since: Date | null, limit: number): Promise<CreditEventRow[]> {
  const position = (seq: SQL, id: SQL) => (after === null ? sql`` : sql`AND (${seq}, ${id}) > (${after.ledgerSeq}, ${after.resultId})`);
  const from = (at: SQL) => (since === null ? sql`` : sql`AND ${at} >= ${since.toISOString()}::timestamptz`);
  // Each ledger entry is of one kind, so (ledger seq, id) orders results and follow-ups without a tie.
  return execRows<CreditEventRow>(
    q,
    sql`SELECT * FROM (
        SELECT 'result' AS event_kind, r.id AS result_id, r.corrects_result_id, NULL::bigint AS order_result_id, p.ledger_seq, l.hash AS ledger_hash,
               ${isoInstant(sql`p.published_at`)} AS published_at, p.number AS publication_number, p.plan_id, pl.items AS plan_items,
               t.entity_id, e.name AS entity_name, r.department_code, d.name AS department_name,
               r.inspected_on::text AS inspected_on, r.result_code, rc.label AS result_label,
               r.follow_up, fa.label AS follow_up_label, r.follow_up_deadline::text AS follow_up_deadline, NULL::text[] AS actions
          FROM publications p
          JOIN ledger l ON l.seq = p.ledger_seq
          JOIN results r ON r.publication_id = p.id
          JOIN tasks t ON t.id = r.task_id
          JOIN plans pl ON pl.id = p.plan_id
          JOIN entities e ON e.id = t.entity_id
          JOIN result_codes rc ON rc.code = r.result_code
          JOIN follow_up_actions fa ON fa.code = r.follow_up
          LEFT JOIN departments d ON d.code = r.department_code
         WHERE TRUE ${position(sql`p.ledger_seq`, sql`r.id`)} ${from(sql`p.published_at`)}
        UNION ALL
        SELECT 'follow-up', f.id, NULL, f.result_id, f.ledger_seq, l.hash,
               ${isoInstant(sql`f.published_at`)}, NULL, f.plan_id, pl.items,
               f.entity_id, e.name, f.department_code, d.name,
               f.checked_on::text, f.outcome, NULL, NULL, NULL, f.due_on::text, f.actions
          FROM follow_ups f
          JOIN ledger l ON l.seq = f.ledger_seq
          JOIN plans pl ON pl.id = f.plan_id
          JOIN entities e ON e.id = f.entity_id
          LEFT JOIN departments d ON d.code = f.department_code
         WHERE f.status = 'published' ${position(sql`f.ledger_seq`, sql`f.id`)} ${from(sql`f.published_at`)}
      ) events
      ORDER BY ledger_seq, result_id
      LIMIT ${limit}`,
  );
}

/** Code → name and department of these items. */
export async function itemsByCode(q: Executor, codes: readonly string[]): Promise<Map<string, { name: string; department: string }>> {
  if (codes.length === 0) return new Map();
  const rows = await execRows<{ code: string; name: string; department_code: string }>(
    q,
    sql`SELECT code, name, department_code FROM items WHERE code IN (SELECT json_array_elements_text(${JSON.stringify(codes)}::json))`,
  );
  return new Map(rows.map((r) => [r.code, { name: r.name, department: r.department_code }]));
}
