/** An inspector's qualifications: item codes of the inspector's own department (none = every item of it). */

/** What checking qualifications needs to know: the departments, and which department each item is of. */
export interface QualificationContext {
  departments: Set<string>;
  /** item code → its department */
  items: Map<string, string>;
}

/** Problems with a qualification list for `department`, or the sorted, de-duplicated codes. */
export function checkQualifications(
  codes: string[],
  department: string,
  ctx: QualificationContext,
): { ok: true; codes: string[] } | { ok: false; messages: string[] } {
  const messages: string[] = [];
  for (const code of codes) {
    const owner = ctx.items.get(code);
    if (owner === undefined) messages.push(`unknown item ${code}`);
    else if (owner !== department) messages.push(`item ${code} belongs to department ${owner}, not ${department}`);
  }
  return messages.length ? { ok: false, messages } : { ok: true, codes: [...new Set(codes)].sort() };
}
