/** Names of items and departments for public rows, looked up in the directories (public data). */
import { inArray } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { departments, items } from '../../db/schema.ts';

/** Drivers differ on text[]: postgres.js parses it, PGlite through drizzle may too; accept both. */
export function textArray(v: string[] | string | null): string[] {
  if (v === null) return [];
  if (Array.isArray(v)) return v;
  const inner = v.replace(/^\{|\}$/g, '');
  return inner ? inner.split(',').map((s) => s.replace(/^"|"$/g, '')) : [];
}

export type ItemDirectory = { items: Map<string, { code: string; name: string; departmentCode: string }>; departments: Map<string, string> };

/** Item code → {name, department} and department code → name, for the codes given. */
export async function itemDirectory(db: Executor, codes: string[]): Promise<ItemDirectory> {
  const itemRows = codes.length
    ? await db.select({ code: items.code, name: items.name, departmentCode: items.departmentCode }).from(items).where(inArray(items.code, codes))
    : [];
  const deptCodes = [...new Set(itemRows.map((i) => i.departmentCode))];
  const deptRows = deptCodes.length
    ? await db.select({ code: departments.code, name: departments.name }).from(departments).where(inArray(departments.code, deptCodes))
    : [];
  return { items: new Map(itemRows.map((i) => [i.code, i])), departments: new Map(deptRows.map((d) => [d.code, d.name])) };
}

export async function departmentNames(db: Executor, codes: string[]) {
  if (!codes.length) return new Map<string, string>();
  const rows = await db.select({ code: departments.code, name: departments.name }).from(departments).where(inArray(departments.code, codes));
  return new Map(rows.map((d) => [d.code, d.name]));
}

/** The plan's items with their names and departments, and those departments (an item's, not a team's). */
export function describeItems(codes: string[], dir: ItemDirectory) {
  const list = codes.map((c) => {
    const it = dir.items.get(c);
    return { code: c, name: it?.name ?? c, departmentCode: it?.departmentCode ?? null };
  });
  const depts = [...new Set(list.map((i) => i.departmentCode).filter((d): d is string => d !== null))].map((code) => ({
    code,
    name: dir.departments.get(code) ?? code,
  }));
  return { items: list, departments: depts };
}
