/** The data of protocol "draw-v1" (shared/spec/draw-protocol-v1.md): rows, files and results. */

export interface EntityRow {
  id: string;
  grade: string;
}

export interface InspectorRow {
  departmentCode: string;
  inspectorId: string;
}

/** A member of a task's team: an inspector snapshot row. */
export type InspectorRef = InspectorRow;

export interface RecusalRow {
  inspectorId: string;
  entityId: string;
}

export interface Stratum {
  grade: string;
  population: number;
  ratioBp: number;
  drawn?: number;
}

export interface DrawnTask {
  seq: number;
  entityId: string;
  grade: string;
}

export interface TaskAssignment {
  seq: number;
  entityId: string;
  grade: string;
  inspectors: InspectorRef[];
}

/** The three files a commit freezes (§1). */
export interface SnapshotFiles {
  entitySnapshot: string;
  inspectorSnapshot: string;
  recusalSnapshot: string;
}

export interface SnapshotDigests {
  entitySnapshotDigest: string;
  inspectorSnapshotDigest: string;
  recusalDigest: string;
}

/** The three files parsed; entities in columns (sorted by id) to spare a million small objects. */
export interface ParsedSnapshots {
  readonly entityIds: readonly string[];
  readonly entityGrades: readonly string[];
  readonly inspectors: readonly InspectorRow[];
  readonly recusals: readonly RecusalRow[];
}

/** entityId → set of inspector ids that must never inspect it. */
export type RecusalIndex = Map<string, Set<string>>;

/** The plan's parameters that the draw depends on (besides the files and the seed). */
export interface DrawParameters {
  gradeOrder: readonly string[];
  ratiosBp: Record<string, number>;
  inspectorsPerTask: Record<string, number>;
}

/** An entity that cannot get k non-recused inspectors of a department (§1). */
export interface Infeasibility {
  entityId: string;
  departmentCode: string;
  available: number;
  required: number;
}
