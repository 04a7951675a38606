/**
 * The checks anyone can do from the public records alone (core verifyPublicRecords, guide §7), with the
 * Chinese wording of the verify page. Shared by the server (which renders the list) and the browser bundle
 * (which marks it). The core reports each check by code with an English detail; only the labels live here.
 */
import type { PublicCheckCode } from '../core/replay.ts';

export const PUBLIC_CHECKS: ReadonlyArray<{ code: PublicCheckCode; label: string; explain: string }> = [
  { code: 'commitment', label: '服务器种子与承诺值', explain: 'SHA-256(抽取后公开的服务器种子) 等于抽取前公布的承诺值' },
  { code: 'ceremony', label: '见证人贡献值', explain: '现场见证抽取时，公开随机数由各见证人的贡献值按协议合成' },
  { code: 'seed', label: '随机种子', explain: '由服务器种子、公开随机数与三个快照摘要重新计算种子' },
  { code: 'strata', label: '各等级抽取数量', explain: '每个等级的抽取数 = 按比例向上取整且不超过对象数' },
  { code: 'task_count', label: '任务数', explain: '公开任务数等于各等级抽取数之和' },
  { code: 'task_unique', label: '检查对象不重复', explain: '没有检查对象被抽中两次' },
  { code: 'task_order', label: '任务按对象标识排序', explain: '第 2 版记录中，公开任务按检查对象标识排序，不透露抽取顺序与等级' },
  { code: 'team_size', label: '检查组人数', explain: '每项任务含每个部门规定人数的执法检查人员' },
  { code: 'ledger_chain', label: '公开账本哈希链', explain: '本浏览器下载整条账本，逐条重算哈希，每条的前一哈希都与上一条一致' },
  { code: 'ledger_records', label: '账本中的本计划记录', explain: '账本中本计划的承诺记录与抽取记录与上面核验的公开记录完全相同' },
  { code: 'entropy_timing', label: '抽取时间', explain: '抽取（账本记录时间）不早于承诺时公布的公开随机数产生时间' },
];

export const PUBLIC_CHECK_LABEL: Record<string, string> = Object.fromEntries(PUBLIC_CHECKS.map((c) => [c.code, c.label]));

/** What only an auditor, with the snapshot files (or the replay bundle), can check. */
export const AUDITOR_ONLY_CHECKS = ['快照文件与摘要一致', '按协议重放抽取', '任务文件与 taskDigest 一致'] as const;
