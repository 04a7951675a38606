/**
 * The task file of records revision 2 (spec §5), for auditors: one line per task in `seq` order,
 *
 *   seq \t entityId \t grade \t team \n
 *
 * where team is the task's inspectors in §4's order, each `departmentCode:inspectorId`, joined by `,` (empty
 * when no department assigns inspectors). `taskDigest` = SHA-256 of the file. Pure: no I/O.
 */
import { sha256Hex, type Sha256Factory } from '../sha256.ts';
import { compareUtf8, describe, isDepartmentCode, isEntityId, isGrade, isInspectorId } from './ids.ts';
import type { InspectorRef } from './types.ts';

export interface TaskLine {
  seq: number;
  entityId: string;
  grade: string;
  inspectors: InspectorRef[];
}

/** The task file of tasks given in seq order (seq 1, 2, …). Throws on anything that would not parse back. */
export function serializeTaskFile(tasks: readonly TaskLine[]): string {
  const parts = new Array<string>(tasks.length);
  for (let i = 0; i < tasks.length; i++) {
    const t = tasks[i];
    if (t.seq !== i + 1) throw new Error(`task file: task ${i + 1} has seq ${describe(t.seq)}: tasks must be given in seq order from 1`);
    if (!isEntityId(t.entityId)) throw new Error(`task file: task ${t.seq} has an invalid entity id ${describe(t.entityId)}`);
    if (!isGrade(t.grade)) throw new Error(`task file: task ${t.seq} has an invalid grade ${describe(t.grade)}`);
    let team = '';
    for (let j = 0; j < t.inspectors.length; j++) {
      const x = t.inspectors[j];
      if (!isDepartmentCode(x.departmentCode) || !isInspectorId(x.inspectorId)) {
        throw new Error(`task file: task ${t.seq} has an invalid inspector ${describe(x.departmentCode)}:${describe(x.inspectorId)}`);
      }
      team += (j === 0 ? '' : ',') + x.departmentCode + ':' + x.inspectorId;
    }
    parts[i] = t.seq + '\t' + t.entityId + '\t' + t.grade + '\t' + team + '\n';
  }
  return parts.join('');
}

/** taskDigest: SHA-256 of the task file (with `hash`, or the portable SHA-256). */
export function taskDigestOf(tasks: readonly TaskLine[], hash?: Sha256Factory): string {
  return sha256Hex(serializeTaskFile(tasks), hash);
}

const SEQ_RE = /^[1-9][0-9]{0,15}$/;

/** Parses a task file, strictly (the exact bytes serializeTaskFile writes). Throws naming the line. */
export function parseTaskFile(text: string): TaskLine[] {
  if (typeof text !== 'string') throw new Error('task file must be text');
  const out: TaskLine[] = [];
  if (text === '') return out;
  if (!text.endsWith('\n')) throw new Error('task file: the last line does not end with a line feed');
  const lines = text.slice(0, -1).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const fields = lines[i].split('\t');
    if (fields.length !== 4) throw new Error(`task file line ${n}: expected 4 tab-separated fields, found ${fields.length}`);
    const [seqText, entityId, grade, team] = fields;
    if (!SEQ_RE.test(seqText) || Number(seqText) !== n) throw new Error(`task file line ${n}: seq ${describe(seqText)}, expected ${n}`);
    if (!isEntityId(entityId)) throw new Error(`task file line ${n}: invalid entity id ${describe(entityId)}`);
    if (!isGrade(grade)) throw new Error(`task file line ${n}: invalid grade ${describe(grade)}`);
    const inspectors: InspectorRef[] = [];
    if (team !== '') {
      for (const m of team.split(',')) {
        const colon = m.indexOf(':');
        const departmentCode = colon < 0 ? '' : m.slice(0, colon);
        const inspectorId = colon < 0 ? '' : m.slice(colon + 1);
        if (!isDepartmentCode(departmentCode) || !isInspectorId(inspectorId)) {
          throw new Error(`task file line ${n}: invalid team member ${describe(m)} (expected departmentCode:inspectorId)`);
        }
        inspectors.push({ departmentCode, inspectorId });
      }
    }
    out.push({ seq: n, entityId, grade, inspectors });
  }
  return out;
}

/** The tasks in the public order of revision 2: sorted by entityId (UTF-8 bytes). */
export function publicTaskOrder<T extends { entityId: string }>(tasks: readonly T[]): T[] {
  return tasks.slice().sort((a, b) => compareUtf8(a.entityId, b.entityId));
}
