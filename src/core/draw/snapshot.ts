/**
 * Protocol "draw-v1" §1: the three snapshot files, serialized from rows, and their digests.
 *
 * The entity file is the big one (a line per entity of the pool): it has one serializer, an incremental
 * builder fed in batches, so a server can write and hash it while it streams the pool from a database;
 * serializeEntitySnapshot is the same builder over a whole array.
 */
import { createSha256, sha256Hex, type Sha256Factory } from '../sha256.ts';
import { assertDepartmentCode, assertEntityId, assertGrade, assertInspectorId, cmpAscii, describe, isEntityId } from './ids.ts';
import { validateGradeOrder } from './params.ts';
import type { EntityRow, InspectorRow, RecusalRow, SnapshotDigests, SnapshotFiles } from './types.ts';

// ---------------------------------------------------------------------------------------------
// Entities
// ---------------------------------------------------------------------------------------------

/** A row left out of the entity file (only with `maxProblems`). */
export type EntitySnapshotProblem = { code: 'invalid_entity_id'; entityId: string } | { code: 'unknown_grade'; entityId: string; grade: string };

export interface EntitySnapshotOptions {
  /** The grades, in order: populations are counted per grade, and other grades are refused. */
  gradeOrder?: readonly string[];
  /** The SHA-256 of the digest (default: the portable one; the server passes its native one). */
  hash?: Sha256Factory;
  /**
   * Leave out rows with an invalid id or a grade outside gradeOrder and report up to this many of
   * each kind, instead of throwing on the first (a preview lists what would stop a commit).
   */
  maxProblems?: number;
  /** The entities with a recusal: kept (with the first entity) in `feasibilityRows`. */
  recused?: { has(id: string): boolean };
}

export interface EntitySnapshot {
  /** The file: `id\tgrade\n` per entity, ascending by id (ASCII). */
  text: string;
  digest: string;
  /** Entities per grade of gradeOrder (empty without one). */
  populations: number[];
  problems: EntitySnapshotProblem[];
  /**
   * With `recused`: the first entity and the recused ones, in id order — all that checkFeasibility
   * needs to see (feasibility.ts), so a million-entity pool need not be kept for it.
   */
  feasibilityRows: EntityRow[];
}

export interface EntitySnapshotBuilder {
  /** Appends rows, which must continue the file in strictly ascending id order. One chunk per call. */
  addBatch(rows: readonly EntityRow[]): void;
  finish(): EntitySnapshot;
}

/**
 * The entity file, built batch by batch. Each batch becomes one string chunk, hashed as it is made:
 * rows concatenate into one string per batch, and the chunks are joined once at the end (joining a
 * million small strings instead would flatten a million-node rope, several times slower). Throws on
 * the first invalid row unless `maxProblems` is given; always throws when ids are not ascending.
 */
export function createEntitySnapshotBuilder(options: EntitySnapshotOptions = {}): EntitySnapshotBuilder {
  const { gradeOrder, maxProblems, recused } = options;
  if (gradeOrder !== undefined) validateGradeOrder(gradeOrder);
  const gradeIndex = gradeOrder === undefined ? null : new Map(gradeOrder.map((g, i) => [g, i]));
  const populations = new Array<number>(gradeOrder?.length ?? 0).fill(0);
  const hasher = (options.hash ?? createSha256)();
  const chunks: string[] = [];
  const problems: EntitySnapshotProblem[] = [];
  const feasibilityRows: EntityRow[] = [];
  let badIds = 0;
  let badGrades = 0;
  let size = 0;
  let prev = '';
  let done = false;

  /** Whether the grade goes into the file; counts it. Throws, or records a problem, if not. */
  function gradeOk(id: string, grade: string): boolean {
    if (gradeIndex === null) {
      assertGrade(grade);
      return true;
    }
    const g = gradeIndex.get(grade);
    if (g !== undefined) {
      populations[g]++;
      return true;
    }
    if (maxProblems === undefined) throw new Error(`entity ${id} has grade ${describe(grade)} which is not in gradeOrder`);
    if (badGrades++ < maxProblems) problems.push({ code: 'unknown_grade', entityId: id, grade });
    return false;
  }

  return {
    addBatch(rows) {
      if (done) throw new Error('entity snapshot: addBatch() after finish()');
      let text = '';
      for (let i = 0; i < rows.length; i++) {
        const { id, grade } = rows[i];
        if (!isEntityId(id)) {
          if (maxProblems === undefined) assertEntityId(id);
          else if (badIds++ < maxProblems) problems.push({ code: 'invalid_entity_id', entityId: id });
          continue;
        }
        // Validated ids are ASCII, where JavaScript's < is byte order: the file comes out sorted.
        if (!(prev < id)) {
          throw new Error(prev === id ? `duplicate entity id ${id}` : `entity ids not strictly ascending at ${id} (after ${prev})`);
        }
        prev = id;
        if (!gradeOk(id, grade)) continue;
        text += id + '\t' + grade + '\n';
        if (recused !== undefined && (size === 0 || recused.has(id))) feasibilityRows.push({ id, grade });
        size++;
      }
      hasher.update(text);
      chunks.push(text);
    },
    finish() {
      if (done) throw new Error('entity snapshot: finish() called twice');
      done = true;
      const text = chunks.join('');
      chunks.length = 0; // the chunks are garbage now, while the caller still holds this builder
      return { text, digest: hasher.digestHex(), populations, problems, feasibilityRows };
    },
  };
}

function sortEntitiesChecked(rows: readonly EntityRow[]): EntityRow[] {
  const sorted = rows.slice().sort((a, b) => cmpAscii(a.id, b.id));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].id === sorted[i - 1].id) throw new Error(`duplicate entity id ${sorted[i].id}`);
  }
  return sorted;
}

/** Returns rows sorted by id (the input itself when it already is — checked in one pass). Validates. */
export function entitiesSorted(rows: readonly EntityRow[]): readonly EntityRow[] {
  if (!Array.isArray(rows)) throw new Error('entities must be an array');
  let sorted = true;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r === null || typeof r !== 'object') throw new Error(`entity row ${i} is not an object`);
    assertEntityId(r.id);
    assertGrade(r.grade);
    if (sorted && i > 0 && !(rows[i - 1].id < r.id)) {
      if (rows[i - 1].id === r.id) throw new Error(`duplicate entity id ${r.id}`);
      sorted = false;
    }
  }
  return sorted ? rows : sortEntitiesChecked(rows);
}

/** The entity snapshot file: `id\tgrade\n` per entity, sorted by id. Throws on invalid rows or duplicate ids. */
export function serializeEntitySnapshot(rows: readonly EntityRow[]): string {
  const builder = createEntitySnapshotBuilder();
  builder.addBatch(entitiesSorted(rows));
  return builder.finish().text;
}

// ---------------------------------------------------------------------------------------------
// Inspectors and recusals
// ---------------------------------------------------------------------------------------------

function cmpInspector(a: InspectorRow, b: InspectorRow): number {
  return cmpAscii(a.departmentCode, b.departmentCode) || cmpAscii(a.inspectorId, b.inspectorId);
}

/** Returns rows sorted by (department, inspector) — the input itself when already sorted. Validates. */
export function inspectorsSorted(rows: readonly InspectorRow[]): readonly InspectorRow[] {
  if (!Array.isArray(rows)) throw new Error('inspectors must be an array');
  let sorted = true;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r === null || typeof r !== 'object') throw new Error(`inspector row ${i} is not an object`);
    assertDepartmentCode(r.departmentCode);
    assertInspectorId(r.inspectorId);
    if (sorted && i > 0 && cmpInspector(rows[i - 1], r) >= 0) sorted = false;
  }
  const out = sorted ? rows : rows.slice().sort(cmpInspector);
  for (let i = 1; i < out.length; i++) {
    if (cmpInspector(out[i - 1], out[i]) === 0) {
      throw new Error(`duplicate inspector ${out[i].inspectorId} in department ${out[i].departmentCode}`);
    }
  }
  return out;
}

/**
 * The inspector snapshot file: `departmentCode\tinspectorId\n` per inspector, sorted (tab sorts below
 * every allowed character, so line order = (department, inspector) order). Throws on duplicates.
 */
export function serializeInspectorSnapshot(rows: readonly InspectorRow[]): string {
  const sorted = inspectorsSorted(rows);
  const parts = new Array<string>(sorted.length);
  for (let i = 0; i < sorted.length; i++) parts[i] = sorted[i].departmentCode + '\t' + sorted[i].inspectorId + '\n';
  return parts.join('');
}

function cmpRecusal(a: RecusalRow, b: RecusalRow): number {
  return cmpAscii(a.inspectorId, b.inspectorId) || cmpAscii(a.entityId, b.entityId);
}

/**
 * The recusal snapshot file: `inspectorId\tentityId\n` per pair, sorted, duplicate pairs collapsed.
 * Only sorts and validates: restricting to pairs inside the snapshots is `filterRecusals`.
 */
export function serializeRecusalSnapshot(rows: readonly RecusalRow[]): string {
  if (!Array.isArray(rows)) throw new Error('recusals must be an array');
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r === null || typeof r !== 'object') throw new Error(`recusal row ${i} is not an object`);
    assertInspectorId(r.inspectorId);
    assertEntityId(r.entityId);
  }
  const sorted = rows.slice().sort(cmpRecusal);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0 && cmpRecusal(sorted[i - 1], sorted[i]) === 0) continue;
    parts.push(sorted[i].inspectorId + '\t' + sorted[i].entityId + '\n');
  }
  return parts.join('');
}

/** Keeps only pairs whose entity and inspector are both in the snapshots (§1.3). */
export function filterRecusals(
  recusals: readonly RecusalRow[],
  entityIds: { has(id: string): boolean },
  inspectorIds: { has(id: string): boolean },
): RecusalRow[] {
  return recusals.filter((r) => entityIds.has(r.entityId) && inspectorIds.has(r.inspectorId));
}

/** Digests of the three snapshot files (SHA-256 of their UTF-8 bytes), with `hash` or the portable SHA-256. */
export function snapshotDigests(files: SnapshotFiles, hash?: Sha256Factory): SnapshotDigests {
  return {
    entitySnapshotDigest: sha256Hex(files.entitySnapshot, hash),
    inspectorSnapshotDigest: sha256Hex(files.inspectorSnapshot, hash),
    recusalDigest: sha256Hex(files.recusalSnapshot, hash),
  };
}
