/** A plan's life: draft → committed → drawn, or committed → voided. Only the last three are public. */
import { sql } from 'drizzle-orm';

const PLAN_STATUSES = ['draft', 'committed', 'drawn', 'voided'] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];

/** Statuses the public may see: a draft is the planner's working copy and never leaves the service. */
export const PUBLIC_PLAN_STATUSES = ['committed', 'drawn', 'voided'] as const satisfies readonly PlanStatus[];
export type PublicPlanStatus = (typeof PUBLIC_PLAN_STATUSES)[number];

export const isPublicPlanStatus = (s: unknown): s is PublicPlanStatus => (PUBLIC_PLAN_STATUSES as readonly unknown[]).includes(s);

/** `<column> IN ('committed', 'drawn', 'voided')`, for a plans status column (e.g. `p.status`). */
export const publicPlanStatusSql = (column: string) => sql`${sql.raw(column)} IN (${sql.raw(PUBLIC_PLAN_STATUSES.map((s) => `'${s}'`).join(', '))})`;
