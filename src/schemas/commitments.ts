/** TypeBox shapes of the credit-commitment register (信用承诺) and its 履约践诺 outcomes. */
import { Type, type Static } from 'typebox';
import { COMMITMENT_KINDS } from '../core/result-codes.ts';
import { ID_PATTERN, PagingFields } from './common.ts';

const DATE = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
const Status = Type.Union([Type.Literal('open'), Type.Literal('fulfilled'), Type.Literal('unfulfilled')], {
  description: 'open; fulfilled (已履约) or unfulfilled (未履约): set by a published result of a commitment plan',
});
export const CommitmentKind = Type.String({
  enum: COMMITMENT_KINDS.map((k) => k.code),
  description: COMMITMENT_KINDS.map((k) => `${k.code} (${k.label})`).join(', '),
});

export const CommitmentFilterFields = {
  status: Type.Optional(Status),
  dueFrom: Type.Optional(DATE),
  dueTo: Type.Optional(DATE),
  entity: Type.Optional(Type.String({ pattern: ID_PATTERN })),
  kind: Type.Optional(CommitmentKind),
  source: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
};

export const CommitmentQuery = Type.Object({ ...PagingFields, ...CommitmentFilterFields }, { additionalProperties: false });
export const CommitmentExportQuery = Type.Object(CommitmentFilterFields, { additionalProperties: false });

export const Commitment = Type.Object({
  id: Type.Integer(),
  source: Type.String({ description: 'the system it comes from (e.g. 告知承诺系统)' }),
  reference: Type.String({ description: 'its id there' }),
  entityId: Type.String(),
  entityName: Type.String(),
  kind: Type.String(),
  kindLabel: Type.String(),
  madeOn: Type.String(),
  checkBy: Type.String({ description: 'the end of its period: checked by then' }),
  status: Status,
  outcome: Type.Union([Type.Object({ planId: Type.String(), resultId: Type.Integer(), at: Type.String() }), Type.Null()], {
    description: 'the published result that set it',
  }),
});

export type CommitmentJson = Static<typeof Commitment>;
export type CommitmentQueryInput = Static<typeof CommitmentQuery>;
export type CommitmentFilterInput = Static<typeof CommitmentExportQuery>;
