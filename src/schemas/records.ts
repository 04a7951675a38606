/**
 * TypeBox shapes of the public protocol records: the draw-v1 commit and draw records (spec §5) and the
 * ledger entry (§6). The core's interfaces are their definition; each schema is checked against its
 * interface at compile time, so the OpenAPI document cannot drift from what the core writes.
 */
import { Type, type Static } from 'typebox';
import type { LedgerEntry } from '../core/ledger.ts';
import type { CommitRecord, DrawRecord } from '../core/replay.ts';
import type { Equal } from './common.ts';

export const HEX64 = '^[0-9a-f]{64}$';

export const CommitStratumSchema = Type.Object({
  grade: Type.String(),
  population: Type.Integer({ minimum: 0 }),
  ratioBp: Type.Integer({ minimum: 0, maximum: 10000 }),
});

export const PoolRuleSchema = Type.Record(Type.String(), Type.Union([Type.String(), Type.Integer(), Type.Array(Type.String())]), {
  description: 'revision 2: how the pool was formed — item codes, filters as given, cooldownDays, entities left out per exclusion',
});

export const ContributionSchema = Type.Object({ witness: Type.String(), value: Type.String() });

export const CommitRecordSchema = Type.Object(
  {
    protocol: Type.Literal('draw-v1'),
    records: Type.Optional(Type.Literal(2, { description: 'records revision 2; absent in revision 1' })),
    planId: Type.String(),
    commitment: Type.String({ pattern: HEX64, description: 'SHA-256 of the 64-hex-character server seed' }),
    entitySnapshotDigest: Type.String({ pattern: HEX64 }),
    inspectorSnapshotDigest: Type.String({ pattern: HEX64 }),
    recusalDigest: Type.String({ pattern: HEX64 }),
    gradeOrder: Type.Array(Type.String()),
    strata: Type.Array(CommitStratumSchema),
    inspectorsPerTask: Type.Record(Type.String(), Type.Integer()),
    entropySource: Type.String(),
    entropyAt: Type.Optional(
      Type.String({ description: 'revision 2: the earliest moment the public entropy can be known (ISO 8601 UTC, ms); later than the commit' }),
    ),
    poolRule: Type.Optional(PoolRuleSchema),
    committedAt: Type.String({ description: 'ISO-8601 UTC with milliseconds' }),
  },
  { title: 'Commit record (draw-v1 §5)' },
);

export const InspectorRefSchema = Type.Object({ departmentCode: Type.String(), inspectorId: Type.String() });

export const DrawTaskSchema = Type.Object({
  seq: Type.Optional(
    Type.Integer({ minimum: 1, description: 'revision 1: always; revision 2: only in the full record, or where the grade scheme is public' }),
  ),
  entityId: Type.String(),
  grade: Type.Optional(Type.String({ description: 'only in the full record, or where the grade scheme is public' })),
  inspectors: Type.Array(InspectorRefSchema),
});

export const DrawRecordSchema = Type.Object(
  {
    protocol: Type.Literal('draw-v1'),
    records: Type.Optional(Type.Literal(2, { description: 'records revision 2; absent in revision 1' })),
    planId: Type.String(),
    serverSeed: Type.String({ pattern: HEX64 }),
    publicEntropy: Type.String(),
    contributions: Type.Optional(
      Type.Array(ContributionSchema, { description: "the draw ceremony's contributions publicEntropy is composed of, in the plan's witness order" }),
    ),
    seed: Type.String({ pattern: HEX64 }),
    strata: Type.Array(
      Type.Object({
        grade: Type.String(),
        population: Type.Integer({ minimum: 0 }),
        ratioBp: Type.Integer({ minimum: 0, maximum: 10000 }),
        drawn: Type.Integer({ minimum: 0 }),
      }),
    ),
    taskDigest: Type.Optional(Type.String({ pattern: HEX64, description: 'revision 2: SHA-256 of the task file' })),
    tasks: Type.Array(DrawTaskSchema, { description: 'revision 2: sorted by entityId; revision 1: in seq order' }),
    drawnAt: Type.String({ description: 'ISO-8601 UTC with milliseconds' }),
  },
  { title: 'Draw record (draw-v1 §5)' },
);

/** The full draw record: every task with its grade (for auditors). */
export const FullDrawRecordSchema = Type.Object(
  {
    ...DrawRecordSchema.properties,
    tasks: Type.Array(
      Type.Object({ seq: Type.Integer({ minimum: 1 }), entityId: Type.String(), grade: Type.String(), inspectors: Type.Array(InspectorRefSchema) }),
    ),
  },
  { title: 'Full draw record (draw-v1 §5, with grades)' },
);
export type FullDrawRecord = Static<typeof FullDrawRecordSchema>;

export const LedgerEntrySchema = Type.Object(
  {
    seq: Type.Integer({ minimum: 1 }),
    kind: Type.Union([
      Type.Literal('plan.committed'),
      Type.Literal('plan.drawn'),
      Type.Literal('plan.voided'),
      Type.Literal('results.published'),
      Type.Literal('programme.published'),
      Type.Literal('followups.published'),
    ]),
    planId: Type.String({ description: 'the plan, or for programme.published the programme (PROG-…)' }),
    at: Type.String({ description: 'ISO-8601 UTC with milliseconds, exactly as hashed' }),
    body: Type.Unknown({ description: 'the record (spec §6): strings, integers, booleans, null, arrays and objects' }),
    prevHash: Type.String({ pattern: HEX64 }),
    hash: Type.String({ pattern: HEX64, description: 'SHA-256 of the JCS (RFC 8785) form of the entry without "hash"' }),
  },
  { title: 'Ledger entry' },
);

// Compile-time: each schema describes exactly the core's record.
const _commitRecord: Equal<Static<typeof CommitRecordSchema>, CommitRecord> = true;
const _drawRecord: Equal<Static<typeof DrawRecordSchema>, DrawRecord> = true;
const _ledgerEntry: Equal<Static<typeof LedgerEntrySchema>, LedgerEntry> = true;
