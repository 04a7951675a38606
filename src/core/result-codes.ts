/**
 * The built-in lists of inspection results (随机抽查检查结果) and follow-up actions (后续处置).
 *
 * The result categories are the standard ones a 双随机 check reports to the national enterprise credit
 * information publicity system (国家企业信用信息公示系统); the labels are the system's own wording.
 * Codes are stable ASCII mnemonics (they enter the public ledger, so they never change); the list order
 * is the order in which the categories are usually presented. Departments may add their own codes
 * (tables result_codes / follow_up_actions); these built-ins cannot be edited through the API.
 *
 * Pure module: no I/O.
 */

export interface ResultCodeDef {
  /** 1–32 characters from [0-9A-Za-z_-]. */
  code: string;
  /** Chinese label, as published. */
  label: string;
}

export interface FollowUpActionDef extends ResultCodeDef {
  /** Whether a result with this follow-up must give a deadline (责令改正 has one: 限期改正). */
  requiresDeadline: boolean;
}

export const BUILTIN_RESULT_CODES: readonly ResultCodeDef[] = [
  { code: 'no-issue', label: '未发现问题' },
  { code: 'undisclosed-info', label: '未按规定公示应当公示的信息' },
  { code: 'false-disclosure', label: '公示信息隐瞒真实情况弄虚作假' },
  { code: 'unreachable', label: '通过登记的住所（经营场所）无法联系' },
  { code: 'non-cooperation', label: '不配合检查情节严重' },
  { code: 'no-relevant-activity', label: '未发现开展本次抽查涉及的经营活动' },
  { code: 'corrected', label: '发现问题经责令已改正' },
  { code: 'pending-action', label: '发现问题待后续处理' },
  { code: 'closed-or-liquidating', label: '已关闭停业或正在组织清算' },
  { code: 'deregistered', label: '已注销' },
  { code: 'licence-revoked', label: '已被吊销' },
  { code: 'registration-cancelled', label: '已被撤销' },
  { code: 'moved-out', label: '已迁出' },
  { code: 'other-violation', label: '违反其他部门相关规定' },
];

export const BUILTIN_FOLLOW_UP_ACTIONS: readonly FollowUpActionDef[] = [
  { code: 'order-correction', label: '责令改正', requiresDeadline: true },
  { code: 'notify-department', label: '抄告相关部门', requiresDeadline: false },
  { code: 'refer-case', label: '移送办案机构', requiresDeadline: false },
  { code: 'none', label: '无需后续处置', requiresDeadline: false },
];
