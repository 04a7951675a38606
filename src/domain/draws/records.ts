/**
 * The draw-v1 records (spec §5) as the ledger holds them and as the API serves them. The ledger body of
 * `plan.committed` / `plan.drawn` is the record without its time (the entry's `at` is that time), and a
 * big draw's record is served from the body's stored text, never re-serialized from objects.
 */
import { jsonValue } from '../../db/client.ts';
import type { CommitRecord, DrawRecord } from '../../core/replay.ts';
import type { FullRecordJson } from '../../schemas/plans.ts';

/** The commit record without committedAt (which is the entry's `at`): the body of `plan.committed` (spec §7). */
export function commitLedgerBody(record: CommitRecord): Omit<CommitRecord, 'committedAt'> {
  const { committedAt: _at, ...body } = record;
  return body;
}

/** The public draw record without drawnAt (the entry's `at`), like the commit: the body of `plan.drawn`. */
export function drawLedgerBody(record: DrawRecord): Omit<DrawRecord, 'drawnAt'> {
  const { drawnAt: _at, ...body } = record;
  return body;
}

/** The public draw record from its `plan.drawn` ledger entry: the body plus drawnAt (the entry's `at`). */
export function drawRecordOf(body: unknown, at: string): DrawRecord {
  return { ...jsonValue<Omit<DrawRecord, 'drawnAt'>>(body), drawnAt: at };
}

/**
 * The same record as JSON text, straight from the body's canonical text: a big draw's record is
 * megabytes, and this is what a draw and its idempotent retry answer, byte for byte.
 */
export function drawRecordText(bodyJson: string, at: string): string {
  if (!bodyJson.startsWith('{') || !bodyJson.endsWith('}') || bodyJson.length < 3) throw new Error('a draw body is a non-empty object');
  return `${bodyJson.slice(0, -1)},"drawnAt":${JSON.stringify(at)}}`;
}

/**
 * A draw record as JSON text in §5 member order, with exactly the §5 members (nothing else gets out):
 * revision 2's `records`, `contributions` and `taskDigest` where the record has them, and each task's
 * `seq` and `grade` where it has them. For big draws this is several times faster than the schema
 * serializer (a 70k-task record is ~20 MB), and the same record always gives the same bytes.
 */
export function drawRecordJson(r: DrawRecord): string {
  return JSON.stringify({
    protocol: r.protocol,
    ...(r.records === undefined ? {} : { records: r.records }),
    planId: r.planId,
    serverSeed: r.serverSeed,
    publicEntropy: r.publicEntropy,
    ...(r.contributions === undefined ? {} : { contributions: r.contributions.map((c) => ({ witness: c.witness, value: c.value })) }),
    seed: r.seed,
    strata: r.strata.map((s) => ({ grade: s.grade, population: s.population, ratioBp: s.ratioBp, drawn: s.drawn })),
    ...(r.taskDigest === undefined ? {} : { taskDigest: r.taskDigest }),
    tasks: r.tasks.map((t) => {
      const inspectors = t.inspectors.map((m) => ({ departmentCode: m.departmentCode, inspectorId: m.inspectorId }));
      return {
        ...(t.seq === undefined ? {} : { seq: t.seq }),
        entityId: t.entityId,
        ...(t.grade === undefined ? {} : { grade: t.grade }),
        inspectors,
      };
    }),
    drawnAt: r.drawnAt,
  });
}

/**
 * An auditor's full record as JSON text, assembled by hand so the (possibly huge) draw record skips
 * the schema serializer; the members are those of the FullRecord schema, in its order.
 */
export function fullRecordJson(full: FullRecordJson): string {
  const draw = full.draw === null ? 'null' : drawRecordJson(full.draw);
  const head = JSON.stringify({ planId: full.planId, status: full.status, commit: full.commit });
  return `${head.slice(0, -1)},"draw":${draw},"void":${JSON.stringify(full.void)}}`;
}
