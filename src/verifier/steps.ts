/**
 * The checks of core verifyDraw, in the order it runs them, with the Chinese wording shown on the verify
 * page. Shared by the server (which renders the list) and the browser bundle (which marks it).
 */
import type { VerifyStep } from '../core/replay.ts';

export const VERIFY_STEPS: ReadonlyArray<{ step: VerifyStep; label: string; explain: string }> = [
  { step: 'protocol', label: '协议版本', explain: '记录声明的协议为 draw-v1' },
  { step: 'records', label: '公开记录完整', explain: '承诺记录与抽取记录字段齐全、彼此一致' },
  { step: 'commitment', label: '服务器种子与承诺值', explain: 'SHA-256(服务器种子) 等于抽取前公布的承诺值' },
  { step: 'entitySnapshotDigest', label: '检查对象快照摘要', explain: '所选检查对象快照文件的 SHA-256 等于承诺记录中的摘要' },
  { step: 'inspectorSnapshotDigest', label: '执法检查人员快照摘要', explain: '所选执法检查人员快照文件的 SHA-256 等于承诺记录中的摘要' },
  { step: 'recusalDigest', label: '回避关系快照摘要', explain: '所选回避关系快照文件的 SHA-256 等于承诺记录中的摘要' },
  { step: 'snapshotFormat', label: '快照文件格式', explain: '快照文件每行格式正确、已排序、无重复' },
  { step: 'populations', label: '各等级对象数量', explain: '快照中各等级的对象数与记录一致' },
  { step: 'seed', label: '随机种子', explain: '由服务器种子、公开随机数（见证抽取时由各见证人的贡献值合成）与三个摘要重新计算种子' },
  { step: 'replay', label: '重放抽取', explain: '按协议第 3、4 节重新抽取检查对象与执法检查人员' },
  { step: 'strata', label: '各等级抽取数量', explain: '每个等级抽取的数量与记录一致' },
  { step: 'tasks', label: '逐项比对抽取结果', explain: '每项任务的检查对象与检查人员与公开记录完全一致' },
  {
    step: 'taskDigest',
    label: '任务文件与 taskDigest 一致',
    explain: '第 2 版记录：重放得到的任务文件与所选任务文件逐字节相同，其 SHA-256 等于抽取记录中的 taskDigest',
  },
];

export const STEP_LABEL: Record<string, string> = Object.fromEntries(VERIFY_STEPS.map((s) => [s.step, s.label]));

/** Marks for the list: steps before the failing one passed, the failing one failed, later ones did not run. */
export function stepStates(failedAt: VerifyStep | null): Array<'ok' | 'bad' | 'skipped'> {
  const idx = failedAt === null ? -1 : VERIFY_STEPS.findIndex((s) => s.step === failedAt);
  return VERIFY_STEPS.map((_, i) => (idx === -1 ? 'ok' : i < idx ? 'ok' : i === idx ? 'bad' : 'skipped'));
}
