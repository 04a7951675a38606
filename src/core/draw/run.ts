/**
 * Protocol "draw-v1" (the public contract: shared/spec/draw-protocol-v1.md) end to end: what a commit
 * freezes, from rows (§1), and the whole draw from the frozen files (§2–4).
 *
 * No I/O and no node: imports: the core also runs bundled in the browser verifier. Where megabytes are
 * hashed, the SHA-256 is a parameter (core/sha256.ts: the portable one by default).
 */
import { sha256Hex, type Sha256Factory } from '../sha256.ts';
import { assertHex64, describe, validatePublicEntropy } from './ids.ts';
import { activeDepartments, validateGradeOrder, validateRatios } from './params.ts';
import { assignTeams, buildRecusalIndex, taskRecusalSets } from './assign.ts';
import { drawEntityColumns } from './entities.ts';
import { feasibilitySorted, findSortedId } from './feasibility.ts';
import { isParsedSnapshots, parseSnapshotFiles } from './parse.ts';
import { computeSeed } from './seed.ts';
import {
  createEntitySnapshotBuilder,
  entitiesSorted,
  filterRecusals,
  inspectorsSorted,
  serializeInspectorSnapshot,
  serializeRecusalSnapshot,
  snapshotDigests,
} from './snapshot.ts';
import type {
  DrawParameters,
  EntityRow,
  Infeasibility,
  InspectorRow,
  ParsedSnapshots,
  RecusalRow,
  SnapshotDigests,
  SnapshotFiles,
  Stratum,
  TaskAssignment,
} from './types.ts';

export interface PrepareSnapshotsInput {
  entities: readonly EntityRow[];
  inspectors: readonly InspectorRow[];
  /** All known recusal pairs; pairs whose entity or inspector is not in the snapshots are dropped. */
  recusals: readonly RecusalRow[];
  gradeOrder: readonly string[];
  ratiosBp: Record<string, number>;
  inspectorsPerTask: Record<string, number>;
}

export interface PreparedSnapshots {
  files: SnapshotFiles;
  digests: SnapshotDigests;
  /** Per grade in gradeOrder: population and ratioBp. */
  strata: Stratum[];
  /** null when every entity can be staffed (§1); otherwise the commit must be refused. */
  infeasibility: Infeasibility | null;
}

/**
 * Everything §1 freezes at commit, from rows, in one pass over the pool: the three snapshot files
 * (recusals restricted to in-snapshot pairs), their digests, the strata and the feasibility check.
 * Throws on invalid rows or parameters.
 */
export function prepareSnapshots(p: PrepareSnapshotsInput): PreparedSnapshots {
  validateGradeOrder(p.gradeOrder);
  validateRatios(p.gradeOrder, p.ratiosBp);
  activeDepartments(p.inspectorsPerTask);
  const entities = entitiesSorted(p.entities);
  const inspectors = inspectorsSorted(p.inspectors);
  const inspectorIds = new Set(inspectors.map((i) => i.inspectorId));
  const recusals = filterRecusals(p.recusals, { has: (id) => findSortedId(entities, id) >= 0 }, inspectorIds);
  const recusalSnapshot = serializeRecusalSnapshot(recusals);
  const builder = createEntitySnapshotBuilder({ gradeOrder: p.gradeOrder });
  builder.addBatch(entities);
  const entityFile = builder.finish();
  const files: SnapshotFiles = {
    entitySnapshot: entityFile.text,
    inspectorSnapshot: serializeInspectorSnapshot(inspectors),
    recusalSnapshot,
  };
  const strata = p.gradeOrder.map((g, i) => ({ grade: g, population: entityFile.populations[i], ratioBp: p.ratiosBp[g] }));
  const infeasibility = feasibilitySorted(entities, inspectors, p.inspectorsPerTask, buildRecusalIndex(recusals));
  const digests = {
    entitySnapshotDigest: entityFile.digest,
    inspectorSnapshotDigest: sha256Hex(files.inspectorSnapshot),
    recusalDigest: sha256Hex(recusalSnapshot),
  };
  return { files, digests, strata, infeasibility };
}

export interface RunDrawInput extends SnapshotFiles, DrawParameters {
  serverSeed: string;
  publicEntropy: string;
}

export interface RunDrawResult {
  seed: string;
  digests: SnapshotDigests;
  strata: Required<Stratum>[];
  tasks: TaskAssignment[];
}

/**
 * §3 + §4 with a known seed, on snapshots as returned by parseSnapshotFiles (hand-made
 * ParsedSnapshots are accepted too, and checked for sorted, unique entity ids).
 */
export function drawParsed(seed: string, parsed: ParsedSnapshots, params: DrawParameters): { strata: Required<Stratum>[]; tasks: TaskAssignment[] } {
  assertHex64(seed, 'seed');
  validateGradeOrder(params.gradeOrder);
  validateRatios(params.gradeOrder, params.ratiosBp);
  const ids = parsed.entityIds;
  if (ids.length !== parsed.entityGrades.length) throw new Error('entityIds and entityGrades differ in length');
  if (!isParsedSnapshots(parsed)) {
    for (let i = 1; i < ids.length; i++) {
      if (!(ids[i - 1] < ids[i])) throw new Error(`entity ids not strictly ascending at ${describe(ids[i])}`);
    }
  }
  const { strata, tasks } = drawEntityColumns(seed, params.gradeOrder, params.ratiosBp, ids, parsed.entityGrades);
  const taskRecused = taskRecusalSets(tasks, parsed.recusals);
  const assigned = assignTeams(tasks, taskRecused, parsed.inspectors, params.inspectorsPerTask, seed);
  return { strata, tasks: assigned };
}

/**
 * Parses the three files, computes the seed, draws entities (§3) and assigns inspectors (§4). The
 * digests are computed with `hash` (default: the portable SHA-256).
 */
export function runDraw(input: RunDrawInput, hash?: Sha256Factory): RunDrawResult {
  assertHex64(input.serverSeed, 'serverSeed');
  validatePublicEntropy(input.publicEntropy);
  // Digests first: hashing a big file takes a transient buffer (node's), which should not coexist
  // with the parsed pool.
  const digests = snapshotDigests(input, hash);
  const parsed = parseSnapshotFiles(input);
  const seed = computeSeed({ serverSeed: input.serverSeed, publicEntropy: input.publicEntropy, ...digests });
  return { seed, digests, ...drawParsed(seed, parsed, input) };
}
