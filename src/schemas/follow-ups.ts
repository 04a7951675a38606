/** TypeBox shapes of rectification follow-ups (限期整改 → 复查): the API's bodies and answers, and the types. */
import { Type, type Static } from 'typebox';
import { FOLLOW_UP_ESCALATIONS, FOLLOW_UP_OUTCOMES, type FollowUpOutcomeCode } from '../core/result-codes.ts';
import { CODE_PATTERN, MultilineText, PagingFields, type Equal } from './common.ts';

const DATE = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
const Outcome = Type.Union([Type.Literal('rectified'), Type.Literal('not-rectified')], {
  description: FOLLOW_UP_OUTCOMES.map((o) => `${o.code} (${o.label})`).join(', '),
});
const Escalation = Type.String({
  enum: FOLLOW_UP_ESCALATIONS.map((a) => a.code),
  description: FOLLOW_UP_ESCALATIONS.map((a) => `${a.code} (${a.label})`).join(', '),
});

export const FollowUpStatus = Type.Union([Type.Literal('due'), Type.Literal('recorded'), Type.Literal('published'), Type.Literal('cancelled')], {
  description:
    'due: no outcome yet; recorded: an outcome, not public yet; published: in the ledger; cancelled: a published correction lifted the order',
});

export const FollowUpParams = Type.Object({ id: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });

export const FollowUpQuery = Type.Object(
  {
    ...PagingFields,
    status: Type.Optional(Type.Union([FollowUpStatus, Type.Literal('overdue')], { description: 'overdue: due and past its date (China time)' })),
    plan: Type.Optional(Type.String({ pattern: '^PLAN-[0-9]{4}-[0-9]{4,}$' })),
    department: Type.Optional(Type.String({ pattern: CODE_PATTERN })),
  },
  { additionalProperties: false },
);

export const OutcomeBody = Type.Object(
  {
    checkedOn: DATE,
    outcome: Outcome,
    actions: Type.Optional(
      Type.Array(Escalation, { maxItems: 4, uniqueItems: true, description: 'what follows a correction not made (未整改); none when rectified' }),
    ),
    findings: Type.Optional(MultilineText({ maxLength: 4000, description: 'what the 复查 found' })),
  },
  { additionalProperties: false },
);

export const FollowUpPublishBody = Type.Object(
  { department: Type.Optional(Type.String({ pattern: CODE_PATTERN, description: "only this department's outcomes (谁检查、谁公开)" })) },
  { additionalProperties: false },
);

const Labelled = Type.Object({ code: Type.String(), label: Type.String() });

export const FollowUp = Type.Object({
  id: Type.Integer(),
  taskId: Type.Integer(),
  planId: Type.String(),
  entityId: Type.String(),
  entityName: Type.String(),
  department: Type.String(),
  resultId: Type.Integer({ description: 'the published result that ordered the correction' }),
  resultCode: Type.String(),
  inspectedOn: Type.String(),
  dueOn: Type.String({ description: 'the deadline of the 责令改正' }),
  overdue: Type.Boolean({ description: 'due and past dueOn (China time)' }),
  team: Type.Array(Type.String(), { description: "the department's inspectors of the task's team: they do the 复查" }),
  status: FollowUpStatus,
  checkedOn: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.Union([Outcome, Type.Null()]),
  actions: Type.Array(Labelled),
  findings: Type.String(),
  recordedBy: Type.Union([Type.Object({ tokenId: Type.String(), inspectorId: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
  recordedAt: Type.Union([Type.String(), Type.Null()]),
  ledgerSeq: Type.Union([Type.Integer(), Type.Null()]),
  publishedAt: Type.Union([Type.String(), Type.Null()]),
});

/** One follow-up in a `followups.published` ledger body and on the public side: no findings, no team. */
export const PublishedFollowUp = Type.Object({
  entityId: Type.String(),
  department: Type.String(),
  dueOn: Type.String(),
  checkedOn: Type.String(),
  outcome: Outcome,
  actions: Type.Array(Type.String()),
});

export const FollowUpPublication = Type.Object({
  planId: Type.String(),
  department: Type.Union([Type.String(), Type.Null()]),
  count: Type.Integer(),
  ledgerSeq: Type.Integer(),
  ledgerHash: Type.String(),
  publishedAt: Type.String(),
  followUps: Type.Array(PublishedFollowUp),
});

// The schema's outcomes are exactly the core's.
const _outcomes: Equal<Static<typeof Outcome>, FollowUpOutcomeCode> = true;

export type FollowUpJson = Static<typeof FollowUp>;
export type FollowUpQueryInput = Static<typeof FollowUpQuery>;
export type OutcomeInput = Static<typeof OutcomeBody>;
export type PublishedFollowUpJson = Static<typeof PublishedFollowUp>;
export type FollowUpPublicationJson = Static<typeof FollowUpPublication>;
