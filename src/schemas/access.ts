/** Schemas of API access: the roles a token may have and what creating a token takes. */
import { Type, type Static } from 'typebox';

const ROLES = ['admin', 'planner', 'inspector', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export const TokenCreateBody = Type.Object(
  {
    role: Type.Union(ROLES.map((r) => Type.Literal(r))),
    label: Type.Optional(Type.String({ maxLength: 200 })),
    inspectorId: Type.Optional(Type.String({ description: 'required for role inspector: whose tasks are "mine"' })),
  },
  { additionalProperties: false },
);
export type TokenCreateInput = Static<typeof TokenCreateBody>;
