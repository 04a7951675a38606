/**
 * The credit-commitment register (信用承诺): list and export, with the 履约践诺 outcomes that published results of
 * commitment plans set — the feedback to the commitment system (承诺信息记录、跟踪、违约处理).
 */
import type { Database } from '../../db/client.ts';
import { commitmentKindLabel } from '../../core/result-codes.ts';
import type { CommitmentFilterInput, CommitmentJson, CommitmentQueryInput } from '../../schemas/commitments.ts';
import { csvCell } from '../results/export.ts';
import { unprocessable } from '../errors.ts';
import { createCommitmentRepository, type CommitmentRow } from './repository.ts';

const STATUS_LABEL = { open: '待核查', fulfilled: '已履约', unfulfilled: '未履约' } as const;

function toJson(r: CommitmentRow): CommitmentJson {
  return {
    id: Number(r.id),
    source: r.source,
    reference: r.reference,
    entityId: r.entity_id,
    entityName: r.entity_name,
    kind: r.kind,
    kindLabel: commitmentKindLabel(r.kind),
    madeOn: r.made_on,
    checkBy: r.check_by,
    status: r.status,
    outcome:
      r.outcome_result_id === null || r.outcome_plan_id === null || r.outcome_at === null
        ? null
        : { planId: r.outcome_plan_id, resultId: Number(r.outcome_result_id), at: r.outcome_at },
  };
}

export const COMMITMENT_CSV_HEADER = [
  '来源系统',
  '承诺编号',
  '统一社会信用代码',
  '主体名称',
  '承诺类型',
  '承诺日期',
  '核查期限',
  '履约状态',
  '抽查计划编号',
  '核查结果公开时间',
];

function checkWindow(f: CommitmentFilterInput): void {
  if (f.dueFrom && f.dueTo && f.dueFrom > f.dueTo)
    throw unprocessable(`dueFrom ${f.dueFrom} is after dueTo ${f.dueTo}`, [{ field: 'dueFrom', message: 'after dueTo' }]);
}

export function createCommitmentService(database: Pick<Database, 'db'>) {
  const repo = createCommitmentRepository(database.db);
  return {
    /** Checks an export's filters before anything is sent. */
    check: checkWindow,

    async list(q: CommitmentQueryInput) {
      checkWindow(q);
      const { rows, total } = await repo.list(q, q.limit, q.offset);
      return { items: rows.map(toJson), total, limit: q.limit, offset: q.offset };
    },

    /** The register with its outcomes as CSV (UTF-8 with a BOM, CRLF, spreadsheet formulas defused), streamed. */
    async *csv(f: CommitmentFilterInput): AsyncGenerator<string> {
      yield `\uFEFF${COMMITMENT_CSV_HEADER.map(csvCell).join(',')}\r\n`;
      for await (const rows of repo.walk(f)) {
        yield rows
          .map(
            (r) =>
              `${[
                r.source,
                r.reference,
                r.entity_id,
                r.entity_name,
                commitmentKindLabel(r.kind),
                r.made_on,
                r.check_by,
                STATUS_LABEL[r.status],
                r.outcome_plan_id,
                r.outcome_at,
              ]
                .map(csvCell)
                .join(',')}\r\n`,
          )
          .join('');
      }
    },
  };
}
