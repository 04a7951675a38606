/**
 * Grade reviews (复核, issue 13): "对同一市场主体评价等级存在两档以上差距的，要及时通报相关部门进行复核"
 * (渝信用办发〔2023〕7号 §8). Lists the findings (grade gaps, violations on a best grade) page by page, exports them
 * as CSV for the departments concerned, and records a department's review of one.
 */
import type { Database } from '../../db/client.ts';
import type { Principal } from '../access/service.ts';
import { departmentNames, textArray } from '../disclosure/items.ts';
import { conflict, unprocessable } from '../errors.ts';
import { badCursor, decodeCursor, encodeCursor } from '../cursor.ts';
import type { GradeReviewBody, GradeReviewFilter, GradeReviewItem, GradeReviewPage, GradeReviewQuery } from '../../schemas/reviews.ts';
import { createReviewRepository, type FindingFilter, type FindingKey, type FindingRow } from './repository.ts';

const CURSOR_TAG = 'g1:';

/** The cursor of a page: the sort key of the previous page's last finding, behind a version tag. */
export function encodeReviewCursor(k: FindingKey): string {
  return encodeCursor(CURSOR_TAG, JSON.stringify([k.entityId, k.kind, k.key]));
}

/** The sort key a cursor names; a bad request (naming `cursor`) for anything this list did not hand out. */
export function decodeReviewCursor(cursor: string): FindingKey {
  const text = decodeCursor(cursor, CURSOR_TAG);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badCursor();
  }
  if (!Array.isArray(value) || value.length !== 3 || !value.every((v) => typeof v === 'string' && !/[\u0000-\u001f\u007f]/.test(v)))
    throw badCursor();
  const [entityId, kind, key] = value as string[];
  if (!entityId || (kind !== 'gap' && kind !== 'violation')) throw badCursor();
  return { entityId, kind, key };
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

function gradeOf(scheme: string, grade: string, label: string, pos: number, n: number, evaluatedAt: string) {
  return { scheme, grade, label, position: Number(pos), grades: Number(n), normalized: round4(Number(pos) / (Number(n) - 1)), evaluatedAt };
}

function itemOf(r: FindingRow, names: Map<string, string>): GradeReviewItem {
  const grades = [gradeOf(r.scheme_a, r.grade_a, r.label_a, r.pos_a, r.n_a, r.evaluated_a)];
  if (r.kind === 'gap') grades.push(gradeOf(r.scheme_b!, r.grade_b!, r.label_b!, r.pos_b!, r.n_b!, r.evaluated_b!));
  const departments = [...new Set(textArray(r.departments as string[] | string))].sort();
  return {
    kind: r.kind,
    entity: { id: r.entity_id, name: r.entity_name },
    grades,
    gap: r.kind === 'gap' ? round4(Number(r.gap_num) / Number(r.gap_den)) : null,
    result:
      r.kind === 'violation'
        ? {
            id: Number(r.result_id),
            code: r.result_code!,
            label: r.result_label!,
            inspectedOn: r.inspected_on!,
            publishedAt: r.published_at!,
            planId: r.plan_id!,
            planTitle: r.plan_title!,
            taskId: Number(r.task_id),
          }
        : null,
    departments: departments.map((code) => ({ code, name: names.get(code) ?? code })),
    review:
      r.review_id === null
        ? null
        : {
            id: Number(r.review_id),
            outcome: r.outcome!,
            note: r.note ?? '',
            reviewedBy: { tokenId: r.reviewed_by!, label: r.reviewer_label },
            reviewedAt: r.reviewed_at!,
          },
  };
}

const keyOf = (r: FindingRow): FindingKey => ({ entityId: r.entity_id, kind: r.kind, key: r.sort_key });

/** RFC 4180 quoting; a leading = + - @ is defused with an apostrophe so spreadsheets never run it as a formula. */
function csvCell(value: string | number | null): string {
  let s = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const REVIEW_CSV_HEADER = [
  '类别',
  '统一社会信用代码',
  '企业名称',
  '等级体系一',
  '等级一',
  '等级体系二',
  '等级二',
  '差距（档）',
  '检查结果代码',
  '检查结果',
  '检查日期',
  '公示时间',
  '抽查计划编号',
  '抽查计划名称',
  '相关部门',
  '复核结论',
  '复核说明',
  '复核人',
  '复核时间',
];

const KIND_LABEL = { gap: '评价等级两档以上差距', violation: '最优等级但检查发现问题' } as const;
const OUTCOME_LABEL = { confirmed: '维持', corrected: '修正', dismissed: '不予复核' } as const;

function csvLine(i: GradeReviewItem): string {
  const [a, b] = i.grades;
  const cells = [
    KIND_LABEL[i.kind],
    i.entity.id,
    i.entity.name,
    a.scheme,
    `${a.grade} ${a.label}`,
    b?.scheme ?? '',
    b ? `${b.grade} ${b.label}` : '',
    i.gap,
    i.result?.code ?? '',
    i.result?.label ?? '',
    i.result?.inspectedOn ?? '',
    i.result?.publishedAt ?? '',
    i.result?.planId ?? '',
    i.result?.planTitle ?? '',
    i.departments.map((d) => d.name).join('；'),
    i.review ? OUTCOME_LABEL[i.review.outcome] : '',
    i.review?.note ?? '',
    i.review ? (i.review.reviewedBy.label ?? i.review.reviewedBy.tokenId) : '',
    i.review?.reviewedAt ?? '',
  ];
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** Findings per statement of the CSV export: each page is one keyset query, so memory stays bounded. */
const CSV_PAGE = 1000;

export function createReviewService(database: Database) {
  const db = database.db;
  const repo = createReviewRepository(db);

  /** One page of findings after `after`, with the cursor of the next page. */
  async function page(filter: FindingFilter, after: FindingKey | null, limit: number) {
    const rows = await repo.findings(filter, after, limit + 1);
    const more = rows.length > limit;
    const shown = more ? rows.slice(0, limit) : rows;
    const codes = [...new Set(shown.flatMap((r) => textArray(r.departments as string[] | string)))];
    const names = await departmentNames(db, codes);
    const last = shown.at(-1);
    return { items: shown.map((r) => itemOf(r, names)), next: more && last ? keyOf(last) : null };
  }

  const filterOf = (q: GradeReviewFilter): FindingFilter => ({ scheme: q.scheme, department: q.department, kind: q.kind, open: q.open });

  return {
    async list(q: GradeReviewQuery): Promise<GradeReviewPage> {
      const after = q.cursor === undefined ? null : decodeReviewCursor(q.cursor);
      const { items, next } = await page(filterOf(q), after, q.limit);
      return { items, limit: q.limit, next: next ? encodeReviewCursor(next) : null };
    },

    /** The CSV export, page by page: UTF-8 with a BOM (Excel), CRLF line ends, one row per finding. */
    async *csv(q: GradeReviewFilter): AsyncGenerator<string> {
      yield `\uFEFF${REVIEW_CSV_HEADER.map(csvCell).join(',')}\r\n`;
      let after: FindingKey | null = null;
      do {
        const { items, next }: Awaited<ReturnType<typeof page>> = await page(filterOf(q), after, CSV_PAGE);
        if (items.length) yield items.map(csvLine).join('');
        after = next;
      } while (after);
    },

    /** Records the review of a current finding (409 when it has one already); answers the finding with its review. */
    async record(body: GradeReviewBody, principal: Principal): Promise<GradeReviewItem> {
      const filter = findingOf(body);
      const [row] = await repo.findings(filter, null, 1);
      if (!row) {
        const field = body.resultId !== undefined ? 'resultId' : 'schemes';
        throw unprocessable(`no current finding for entity ${body.entityId} and these ${field === 'resultId' ? 'result' : 'schemes'}`, [
          { field: `body/${field}`, message: 'not a finding of GET /api/v1/grade-reviews (the grades may have changed since)' },
        ]);
      }
      if (row.review_id !== null) throw conflict(`this finding was reviewed already (review ${row.review_id})`);
      const inserted = await repo.insert({
        kind: row.kind,
        entityId: row.entity_id,
        schemeA: row.scheme_a,
        gradeA: row.grade_a,
        schemeB: row.scheme_b,
        gradeB: row.grade_b,
        resultId: row.result_id === null ? null : Number(row.result_id),
        outcome: body.outcome,
        note: body.note ?? '',
        reviewedBy: principal.tokenId,
        reviewerLabel: await repo.tokenLabel(principal.tokenId),
      });
      if (!inserted) throw conflict('this finding was reviewed already');
      const [after] = await repo.findings(filter, null, 1);
      const names = await departmentNames(db, textArray(after.departments as string[] | string));
      return itemOf(after, names);
    },
  };
}

/** The one finding a review body names: a gap (entityId + schemes) or a violation (entityId + resultId), not both. */
function findingOf(body: GradeReviewBody): FindingFilter {
  const hasSchemes = body.schemes !== undefined;
  const hasResult = body.resultId !== undefined;
  if (hasSchemes === hasResult) {
    throw unprocessable('name the finding by `schemes` (a grade gap) or by `resultId` (a violation), not both', [
      {
        field: hasSchemes ? 'body/resultId' : 'body/schemes',
        message: hasSchemes ? 'give schemes or resultId, not both' : 'schemes or resultId is required',
      },
    ]);
  }
  if (hasResult) return { entityId: body.entityId, resultId: body.resultId, kind: 'violation' };
  const [x, y] = body.schemes!;
  if (x === y)
    throw unprocessable('a grade gap is between two different schemes', [{ field: 'body/schemes', message: 'the two schemes are the same' }]);
  return { entityId: body.entityId, pair: [x, y], kind: 'gap' };
}
