/**
 * API access: issuing, listing and revoking bearer tokens, and telling who a presented token belongs to.
 * Tokens are stored only as SHA-256: a database leak does not leak a usable token.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Database } from '../../db/client.ts';
import type { Role, TokenCreateInput } from '../../schemas/access.ts';
import { createInspectorRepository } from '../directories/inspectors/repository.ts';
import { forbidden, notFound, unauthorized, unprocessable } from '../errors.ts';
import { createTokenRepository, type TokenRow } from './repository.ts';

/** Who a request acts for: the token and its role (and, for an inspector token, which inspector). */
export interface Principal {
  tokenId: string;
  role: Role;
  inspectorId: string | null;
}

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
export const newToken = () => `sch_${randomBytes(24).toString('base64url')}`;

/** The row of the configured admin token (SUICHA_ADMIN_TOKEN). */
const BOOTSTRAP_ID = 'bootstrap-admin';

/** Throws forbidden unless the principal has one of `roles`; admin always passes. */
export function assertRole(principal: Principal, roles: readonly Role[]): void {
  if (principal.role !== 'admin' && !roles.includes(principal.role)) {
    throw forbidden(`this action needs the role ${['admin', ...roles].join(' or ')}; the token has ${principal.role}`);
  }
}

export function createAccessService(database: Database) {
  const tokens = createTokenRepository(database.db);
  const inspectors = createInspectorRepository(database.db);

  /** An inspector token names its inspector (whose tasks are "mine"); no other token does. */
  async function checkInspector(input: TokenCreateInput): Promise<void> {
    if (input.role === 'inspector') {
      if (!input.inspectorId) {
        throw unprocessable('an inspector token needs inspectorId', [{ field: 'inspectorId', message: 'required for role inspector' }]);
      }
      if (!(await inspectors.exists(input.inspectorId))) {
        throw unprocessable(`unknown inspector ${input.inspectorId}`, [{ field: 'inspectorId', message: 'no such inspector' }]);
      }
    } else if (input.inspectorId) {
      throw unprocessable('inspectorId is only for role inspector', [{ field: 'inspectorId', message: 'only for role inspector' }]);
    }
  }

  return {
    /** The configured admin token always works; rotating the variable replaces the old one. */
    async bootstrapAdmin(adminToken: string): Promise<void> {
      await tokens.upsertAdmin({ id: BOOTSTRAP_ID, tokenHash: hashToken(adminToken), label: 'SUICHA_ADMIN_TOKEN' });
    },

    /** Returns the plain token once, with its row; only the hash is stored. */
    async issue(input: TokenCreateInput, createdBy: string): Promise<{ token: string; row: TokenRow }> {
      await checkInspector(input);
      const token = newToken();
      const row = await tokens.insert({
        id: randomUUID(),
        tokenHash: hashToken(token),
        role: input.role,
        label: input.label ?? null,
        inspectorId: input.inspectorId ?? null,
        createdBy,
      });
      return { token, row };
    },

    list: () => tokens.list(),

    async revoke(id: string): Promise<TokenRow> {
      const row = await tokens.revoke(id);
      if (!row) throw notFound('no such token');
      return row;
    },

    /** The principal of a presented bearer token; unauthorized when it is unknown, revoked, or its inspector deactivated. */
    async authenticate(token: string): Promise<Principal> {
      const tokenHash = hashToken(token);
      const row = await tokens.findActiveByHash(tokenHash);
      if (!row || !timingSafeEqual(Buffer.from(row.tokenHash), Buffer.from(tokenHash))) {
        throw unauthorized('the token is unknown or revoked, or its inspector is deactivated');
      }
      return { tokenId: row.id, role: row.role as Role, inspectorId: row.inspectorId };
    },
  };
}
