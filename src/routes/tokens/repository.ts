import { desc, eq } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import { apiTokens } from '../../db/schema.ts';
import { hashToken, newToken, type Role } from '../../plugins/auth.ts';

export type TokenRow = typeof apiTokens.$inferSelect;

export const publicToken = (row: TokenRow) => ({
  id: row.id,
  role: row.role,
  label: row.label,
  inspectorId: row.inspectorId,
  createdAt: row.createdAt.toISOString(),
  revokedAt: row.revokedAt ? row.revokedAt.toISOString() : null,
});

export function createTokenRepository(db: Db) {
  return {
    /** Returns the plain token once; only its hash is stored. */
    async create(input: { role: Role; label?: string; inspectorId?: string; createdBy: string }) {
      const token = newToken();
      const [row] = await db
        .insert(apiTokens)
        .values({
          id: randomUUID(),
          tokenHash: hashToken(token),
          role: input.role,
          label: input.label ?? null,
          inspectorId: input.inspectorId ?? null,
          createdBy: input.createdBy,
        })
        .returning();
      return { token, row };
    },
    list: () => db.select().from(apiTokens).orderBy(desc(apiTokens.createdAt)),
    async revoke(id: string) {
      const [row] = await db.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.id, id)).returning();
      return row ?? null;
    },
  };
}
