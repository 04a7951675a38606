/**
 * Protocol "draw-v1" §1: strict parsers of the three snapshot files (for replay and for the draw
 * itself, which runs on the stored files). Errors name the file and the 1-based line.
 */
import { CHAR_CLASS, CODE_CHARS, DEPARTMENT_RE, ENTITY_ID_RE, GRADE_RE, ID_CHARS, INSPECTOR_ID_RE, describe } from './ids.ts';
import type { EntityRow, InspectorRow, ParsedSnapshots, RecusalRow, SnapshotFiles } from './types.ts';

interface FieldSpec {
  cls: number;
  max: number;
  name: string;
  re: RegExp;
}

const F_ENTITY_ID: FieldSpec = { cls: ID_CHARS, max: 64, name: 'entity id', re: ENTITY_ID_RE };
const F_GRADE: FieldSpec = { cls: CODE_CHARS, max: 16, name: 'grade code', re: GRADE_RE };
const F_DEPARTMENT: FieldSpec = { cls: CODE_CHARS, max: 32, name: 'department code', re: DEPARTMENT_RE };
const F_INSPECTOR_ID: FieldSpec = { cls: ID_CHARS, max: 64, name: 'inspector id', re: INSPECTOR_ID_RE };

function describeField(s: string): string {
  let d = describe(s);
  if (s.endsWith('\r')) d += ' (CRLF line endings are not allowed)';
  return d;
}

/** Builds the precise message for a line the fast scanner rejected. */
function lineError(what: string, text: string, lineStart: number, lineNo: number, f1: FieldSpec, f2: FieldSpec): Error {
  let end = text.indexOf('\n', lineStart);
  if (end === -1) end = text.length;
  const fields = text.slice(lineStart, end).split('\t');
  if (fields.length !== 2) {
    return new Error(`${what} line ${lineNo}: expected 2 tab-separated fields, found ${fields.length}`);
  }
  for (const [v, f] of [
    [fields[0], f1],
    [fields[1], f2],
  ] as const) {
    if (!f.re.test(v)) return new Error(`${what} line ${lineNo}: invalid ${f.name} ${describeField(v)}: must match ${f.re.source}`);
  }
  return new Error(`${what} line ${lineNo}: malformed line`);
}

interface Columns {
  a: string[];
  b: string[];
}

/**
 * Strict one-pass parser of a two-column snapshot file: empty, or every line `a\tb\n` with both
 * fields matching their patterns, and lines strictly ascending (for entities: ids strictly
 * ascending, so no id twice). Errors name the 1-based line number.
 */
function scanColumns(what: string, text: string, f1: FieldSpec, f2: FieldSpec, uniqueFirst: boolean, internB = false): Columns {
  if (typeof text !== 'string') throw new Error(`${what}: expected the file as a string`);
  const a: string[] = [];
  const b: string[] = [];
  const len = text.length;
  if (len === 0) return { a, b };
  if (text.charCodeAt(len - 1) !== 10) {
    let lines = 1;
    for (let p = text.indexOf('\n'); p !== -1; p = text.indexOf('\n', p + 1)) lines++;
    throw new Error(`${what} line ${lines}: missing final newline`);
  }
  const cls1 = f1.cls;
  const cls2 = f2.cls;
  let pos = 0;
  let lineNo = 0;
  let prevA = '';
  let prevB = '';
  const interned: string[] = [];
  while (pos < len) {
    lineNo++;
    const s1 = pos;
    let c = text.charCodeAt(pos);
    while (c < 128 && (CHAR_CLASS[c] & cls1) !== 0) c = text.charCodeAt(++pos);
    const e1 = pos;
    if (c !== 9 || e1 === s1 || e1 - s1 > f1.max) throw lineError(what, text, s1, lineNo, f1, f2);
    const s2 = ++pos;
    c = text.charCodeAt(pos);
    while (c < 128 && (CHAR_CLASS[c] & cls2) !== 0) c = text.charCodeAt(++pos);
    const e2 = pos;
    if (c !== 10 || e2 === s2 || e2 - s2 > f2.max) throw lineError(what, text, s1, lineNo, f1, f2);
    pos++;
    const x = text.slice(s1, e1);
    let y: string | undefined;
    if (internB) {
      // Few distinct values (grade codes): reuse one string per value instead of a million copies.
      const n = e2 - s2;
      for (let i = 0; i < interned.length; i++) {
        const v = interned[i];
        if (v.length === n && text.startsWith(v, s2)) {
          y = v;
          break;
        }
      }
      if (y === undefined) {
        y = text.slice(s2, e2);
        if (interned.length < 32) interned.push(y);
      }
    } else {
      y = text.slice(s2, e2);
    }
    if (lineNo > 1) {
      // Fields are ASCII without tabs, so JS string order = byte order, and comparing (a, b) pairs
      // = comparing whole lines.
      if (uniqueFirst) {
        if (!(prevA < x)) {
          if (prevA === x) throw new Error(`${what} line ${lineNo}: duplicate ${f1.name} ${x} (also on line ${lineNo - 1})`);
          throw new Error(`${what} line ${lineNo}: not sorted (sorts before line ${lineNo - 1})`);
        }
      } else {
        const cmp = x < prevA ? -1 : x > prevA ? 1 : y < prevB ? -1 : y > prevB ? 1 : 0;
        if (cmp === 0) throw new Error(`${what} line ${lineNo}: duplicate of line ${lineNo - 1}`);
        if (cmp < 0) throw new Error(`${what} line ${lineNo}: not sorted (sorts before line ${lineNo - 1})`);
      }
    }
    a.push(x);
    b.push(y);
    prevA = x;
    prevB = y;
  }
  return { a, b };
}

/** Parses an entity snapshot file strictly. Rows come back sorted by id, as in the file. */
export function parseEntitySnapshot(text: string): EntityRow[] {
  const { a, b } = scanColumns('entity snapshot', text, F_ENTITY_ID, F_GRADE, true, true);
  const rows = new Array<EntityRow>(a.length);
  for (let i = 0; i < a.length; i++) rows[i] = { id: a[i], grade: b[i] };
  return rows;
}

/** Parses an inspector snapshot file strictly. */
export function parseInspectorSnapshot(text: string): InspectorRow[] {
  const { a, b } = scanColumns('inspector snapshot', text, F_DEPARTMENT, F_INSPECTOR_ID, false);
  const rows = new Array<InspectorRow>(a.length);
  for (let i = 0; i < a.length; i++) rows[i] = { departmentCode: a[i], inspectorId: b[i] };
  return rows;
}

/** Parses a recusal snapshot file strictly. */
export function parseRecusalSnapshot(text: string): RecusalRow[] {
  const { a, b } = scanColumns('recusal snapshot', text, F_INSPECTOR_ID, F_ENTITY_ID, false);
  const rows = new Array<RecusalRow>(a.length);
  for (let i = 0; i < a.length; i++) rows[i] = { inspectorId: a[i], entityId: b[i] };
  return rows;
}

/** Results of parseSnapshotFiles: deeply frozen, so drawParsed can skip re-checking them. */
const PARSED = new WeakSet<ParsedSnapshots>();

/** Parses the three snapshot files strictly (errors name the file and line). The result is frozen. */
export function parseSnapshotFiles(files: SnapshotFiles): ParsedSnapshots {
  const { a: entityIds, b: entityGrades } = scanColumns('entity snapshot', files.entitySnapshot, F_ENTITY_ID, F_GRADE, true, true);
  const parsed: ParsedSnapshots = Object.freeze({
    entityIds: Object.freeze(entityIds),
    entityGrades: Object.freeze(entityGrades),
    inspectors: Object.freeze(parseInspectorSnapshot(files.inspectorSnapshot).map((r) => Object.freeze(r))),
    recusals: Object.freeze(parseRecusalSnapshot(files.recusalSnapshot).map((r) => Object.freeze(r))),
  });
  PARSED.add(parsed);
  return parsed;
}

/** Whether `parsed` came from parseSnapshotFiles (so its ids are known sorted and unique). */
export function isParsedSnapshots(parsed: ParsedSnapshots): boolean {
  return PARSED.has(parsed);
}
