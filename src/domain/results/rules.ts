/** The rules a result's values must follow: codes from the catalog that apply to the task, and dates. */
import { isIsoDate } from '../../core/calendar.ts';
import type { ResultInput, ResultValues } from '../../schemas/results.ts';
import type { FollowUpActionRow, ResultCodeRow } from '../catalog/repository.ts';
import { unprocessable, type ErrorDetail } from '../errors.ts';

/** What the checks look at besides the input. */
export interface ResultContext {
  taskId: number;
  /** China date of the draw: no inspection can come before it. */
  drawnOn: string;
  /** Department codes the task belongs to (its team's and its plan's items'). */
  departments: string[];
  code: ResultCodeRow | null;
  action: FollowUpActionRow | null;
  /** Today in China. */
  today: string;
  /** The mode the grade called for (the task's): the default of the mode used. */
  plannedMode: string;
}

/** Exactly the ResultValues members of `r` (which may carry more), attachments without empty fields. */
export const valuesOf = (r: ResultValues): ResultValues => ({
  resultCode: r.resultCode,
  inspectedOn: r.inspectedOn,
  findings: r.findings,
  followUp: r.followUp,
  followUpDeadline: r.followUpDeadline,
  attachments: r.attachments.map((a) => ({ name: a.name, ...(a.uri ? { uri: a.uri } : {}), ...(a.sha256 ? { sha256: a.sha256 } : {}) })),
  mode: r.mode ?? null,
});

function codeProblems(input: ResultInput, { code, action, departments }: ResultContext): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  if (!code) details.push({ field: 'resultCode', message: `unknown result code ${input.resultCode} (see GET /api/v1/result-codes)` });
  else if (!code.active) details.push({ field: 'resultCode', message: `result code ${input.resultCode} is no longer in use` });
  else if (code.departmentCode && !departments.includes(code.departmentCode)) {
    details.push({ field: 'resultCode', message: `result code ${input.resultCode} belongs to department ${code.departmentCode}, not to this task` });
  }

  if (!action) details.push({ field: 'followUp', message: `unknown follow-up action ${input.followUp} (see GET /api/v1/follow-up-actions)` });
  else if (!action.active) details.push({ field: 'followUp', message: `follow-up action ${input.followUp} is no longer in use` });
  else if (action.departmentCode && !departments.includes(action.departmentCode)) {
    details.push({
      field: 'followUp',
      message: `follow-up action ${input.followUp} belongs to department ${action.departmentCode}, not to this task`,
    });
  }
  return details;
}

function dateProblems(input: ResultInput, { action, drawnOn, today }: ResultContext): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  if (!isIsoDate(input.inspectedOn)) details.push({ field: 'inspectedOn', message: `${input.inspectedOn} is not a calendar date` });
  else if (input.inspectedOn > today) details.push({ field: 'inspectedOn', message: `${input.inspectedOn} is in the future (today is ${today})` });
  else if (input.inspectedOn < drawnOn) {
    details.push({ field: 'inspectedOn', message: `${input.inspectedOn} is before the draw (${drawnOn})` });
  }

  const deadline = input.followUpDeadline ?? null;
  if (action?.requiresDeadline && deadline === null) {
    details.push({ field: 'followUpDeadline', message: `${action.label} needs a deadline (限期改正)` });
  } else if (action && !action.requiresDeadline && deadline !== null) {
    details.push({ field: 'followUpDeadline', message: `${action.label} takes no deadline` });
  } else if (deadline !== null && !isIsoDate(deadline)) {
    details.push({ field: 'followUpDeadline', message: `${deadline} is not a calendar date` });
  } else if (deadline !== null && isIsoDate(input.inspectedOn) && deadline < input.inspectedOn) {
    details.push({ field: 'followUpDeadline', message: `the deadline ${deadline} is before the inspection (${input.inspectedOn})` });
  }
  return details;
}

/** Checks the input against the lists and dates; 422 naming every bad field at once. */
export function checkResult(input: ResultInput, ctx: ResultContext): ResultValues {
  const details = [...codeProblems(input, ctx), ...dateProblems(input, ctx)];
  (input.attachments ?? []).forEach((a, i) => {
    if (!a.uri && !a.sha256) details.push({ field: `attachments/${i}`, message: 'an attachment needs a uri or a sha256' });
  });
  if (details.length) throw unprocessable(`invalid result for task ${ctx.taskId}`, details);
  return valuesOf({
    resultCode: input.resultCode,
    inspectedOn: input.inspectedOn,
    findings: input.findings ?? '',
    followUp: input.followUp,
    followUpDeadline: input.followUpDeadline ?? null,
    attachments: (input.attachments ?? []).map((a) => ({ ...a, ...(a.sha256 ? { sha256: a.sha256.toLowerCase() } : {}) })),
    mode: input.mode ?? ctx.plannedMode,
  });
}
