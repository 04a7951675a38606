/** SQL on api_tokens. Tokens are stored only as their SHA-256 (see service.ts). */
import { and, desc, eq, getTableColumns, isNull, ne, or } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { apiTokens, inspectors } from '../../db/schema.ts';

export type TokenRow = typeof apiTokens.$inferSelect;
export type NewTokenRow = typeof apiTokens.$inferInsert;

export function createTokenRepository(db: Executor) {
  return {
    async insert(values: NewTokenRow): Promise<TokenRow> {
      const [row] = await db.insert(apiTokens).values(values).returning();
      return row;
    },
    /** Inserts the row, or gives the row with its id the new hash and role and un-revokes it. */
    async upsertAdmin(values: { id: string; tokenHash: string; label: string }): Promise<void> {
      await db
        .insert(apiTokens)
        .values({ ...values, role: 'admin' })
        .onConflictDoUpdate({ target: apiTokens.id, set: { tokenHash: values.tokenHash, revokedAt: null, role: 'admin' } });
    },
    /** The token with this hash, unless revoked or (an inspector token) its inspector is missing or deactivated. */
    async findActiveByHash(tokenHash: string): Promise<TokenRow | null> {
      const [row] = await db
        .select(getTableColumns(apiTokens))
        .from(apiTokens)
        .leftJoin(inspectors, eq(inspectors.id, apiTokens.inspectorId))
        .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt), or(ne(apiTokens.role, 'inspector'), eq(inspectors.active, true))))
        .limit(1);
      return row ?? null;
    },
    list: () => db.select().from(apiTokens).orderBy(desc(apiTokens.createdAt)),
    async revoke(id: string): Promise<TokenRow | null> {
      const [row] = await db.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.id, id)).returning();
      return row ?? null;
    },
  };
}
