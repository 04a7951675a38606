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
  // 履约践诺 checks of credit commitments (信用承诺): published, they set the commitment's outcome.
  { code: 'fulfilled', label: '已履约' },
  { code: 'unfulfilled', label: '未履约' },
];

export const BUILTIN_FOLLOW_UP_ACTIONS: readonly FollowUpActionDef[] = [
  { code: 'order-correction', label: '责令改正', requiresDeadline: true },
  { code: 'notify-department', label: '抄告相关部门', requiresDeadline: false },
  { code: 'refer-case', label: '移送办案机构', requiresDeadline: false },
  { code: 'none', label: '无需后续处置', requiresDeadline: false },
];

/** Outcomes of a rectification follow-up (复查 of a 责令改正). */
export const FOLLOW_UP_OUTCOMES = [
  { code: 'rectified', label: '已整改' },
  { code: 'not-rectified', label: '未整改' },
] as const;

/**
 * What follows a correction not made (整改不到位): 约谈, 移送办案机构, 列入经营异常名录, 纳入失信记录 (the 重庆
 * documents' "整改不到位…纳入失信记录", "约谈"). Codes enter the ledger, so they never change.
 */
export const FOLLOW_UP_ESCALATIONS = [
  { code: 'interview', label: '约谈' },
  { code: 'refer-case', label: '移送办案机构' },
  { code: 'abnormal-list', label: '列入经营异常名录' },
  { code: 'dishonest-record', label: '纳入失信记录' },
] as const;

export type FollowUpOutcomeCode = (typeof FOLLOW_UP_OUTCOMES)[number]['code'];
export type FollowUpEscalationCode = (typeof FOLLOW_UP_ESCALATIONS)[number]['code'];

const OUTCOME_LABELS = new Map<string, string>(FOLLOW_UP_OUTCOMES.map((o) => [o.code, o.label]));
const ESCALATION_LABELS = new Map<string, string>(FOLLOW_UP_ESCALATIONS.map((a) => [a.code, a.label]));
/** The Chinese label of a follow-up outcome (the code itself for an unknown one). */
export const followUpOutcomeLabel = (code: string) => OUTCOME_LABELS.get(code) ?? code;
/** The Chinese label of an escalation (the code itself for an unknown one). */
export const escalationLabel = (code: string) => ESCALATION_LABELS.get(code) ?? code;
export const escalationCodes = () => [...ESCALATION_LABELS.keys()];

/**
 * How an inspection was actually made (检查方式): the grade calls for 现场检查 or 书面检查; a result records what was
 * done, which may also be 网络监测 or 委托第三方 (e.g. a third-party audit report).
 */
export const INSPECTION_MODES = [
  { code: 'onsite', label: '现场检查' },
  { code: 'written', label: '书面检查' },
  { code: 'online', label: '网络监测' },
  { code: 'third-party', label: '委托第三方' },
] as const;
export type InspectionMode = (typeof INSPECTION_MODES)[number]['code'];
const MODE_LABELS = new Map<string, string>(INSPECTION_MODES.map((m) => [m.code, m.label]));
export const inspectionModeLabel = (code: string) => MODE_LABELS.get(code) ?? code;

/** Kinds of credit commitment (信用承诺), as the 重庆 list of 信用承诺政务事项 names them, and 信用修复. */
export const COMMITMENT_KINDS = [
  { code: 'notification', label: '告知承诺' },
  { code: 'approval-substitute', label: '审批替代型承诺' },
  { code: 'deficiency-acceptance', label: '容缺受理型承诺' },
  { code: 'credit-repair', label: '信用修复承诺' },
  { code: 'self-discipline', label: '行业自律承诺' },
] as const;
const COMMITMENT_KIND_LABELS = new Map<string, string>(COMMITMENT_KINDS.map((k) => [k.code, k.label]));
export const commitmentKindLabel = (code: string) => COMMITMENT_KIND_LABELS.get(code) ?? code;

/** The result codes of a 履约践诺 check: they set a commitment's outcome when published. */
export const COMMITMENT_RESULT_CODES = { fulfilled: 'fulfilled', unfulfilled: 'unfulfilled' } as const;
