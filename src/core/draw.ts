/**
 * Protocol "draw-v1" (the public contract: shared/spec/draw-protocol-v1.md) — the pure core.
 *
 * No I/O and no node: imports: this module also runs bundled in the browser verifier.
 * Everything here is deterministic; the only randomness is seedrandom 3.0.5 (ARC4) keyed with
 * ASCII labels derived from the SHA-256 seed.
 */
import seedrandom from 'seedrandom';
import { sha256Hex } from './sha256.ts';

export const PROTOCOL = 'draw-v1' as const;
export type Protocol = typeof PROTOCOL;

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

export interface EntityRow {
  id: string;
  grade: string;
}

export interface InspectorRow {
  departmentCode: string;
  inspectorId: string;
}

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

export interface InspectorRef {
  departmentCode: string;
  inspectorId: string;
}

export interface TaskAssignment {
  seq: number;
  entityId: string;
  grade: string;
  inspectors: InspectorRef[];
}

export interface SnapshotDigests {
  entitySnapshotDigest: string;
  inspectorSnapshotDigest: string;
  recusalDigest: string;
}

/** entityId → set of inspector ids that must never inspect it. */
export type RecusalIndex = Map<string, Set<string>>;

// ---------------------------------------------------------------------------------------------
// Validation (§1, §2)
// ---------------------------------------------------------------------------------------------

/** Entity id: 1–64 characters from [0-9A-Za-z._-] (a USCC for entities that have one). */
export const ENTITY_ID_RE = /^[0-9A-Za-z._-]{1,64}$/;
/** Grade code: 1–16 characters from [0-9A-Za-z_-]. */
export const GRADE_RE = /^[0-9A-Za-z_-]{1,16}$/;
/** Department code: 1–32 characters from [0-9A-Za-z_-]. */
export const DEPARTMENT_RE = /^[0-9A-Za-z_-]{1,32}$/;
/** Inspector id: 1–64 characters from [0-9A-Za-z._-]. */
export const INSPECTOR_ID_RE = /^[0-9A-Za-z._-]{1,64}$/;
/** 64 lowercase hex characters (SHA-256 digests, the server seed). */
export const HEX64_RE = /^[0-9a-f]{64}$/;

export const PUBLIC_ENTROPY_MAX_CHARS = 256;

// Character classes of the fields, for fast validation and the one-pass file scanner. The regexes
// above are the reference; tests check that both agree.
const ID_CHARS = 1; // [0-9A-Za-z._-]: entity ids, inspector ids
const CODE_CHARS = 2; // [0-9A-Za-z_-]: grade codes, department codes
const CHAR_CLASS: Uint8Array = (() => {
  const t = new Uint8Array(128);
  const all = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-';
  for (let i = 0; i < all.length; i++) t[all.charCodeAt(i)] = ID_CHARS | CODE_CHARS;
  t['.'.charCodeAt(0)] = ID_CHARS;
  return t;
})();

function fieldOk(s: unknown, cls: number, max: number): boolean {
  if (typeof s !== 'string' || s.length === 0 || s.length > max) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || (CHAR_CLASS[c] & cls) === 0) return false;
  }
  return true;
}

/** Same as ENTITY_ID_RE.test(s), faster. */
export const isEntityId = (s: unknown): s is string => fieldOk(s, ID_CHARS, 64);
/** Same as GRADE_RE.test(s), faster. */
export const isGrade = (s: unknown): s is string => fieldOk(s, CODE_CHARS, 16);
/** Same as DEPARTMENT_RE.test(s), faster. */
export const isDepartmentCode = (s: unknown): s is string => fieldOk(s, CODE_CHARS, 32);
/** Same as INSPECTOR_ID_RE.test(s), faster. */
export const isInspectorId = (s: unknown): s is string => fieldOk(s, ID_CHARS, 64);

export function isHex64(s: unknown): s is string {
  return typeof s === 'string' && HEX64_RE.test(s);
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? v.slice(0, 80) + '…' : v);
  return String(v);
}

function assertPattern(re: RegExp, what: string, v: unknown): asserts v is string {
  if (typeof v !== 'string' || !re.test(v)) {
    throw new Error(`invalid ${what} ${describe(v)}: must match ${re.source}`);
  }
}

export function assertEntityId(v: unknown): asserts v is string {
  if (!isEntityId(v)) assertPattern(ENTITY_ID_RE, 'entity id', v);
}
export function assertGrade(v: unknown): asserts v is string {
  if (!isGrade(v)) assertPattern(GRADE_RE, 'grade code', v);
}
export function assertDepartmentCode(v: unknown): asserts v is string {
  if (!isDepartmentCode(v)) assertPattern(DEPARTMENT_RE, 'department code', v);
}
export function assertInspectorId(v: unknown): asserts v is string {
  if (!isInspectorId(v)) assertPattern(INSPECTOR_ID_RE, 'inspector id', v);
}
export function assertHex64(v: unknown, what: string): asserts v is string {
  if (!isHex64(v)) throw new Error(`invalid ${what} ${describe(v)}: must be 64 lowercase hex characters`);
}

/**
 * Why `s` is not acceptable as publicEntropy (§2: 0–256 characters, no control characters), or null.
 * "Characters" are Unicode code points. Control characters are C0 (U+0000–U+001F), DEL and C1
 * (U+007F–U+009F). Unpaired surrogates are refused too, since they have no UTF-8 encoding.
 */
export function publicEntropyError(s: unknown): string | null {
  if (typeof s !== 'string') return `publicEntropy must be a string, got ${typeof s}`;
  let count = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
      } else {
        return `publicEntropy has an unpaired surrogate at index ${i}`;
      }
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return `publicEntropy has an unpaired surrogate at index ${i}`;
    } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
      return `publicEntropy contains control character U+${c.toString(16).toUpperCase().padStart(4, '0')} at index ${i}`;
    }
    count++;
  }
  if (count > PUBLIC_ENTROPY_MAX_CHARS) {
    return `publicEntropy is ${count} characters long, at most ${PUBLIC_ENTROPY_MAX_CHARS} allowed`;
  }
  return null;
}

/** Throws a clear Error unless `s` is a valid publicEntropy (see publicEntropyError). */
export function validatePublicEntropy(s: unknown): asserts s is string {
  const err = publicEntropyError(s);
  if (err !== null) throw new Error(err);
}

function assertRatioBp(grade: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 10000) {
    throw new Error(`invalid ratioBp ${describe(v)} for grade ${grade}: must be an integer 0–10000`);
  }
}

function assertK(dept: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new Error(`invalid inspectorsPerTask ${describe(v)} for department ${dept}: must be an integer ≥ 0`);
  }
}

/** Validates gradeOrder: valid, distinct grade codes (an empty list is allowed). */
function validateGradeOrder(gradeOrder: readonly string[]): void {
  if (!Array.isArray(gradeOrder)) throw new Error('gradeOrder must be an array of grade codes');
  const seen = new Set<string>();
  for (const g of gradeOrder) {
    assertGrade(g);
    if (seen.has(g)) throw new Error(`gradeOrder lists grade ${g} twice`);
    seen.add(g);
  }
}

function validateRatios(gradeOrder: readonly string[], ratiosBp: Record<string, number>): void {
  if (ratiosBp === null || typeof ratiosBp !== 'object') throw new Error('ratiosBp must be an object');
  const inOrder = new Set(gradeOrder);
  for (const g of gradeOrder) {
    if (!Object.prototype.hasOwnProperty.call(ratiosBp, g)) throw new Error(`no ratioBp given for grade ${g}`);
    assertRatioBp(g, ratiosBp[g]);
  }
  for (const g of Object.keys(ratiosBp)) {
    if (!inOrder.has(g)) throw new Error(`ratioBp given for grade ${describe(g)} which is not in gradeOrder`);
  }
}

/** Department codes with k > 0, sorted by code (UTF-8 byte order); validates the whole map. */
export function activeDepartments(inspectorsPerTask: Record<string, number>): string[] {
  if (inspectorsPerTask === null || typeof inspectorsPerTask !== 'object') {
    throw new Error('inspectorsPerTask must be an object');
  }
  const out: string[] = [];
  for (const d of Object.keys(inspectorsPerTask)) {
    assertDepartmentCode(d);
    const k = inspectorsPerTask[d];
    assertK(d, k);
    if (k > 0) out.push(d);
  }
  return out.sort(compareUtf8);
}

// ---------------------------------------------------------------------------------------------
// Ordering
// ---------------------------------------------------------------------------------------------

/**
 * Compares two strings by the bytes of their UTF-8 encodings (= Unicode code point order).
 * JS `<` compares UTF-16 code units, which differs only when the first difference is between a
 * surrogate (a code point ≥ U+10000) and a code unit in U+E000–U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        // surrogates (D800–DFFF) encode code points above every BMP unit in E000–FFFF
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : 1;
}

// Validated ids/codes are ASCII, where UTF-16 order = UTF-8 order: a plain `<` is exact there.
function cmpAscii(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Snapshot serialization (§1)
// ---------------------------------------------------------------------------------------------

function sortEntitiesChecked(rows: readonly EntityRow[]): EntityRow[] {
  const sorted = rows.slice().sort((a, b) => cmpAscii(a.id, b.id));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].id === sorted[i - 1].id) throw new Error(`duplicate entity id ${sorted[i].id}`);
  }
  return sorted;
}

/** Returns rows sorted by id (the input itself when it already is — checked in one pass). Validates. */
function entitiesSorted(rows: readonly EntityRow[]): readonly EntityRow[] {
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
  const sorted = entitiesSorted(rows);
  const parts = new Array<string>(sorted.length);
  for (let i = 0; i < sorted.length; i++) parts[i] = sorted[i].id + '\t' + sorted[i].grade + '\n';
  return parts.join('');
}

function cmpInspector(a: InspectorRow, b: InspectorRow): number {
  return cmpAscii(a.departmentCode, b.departmentCode) || cmpAscii(a.inspectorId, b.inspectorId);
}

/** Returns rows sorted by (department, inspector) — the input itself when already sorted. Validates. */
function inspectorsSorted(rows: readonly InspectorRow[]): readonly InspectorRow[] {
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

// ---------------------------------------------------------------------------------------------
// Strict parsers (for replay)
// ---------------------------------------------------------------------------------------------

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
  for (const [v, f] of [[fields[0], f1], [fields[1], f2]] as const) {
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

export interface SnapshotFiles {
  entitySnapshot: string;
  inspectorSnapshot: string;
  recusalSnapshot: string;
}

/** The three files parsed; entities in columns (sorted by id) to spare a million small objects. */
export interface ParsedSnapshots {
  readonly entityIds: readonly string[];
  readonly entityGrades: readonly string[];
  readonly inspectors: readonly InspectorRow[];
  readonly recusals: readonly RecusalRow[];
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

// ---------------------------------------------------------------------------------------------
// Commitment and seed (§1.5, §2)
// ---------------------------------------------------------------------------------------------

/** commitment = SHA-256 of the 64-character lowercase hex server seed (as ASCII). */
export function commitmentOf(serverSeedHex: string): string {
  assertHex64(serverSeedHex, 'serverSeed');
  return sha256Hex(serverSeedHex);
}

export interface SeedInput extends SnapshotDigests {
  serverSeed: string;
  publicEntropy: string;
}

/** The exact string that is hashed into the seed (§2). */
export function seedPreimage(p: SeedInput): string {
  assertHex64(p.serverSeed, 'serverSeed');
  validatePublicEntropy(p.publicEntropy);
  assertHex64(p.entitySnapshotDigest, 'entitySnapshotDigest');
  assertHex64(p.inspectorSnapshotDigest, 'inspectorSnapshotDigest');
  assertHex64(p.recusalDigest, 'recusalDigest');
  return (
    PROTOCOL + '|' + p.serverSeed + '|' + p.publicEntropy + '|' + p.entitySnapshotDigest + '|' +
    p.inspectorSnapshotDigest + '|' + p.recusalDigest
  );
}

/** seed = SHA-256("draw-v1|" + serverSeed + "|" + publicEntropy + "|" + the three digests joined by "|"). */
export function computeSeed(p: SeedInput): string {
  return sha256Hex(seedPreimage(p));
}

// ---------------------------------------------------------------------------------------------
// Entities (§3)
// ---------------------------------------------------------------------------------------------

/** n = min(N, ceil(ratioBp × N / 10000)), in exact integer arithmetic. */
export function countToDraw(ratioBp: number, population: number): number {
  if (!Number.isInteger(ratioBp) || ratioBp < 0 || ratioBp > 10000) {
    throw new Error(`invalid ratioBp ${describe(ratioBp)}: must be an integer 0–10000`);
  }
  if (!Number.isSafeInteger(population) || population < 0) {
    throw new Error(`invalid population ${describe(population)}: must be a non-negative integer`);
  }
  const x = ratioBp * population + 9999;
  if (!Number.isSafeInteger(x)) throw new Error(`population ${population} too large`);
  const n = (x - (x % 10000)) / 10000; // exact integer division
  return n < population ? n : population;
}

function rngFor(seed: string, kind: 'entities' | 'inspectors', code: string): () => number {
  // String seed, no options: seedrandom 3.0.5 default ARC4 generator, never the global form.
  return seedrandom(seed + '|' + kind + '|' + code);
}

export interface EntityDrawResult {
  strata: Required<Stratum>[];
  tasks: DrawnTask[];
}

/** Per-grade populations in gradeOrder (entities whose grade is not in gradeOrder are an error). */
export function computeStrata(
  gradeOrder: readonly string[],
  ratiosBp: Record<string, number>,
  entities: readonly EntityRow[],
): Stratum[] {
  validateGradeOrder(gradeOrder);
  validateRatios(gradeOrder, ratiosBp);
  const counts = new Map<string, number>();
  for (const g of gradeOrder) counts.set(g, 0);
  for (const e of entities) {
    const c = counts.get(e.grade);
    if (c === undefined) throw new Error(`entity ${e.id} has grade ${describe(e.grade)} which is not in gradeOrder`);
    counts.set(e.grade, c + 1);
  }
  return gradeOrder.map((g) => ({ grade: g, population: counts.get(g)!, ratioBp: ratiosBp[g] }));
}

/**
 * §3 on validated columns: ids sorted strictly ascending, gradeOrder and ratios validated. The pools
 * hold entity indices (integers) rather than strings.
 */
function drawEntitiesCore(
  seed: string,
  gradeOrder: readonly string[],
  ratiosBp: Record<string, number>,
  ids: readonly string[],
  grades: readonly string[],
): EntityDrawResult {
  const G = gradeOrder.length;
  const gradeIndex = new Map<string, number>();
  for (let g = 0; g < G; g++) gradeIndex.set(gradeOrder[g], g);
  const E = ids.length;
  const entityGrade = new Int32Array(E);
  const counts = new Int32Array(G);
  for (let i = 0; i < E; i++) {
    const g = gradeIndex.get(grades[i]);
    if (g === undefined) {
      throw new Error(`entity ${ids[i]} has grade ${describe(grades[i])} which is not in gradeOrder`);
    }
    entityGrade[i] = g;
    counts[g]++;
  }
  // pools[g] = indices of the entities of grade g, ascending (ids are sorted, so pools are sorted)
  const pools = Array.from(counts, (n) => new Int32Array(n));
  const fill = new Int32Array(G);
  for (let i = 0; i < E; i++) {
    const g = entityGrade[i];
    pools[g][fill[g]++] = i;
  }
  const strata: Required<Stratum>[] = [];
  let total = 0;
  for (let g = 0; g < G; g++) {
    const grade = gradeOrder[g];
    const n = countToDraw(ratiosBp[grade], counts[g]);
    strata.push({ grade, population: counts[g], ratioBp: ratiosBp[grade], drawn: n });
    total += n;
  }
  const tasks: DrawnTask[] = new Array(total);
  let t = 0;
  for (let g = 0; g < G; g++) {
    const n = strata[g].drawn;
    if (n === 0) continue;
    const pool = pools[g];
    const N = pool.length;
    const grade = gradeOrder[g];
    const r = rngFor(seed, 'entities', grade);
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(r() * (N - i));
      const x = pool[j];
      pool[j] = pool[i];
      pool[i] = x;
      tasks[t] = { seq: t + 1, entityId: ids[x], grade };
      t++;
    }
  }
  return { strata, tasks };
}

/**
 * §3: per grade in gradeOrder, a partial Fisher–Yates over the grade's sorted ids with
 * rng(seed + "|entities|" + grade); tasks are the selections concatenated, seq from 1.
 * `entities` need not be sorted (sortedness is checked in one pass; unsorted input is sorted).
 */
export function drawEntities(
  seed: string,
  gradeOrder: readonly string[],
  ratiosBp: Record<string, number>,
  entities: readonly EntityRow[],
): EntityDrawResult {
  assertHex64(seed, 'seed');
  validateGradeOrder(gradeOrder);
  validateRatios(gradeOrder, ratiosBp);
  const rows = entitiesSorted(entities);
  const ids = new Array<string>(rows.length);
  const grades = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    ids[i] = rows[i].id;
    grades[i] = rows[i].grade;
  }
  return drawEntitiesCore(seed, gradeOrder, ratiosBp, ids, grades);
}

// ---------------------------------------------------------------------------------------------
// Inspectors (§4)
// ---------------------------------------------------------------------------------------------

/** Builds entityId → Set(inspectorId) from recusal rows. */
export function buildRecusalIndex(recusals: readonly RecusalRow[]): RecusalIndex {
  const idx: RecusalIndex = new Map();
  for (const r of recusals) {
    let s = idx.get(r.entityId);
    if (s === undefined) {
      s = new Set();
      idx.set(r.entityId, s);
    }
    s.add(r.inspectorId);
  }
  return idx;
}

function toRecusalIndex(recusals: readonly RecusalRow[] | RecusalIndex): RecusalIndex {
  return recusals instanceof Map ? recusals : buildRecusalIndex(recusals);
}

/** department code → its inspector ids, sorted. */
function departmentPools(inspectors: readonly InspectorRow[]): Map<string, string[]> {
  const rows = inspectorsSorted(inspectors);
  const pools = new Map<string, string[]>();
  for (const r of rows) {
    let p = pools.get(r.departmentCode);
    if (p === undefined) {
      p = [];
      pools.set(r.departmentCode, p);
    }
    p.push(r.inspectorId);
  }
  return pools;
}

/** ceil(T × k / M) in exact integer arithmetic. */
export function loadCap(tasks: number, k: number, inspectors: number): number {
  const x = tasks * k + inspectors - 1;
  if (!Number.isSafeInteger(x)) throw new Error('loadCap: numbers too large');
  return (x - (x % inspectors)) / inspectors;
}

/** The p-th element (0-based) of 0, 1, 2, … with the ascending values skip[0 … n−1] left out. */
function nthSkipping(p: number, skip: Int32Array, n: number): number {
  let idx = p;
  for (let s = 0; s < n; s++) {
    if (skip[s] <= idx) idx++;
    else break;
  }
  return idx;
}

/**
 * §4: for each department with k > 0 (sorted by code), a team of k per task, drawn by a partial
 * Fisher–Yates over the non-recused inspectors under the load cap (falling back to all non-recused
 * inspectors when fewer than k are under the cap). Tasks must be in seq order (seq = 1, 2, …).
 * Throws if some task cannot get k inspectors (ruled out by checkFeasibility before commit).
 * The InspectorRef objects in the result are shared between tasks and frozen.
 *
 * Implementation note: the candidate list C of §4 is never materialized. `under` holds the pool
 * indices with load < cap in pool order; C is `under` (or the whole pool, in the fallback) minus the
 * entity's recused inspectors, and C[p] is found by skipping the recused positions. The k swaps of
 * the partial Fisher–Yates on the "copy of C" are recorded sparsely. This costs O(k + recusals) per
 * task instead of O(M), and yields exactly the protocol's result (tests compare it against a literal
 * transcription of §4).
 */
export function assignInspectors(
  seed: string,
  tasks: readonly DrawnTask[],
  inspectors: readonly InspectorRow[],
  inspectorsPerTask: Record<string, number>,
  recusals: readonly RecusalRow[] | RecusalIndex,
): TaskAssignment[] {
  assertHex64(seed, 'seed');
  const T = tasks.length;
  for (let i = 0; i < T; i++) {
    if (tasks[i].seq !== i + 1) throw new Error(`tasks must be numbered 1, 2, … in order; task ${i} has seq ${describe(tasks[i].seq)}`);
  }
  const rec = toRecusalIndex(recusals);
  // Each task's recusal set, looked up once (not once per department).
  const taskRecused: (ReadonlySet<string> | undefined)[] = new Array(T);
  if (rec.size > 0) for (let t = 0; t < T; t++) taskRecused[t] = rec.get(tasks[t].entityId);
  return assignCore(tasks, taskRecused, inspectors, inspectorsPerTask, seed);
}

/** §4 proper. taskRecused[t] = the inspector ids recused from task t's entity (or undefined). */
function assignCore(
  tasks: readonly DrawnTask[],
  taskRecused: readonly (ReadonlySet<string> | undefined)[],
  inspectors: readonly InspectorRow[],
  inspectorsPerTask: Record<string, number>,
  seed: string,
): TaskAssignment[] {
  const T = tasks.length;
  const depts = activeDepartments(inspectorsPerTask);
  const pools = departmentPools(inspectors);
  let teamSize = 0;
  for (const d of depts) teamSize += inspectorsPerTask[d];
  const out: TaskAssignment[] = new Array(T);
  for (let i = 0; i < T; i++) {
    out[i] = { seq: tasks[i].seq, entityId: tasks[i].entityId, grade: tasks[i].grade, inspectors: new Array(teamSize) };
  }
  if (T === 0) return out;

  let offset = 0; // where this department's team starts in each task's inspector list
  for (const d of depts) {
    const k = inspectorsPerTask[d];
    const pool = pools.get(d) ?? [];
    const M = pool.length;
    if (M < k) {
      throw new Error(`department ${d} needs ${k} inspectors per task but has ${M} in the inspector snapshot`);
    }
    const cap = loadCap(T, k, M);
    const load = new Int32Array(M);
    const under = new Int32Array(M); // pool indices x with load[x] < cap, ascending
    const posInUnder = new Int32Array(M); // position of x in `under`, or −1
    for (let x = 0; x < M; x++) {
      under[x] = x;
      posInUnder[x] = x;
    }
    let U = M;
    const indexInPool = new Map<string, number>();
    for (let x = 0; x < M; x++) indexInPool.set(pool[x], x);
    const recPool = new Int32Array(M); // recused pool indices of the current task, ascending
    const recPos = new Int32Array(M); // their positions in `under` (those still under the cap), ascending
    // One shared, frozen reference object per inspector (instead of one per team seat).
    const refs: InspectorRef[] = pool.map((inspectorId) => Object.freeze({ departmentCode: d, inspectorId }));
    // Sparse record of the Fisher–Yates copy of C: position p holds swapVal[p] if swapStamp[p] = stamp.
    const swapStamp = new Int32Array(M);
    const swapVal = new Int32Array(M);
    let stamp = 0;
    const team = new Int32Array(k);
    const r = rngFor(seed, 'inspectors', d);

    for (let t = 0; t < T; t++) {
      const recused = taskRecused[t];
      let nRecPool = 0;
      let nRecPos = 0;
      if (recused !== undefined) {
        for (const id of recused) {
          const x = indexInPool.get(id);
          if (x !== undefined) recPool[nRecPool++] = x;
        }
        if (nRecPool > 1) recPool.subarray(0, nRecPool).sort(); // typed-array sort is numeric
        for (let i = 0; i < nRecPool; i++) {
          const p = posInUnder[recPool[i]];
          if (p >= 0) recPos[nRecPos++] = p; // ascending, since `under` is in pool order
        }
      }
      // C = under-cap, non-recused inspectors; if fewer than k, all non-recused inspectors.
      const capped = U - nRecPos >= k;
      const c = capped ? U - nRecPos : M - nRecPool;
      if (c < k) {
        throw new Error(
          `task ${tasks[t].seq} (entity ${tasks[t].entityId}): department ${d} has only ${c} non-recused inspectors, ${k} required`,
        );
      }
      stamp++;
      for (let i = 0; i < k; i++) {
        const j = i + Math.floor(r() * (c - i));
        const vj =
          swapStamp[j] === stamp
            ? swapVal[j]
            : capped
              ? under[nthSkipping(j, recPos, nRecPos)]
              : nthSkipping(j, recPool, nRecPool);
        if (j !== i) {
          // position i is never read again (later steps only touch positions > i)
          swapVal[j] =
            swapStamp[i] === stamp
              ? swapVal[i]
              : capped
                ? under[nthSkipping(i, recPos, nRecPos)]
                : nthSkipping(i, recPool, nRecPool);
          swapStamp[j] = stamp;
        }
        team[i] = vj;
      }
      const members = out[t].inspectors;
      for (let i = 0; i < k; i++) {
        const x = team[i];
        members[offset + i] = refs[x];
        if (++load[x] >= cap) {
          const p = posInUnder[x];
          if (p >= 0) {
            // x reached the cap: drop it from `under` (at most M times per department)
            for (let q = p + 1; q < U; q++) {
              const y = under[q];
              under[q - 1] = y;
              posInUnder[y] = q - 1;
            }
            U--;
            posInUnder[x] = -1;
          }
        }
      }
    }
    offset += k;
  }
  return out;
}

export interface Infeasibility {
  entityId: string;
  departmentCode: string;
  available: number;
  required: number;
}

/** Index of `id` in rows sorted strictly by id (ASCII order), or −1. */
function findSortedId(rows: readonly EntityRow[], id: string): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const m = rows[mid].id;
    if (m === id) return mid;
    if (m < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** checkFeasibility on validated, sorted entity rows. */
function feasibilitySorted(
  rows: readonly EntityRow[],
  inspectors: readonly InspectorRow[],
  inspectorsPerTask: Record<string, number>,
  rec: RecusalIndex,
): Infeasibility | null {
  const depts = activeDepartments(inspectorsPerTask);
  if (rows.length === 0 || depts.length === 0) return null;
  const pools = departmentPools(inspectors);
  const sets = depts.map((d) => new Set(pools.get(d) ?? []));
  // Only entities with recusals can have fewer than M_d available inspectors. If an entity without
  // recusals fails, the first entity fails too (it has at most as many available), so it suffices
  // to check the first entity and the entities with recusals, in id order.
  const candidates: string[] = [rows[0].id];
  for (const id of rec.keys()) if (id !== rows[0].id && findSortedId(rows, id) >= 0) candidates.push(id);
  candidates.sort(cmpAscii);
  for (const id of candidates) {
    const recused = rec.get(id);
    for (let i = 0; i < depts.length; i++) {
      const k = inspectorsPerTask[depts[i]];
      let available = sets[i].size;
      if (recused !== undefined) for (const x of recused) if (sets[i].has(x)) available--;
      if (available < k) return { entityId: id, departmentCode: depts[i], available, required: k };
    }
  }
  return null;
}

/**
 * The commit-time check of §1: null when every entity has at least k non-recused inspectors in each
 * department with k > 0; otherwise the first failing entity (in id order) and its first failing
 * department (in code order).
 */
export function checkFeasibility(
  entities: readonly EntityRow[],
  inspectors: readonly InspectorRow[],
  inspectorsPerTask: Record<string, number>,
  recusals: readonly RecusalRow[] | RecusalIndex,
): Infeasibility | null {
  return feasibilitySorted(entitiesSorted(entities), inspectors, inspectorsPerTask, toRecusalIndex(recusals));
}

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
  const parts = new Array<string>(entities.length);
  for (let i = 0; i < entities.length; i++) parts[i] = entities[i].id + '\t' + entities[i].grade + '\n';
  const files: SnapshotFiles = {
    entitySnapshot: parts.join(''),
    inspectorSnapshot: serializeInspectorSnapshot(inspectors),
    recusalSnapshot,
  };
  const counts = new Map<string, number>();
  for (const g of p.gradeOrder) counts.set(g, 0);
  for (const e of entities) {
    const c = counts.get(e.grade);
    if (c === undefined) throw new Error(`entity ${e.id} has grade ${describe(e.grade)} which is not in gradeOrder`);
    counts.set(e.grade, c + 1);
  }
  const strata = p.gradeOrder.map((g) => ({ grade: g, population: counts.get(g)!, ratioBp: p.ratiosBp[g] }));
  const infeasibility = feasibilitySorted(entities, inspectors, p.inspectorsPerTask, buildRecusalIndex(recusals));
  return { files, digests: snapshotDigests(files), strata, infeasibility };
}

// ---------------------------------------------------------------------------------------------
// The whole draw
// ---------------------------------------------------------------------------------------------

export interface DrawParameters {
  gradeOrder: readonly string[];
  ratiosBp: Record<string, number>;
  inspectorsPerTask: Record<string, number>;
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

/** Digests of the three snapshot files. */
export function snapshotDigests(files: SnapshotFiles): SnapshotDigests {
  return {
    entitySnapshotDigest: sha256Hex(files.entitySnapshot),
    inspectorSnapshotDigest: sha256Hex(files.inspectorSnapshot),
    recusalDigest: sha256Hex(files.recusalSnapshot),
  };
}

/** 32-bit FNV-1a over UTF-16 code units. */
function hashId(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}

interface RecusalBucket {
  entityId: string;
  inspectorIds: Set<string>;
  next: RecusalBucket | undefined;
}

/**
 * §3 + §4 with a known seed, on snapshots as returned by parseSnapshotFiles (hand-made
 * ParsedSnapshots are accepted too, and checked for sorted, unique entity ids).
 */
export function drawParsed(
  seed: string,
  parsed: ParsedSnapshots,
  params: DrawParameters,
): { strata: Required<Stratum>[]; tasks: TaskAssignment[] } {
  assertHex64(seed, 'seed');
  validateGradeOrder(params.gradeOrder);
  validateRatios(params.gradeOrder, params.ratiosBp);
  const ids = parsed.entityIds;
  if (ids.length !== parsed.entityGrades.length) throw new Error('entityIds and entityGrades differ in length');
  if (!PARSED.has(parsed)) {
    for (let i = 1; i < ids.length; i++) {
      if (!(ids[i - 1] < ids[i])) throw new Error(`entity ids not strictly ascending at ${describe(ids[i])}`);
    }
  }
  const { strata, tasks } = drawEntitiesCore(seed, params.gradeOrder, params.ratiosBp, ids, parsed.entityGrades);
  // Each task's recusal set. Ids parsed from a big file are sliced strings, for which V8's Map
  // lookups are slow; an integer hash of the characters (computed for the drawn tasks and the
  // recusal pairs only) makes the join cheap. Equal hashes are confirmed by comparing the ids.
  const buckets = new Map<number, RecusalBucket>();
  for (const r of parsed.recusals) {
    const h = hashId(r.entityId);
    let b = buckets.get(h);
    while (b !== undefined && b.entityId !== r.entityId) b = b.next;
    if (b === undefined) {
      b = { entityId: r.entityId, inspectorIds: new Set(), next: buckets.get(h) };
      buckets.set(h, b);
    }
    b.inspectorIds.add(r.inspectorId);
  }
  const taskRecused: (ReadonlySet<string> | undefined)[] = new Array(tasks.length);
  if (buckets.size > 0) {
    for (let t = 0; t < tasks.length; t++) {
      const id = tasks[t].entityId;
      let b = buckets.get(hashId(id));
      while (b !== undefined && b.entityId !== id) b = b.next;
      taskRecused[t] = b?.inspectorIds;
    }
  }
  const assigned = assignCore(tasks, taskRecused, parsed.inspectors, params.inspectorsPerTask, seed);
  return { strata, tasks: assigned };
}

/** Parses the three files, computes the seed, draws entities (§3) and assigns inspectors (§4). */
export function runDraw(input: RunDrawInput): RunDrawResult {
  assertHex64(input.serverSeed, 'serverSeed');
  validatePublicEntropy(input.publicEntropy);
  const parsed = parseSnapshotFiles(input);
  const digests = snapshotDigests(input);
  const seed = computeSeed({ serverSeed: input.serverSeed, publicEntropy: input.publicEntropy, ...digests });
  return { seed, digests, ...drawParsed(seed, parsed, input) };
}
