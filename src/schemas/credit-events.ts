/** TypeBox shapes of the credit-event feed (信用监管结果 for the 公共信用信息平台 and grade-evaluation systems). */
import { Type, type Static } from 'typebox';

export const CreditEventsQuery = Type.Object(
  {
    since: Type.Optional(
      Type.String({
        maxLength: 40,
        description: 'only events published at or after this moment: an ISO 8601 instant with a time zone, or a date (00:00 China time)',
      }),
    ),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'resume after the event that carried this cursor' })),
    limit: Type.Integer({ minimum: 1, maximum: 100_000, default: 10_000, description: 'events in this answer at most' }),
    format: Type.Union([Type.Literal('ndjson'), Type.Literal('csv')], { default: 'ndjson' }),
  },
  { additionalProperties: false },
);

/** One published result as a credit event: one NDJSON line, or one CSV row (arrays joined with “;”). */
export const CreditEvent = Type.Object({
  eventId: Type.String({ description: 'r<result id>: stable, one per published result version' }),
  cursor: Type.String({ description: 'give it as `cursor` to get the events after this one' }),
  kind: Type.Union([Type.Literal('result.published'), Type.Literal('result.corrected'), Type.Literal('follow-up.published')], {
    description:
      'result.corrected: a published correction (更正) of the result named by correctsEventId; follow-up.published: the ' +
      'outcome of a 复查 (resultCode rectified/not-rectified, actions, inspectedOn = the day of the 复查, followUpDeadline = ' +
      'the deadline it checked) of the 责令改正 named by orderEventId',
  }),
  correctsEventId: Type.Union([Type.String(), Type.Null()]),
  orderEventId: Type.Union([Type.String(), Type.Null()], { description: 'for a follow-up: the result event that ordered the correction' }),
  entityId: Type.String({ description: '统一社会信用代码' }),
  entityName: Type.String(),
  inspectedOn: Type.String({ description: 'the inspection date (YYYY-MM-DD)' }),
  publishedAt: Type.String(),
  department: Type.String(),
  departmentName: Type.String(),
  items: Type.Array(Type.String(), { description: "the plan's items of the department (抽查事项编码)" }),
  itemNames: Type.Array(Type.String()),
  resultCode: Type.String(),
  resultLabel: Type.String(),
  followUp: Type.Union([Type.String(), Type.Null()]),
  followUpLabel: Type.Union([Type.String(), Type.Null()]),
  followUpDeadline: Type.Union([Type.String(), Type.Null()]),
  actions: Type.Array(Type.String(), { description: 'a follow-up’s escalations (interview 约谈, refer-case, abnormal-list, dishonest-record)' }),
  actionLabels: Type.Array(Type.String()),
  planId: Type.String(),
  publicationNumber: Type.Union([Type.Integer(), Type.Null()], { description: 'the results publication (null for a follow-up)' }),
  ledgerSeq: Type.Integer({ description: 'the results.published or followups.published ledger entry that published it' }),
  ledgerHash: Type.String(),
});

export type CreditEventJson = Static<typeof CreditEvent>;
export type CreditEventsQueryInput = Static<typeof CreditEventsQuery>;
