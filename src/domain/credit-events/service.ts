/**
 * Feedback to credit evaluation (信用评价—监督检查—奖惩反馈—信用档案): every published result and follow-up outcome as a credit event,
 * in ledger order, for the 公共信用信息平台 or a grade-evaluation system to consume. Each event cites the
 * results.published ledger entry that published it and carries the cursor to resume after it, so a consumer that
 * stops anywhere (even mid-answer) loses nothing and sees nothing twice.
 */
import type { Database } from '../../db/client.ts';
import { isIsoDate } from '../../core/calendar.ts';
import type { CreditEventJson } from '../../schemas/credit-events.ts';
import { badRequest } from '../errors.ts';
import { badCursor, decodeCursor, encodeCursor } from '../cursor.ts';
import { parseInstant } from '../plans/service.ts';
import { csvCell } from '../results/export.ts';
import { escalationLabel, followUpOutcomeLabel } from '../../core/result-codes.ts';
import { creditEventPage, itemsByCode, type CreditEventPosition, type CreditEventRow } from './repository.ts';

const CURSOR_TAG = 'ce1:';
/** Rows read per query while an answer streams. */
const PAGE = 1000;

export function encodeCreditCursor(p: CreditEventPosition): string {
  return encodeCursor(CURSOR_TAG, `${p.ledgerSeq}:${p.resultId}`);
}

/** The position a cursor names; 400 naming `cursor` for anything this feed did not hand out. */
export function decodeCreditCursor(cursor: string): CreditEventPosition {
  const m = /^([1-9]\d{0,14}):([1-9]\d{0,14})$/.exec(decodeCursor(cursor, CURSOR_TAG));
  if (!m) throw badCursor();
  return { ledgerSeq: Number(m[1]), resultId: Number(m[2]) };
}

/** `since` as an instant: an ISO instant with a zone, or a date meaning its start in China time. */
export function parseSince(since: string | undefined): Date | null {
  if (since === undefined) return null;
  if (isIsoDate(since)) return new Date(`${since}T00:00:00+08:00`);
  const at = parseInstant(since);
  if (at === null)
    throw badRequest('invalid since', [{ field: 'since', message: `${since} is neither an ISO 8601 instant with a time zone nor a date` }]);
  return at;
}

function kindOf(r: CreditEventRow): CreditEventJson['kind'] {
  if (r.event_kind === 'follow-up') return 'follow-up.published';
  return r.corrects_result_id === null ? 'result.published' : 'result.corrected';
}

function toEvent(r: CreditEventRow, items: Map<string, { name: string; department: string }>): CreditEventJson {
  // The department's own items of the plan (all of them, for items since moved: the result covered the plan).
  const own = r.plan_items.filter((c) => items.get(c)?.department === r.department_code);
  const codes = own.length > 0 ? own : r.plan_items;
  const id = Number(r.result_id);
  const followUp = r.event_kind === 'follow-up';
  const actions = r.actions ?? [];
  return {
    eventId: `${followUp ? 'f' : 'r'}${id}`,
    cursor: encodeCreditCursor({ ledgerSeq: Number(r.ledger_seq), resultId: id }),
    kind: kindOf(r),
    correctsEventId: r.corrects_result_id === null ? null : `r${Number(r.corrects_result_id)}`,
    orderEventId: r.order_result_id === null ? null : `r${Number(r.order_result_id)}`,
    entityId: r.entity_id,
    entityName: r.entity_name,
    inspectedOn: r.inspected_on,
    publishedAt: r.published_at,
    department: r.department_code,
    departmentName: r.department_name ?? r.department_code,
    items: codes,
    itemNames: codes.map((c) => items.get(c)?.name ?? c),
    resultCode: r.result_code,
    resultLabel: r.result_label ?? followUpOutcomeLabel(r.result_code),
    followUp: r.follow_up,
    followUpLabel: r.follow_up_label,
    followUpDeadline: r.follow_up_deadline,
    actions,
    actionLabels: actions.map(escalationLabel),
    planId: r.plan_id,
    publicationNumber: r.publication_number === null ? null : Number(r.publication_number),
    ledgerSeq: Number(r.ledger_seq),
    ledgerHash: r.ledger_hash,
  };
}

export const CREDIT_EVENT_COLUMNS: (keyof CreditEventJson)[] = [
  'eventId',
  'kind',
  'correctsEventId',
  'orderEventId',
  'entityId',
  'entityName',
  'inspectedOn',
  'publishedAt',
  'department',
  'departmentName',
  'items',
  'itemNames',
  'resultCode',
  'resultLabel',
  'followUp',
  'followUpLabel',
  'followUpDeadline',
  'actions',
  'actionLabels',
  'planId',
  'publicationNumber',
  'ledgerSeq',
  'ledgerHash',
  'cursor',
];

const csvRow = (values: (string | number | null)[]) => `${values.map(csvCell).join(',')}\r\n`;

function csvLine(e: CreditEventJson): string {
  return csvRow(CREDIT_EVENT_COLUMNS.map((k) => (Array.isArray(e[k]) ? (e[k] as string[]).join(';') : (e[k] as string | number | null))));
}

export function createCreditEventService(database: Pick<Database, 'db'>) {
  const { db } = database;

  /** The events after `cursor` (at or after `since`), at most `limit`, read PAGE rows at a time. */
  async function* events(cursor: string | undefined, since: string | undefined, limit: number): AsyncGenerator<CreditEventJson> {
    let after = cursor === undefined ? null : decodeCreditCursor(cursor);
    const from = parseSince(since);
    let left = limit;
    while (left > 0) {
      const rows = await creditEventPage(db, after, from, Math.min(PAGE, left));
      if (rows.length === 0) return;
      const items = await itemsByCode(db, [...new Set(rows.flatMap((r) => r.plan_items))]);
      for (const r of rows) yield toEvent(r, items);
      const last = rows[rows.length - 1];
      after = { ledgerSeq: Number(last.ledger_seq), resultId: Number(last.result_id) };
      left -= rows.length;
      if (rows.length < PAGE) return;
    }
  }

  return {
    /** Checks the query before anything is sent (a bad cursor is a 400, not a broken stream). */
    check(cursor: string | undefined, since: string | undefined): void {
      if (cursor !== undefined) decodeCreditCursor(cursor);
      parseSince(since);
    },

    async *ndjson(cursor: string | undefined, since: string | undefined, limit: number): AsyncGenerator<string> {
      for await (const e of events(cursor, since, limit)) yield `${JSON.stringify(e)}\n`;
    },

    /** UTF-8 with a BOM and a header row, CRLF, RFC 4180; a cell a spreadsheet would run is defused. */
    async *csv(cursor: string | undefined, since: string | undefined, limit: number): AsyncGenerator<string> {
      yield `\uFEFF${csvRow(CREDIT_EVENT_COLUMNS)}`;
      for await (const e of events(cursor, since, limit)) yield csvLine(e);
    },
  };
}
