/**
 * Rows of an import file — CSV with a header line, or NDJSON (one JSON object per line) — as arrays of
 * field values aligned with the import's columns, in batches. Nothing is held beyond one chunk of the body.
 *
 * Row numbers are LINE NUMBERS in the file, 1-based, where the row starts: in CSV the header is line 1,
 * so the first data row is row 2 (as a spreadsheet shows it); in NDJSON the first object is row 1.
 */
import { parse } from 'csv-parse';
import { utf8Chunks, type ByteSource, type DecodeState } from './utf8.ts';
import type { Problems } from './problems.ts';

export interface ImportColumn {
  name: string;
  /** The column must be in the file and every row must give a value. */
  required: boolean;
}

/** One data row: `fields[k]` is the trimmed value of column k, `undefined` when the row does not give it. */
export interface SourceRow {
  row: number;
  fields: (string | undefined)[];
}

export interface SourceState extends DecodeState {
  /** Reading stopped before the end of the file (a fatal problem); the rest is not checked. */
  stopped: boolean;
  /** Whether the file had any line at all (a header for CSV). */
  sawHeader: boolean;
  /** Data records read (blank lines not counted), well-formed or not. */
  records: number;
}

export type MediaKind = 'csv' | 'ndjson';

/** Larger records are refused: they can only be a broken file, and they would cost memory. */
const MAX_RECORD_BYTES = 1024 * 1024;

const columnList = (columns: readonly ImportColumn[]) => columns.map((c) => c.name).join(',');

/**
 * Maps header names to columns; reports unknown, duplicate and missing columns on row 1. Columns without
 * a name (Excel leaves trailing commas) are tolerated as long as they stay empty: they come back in `blank`.
 */
function resolveHeader(header: string[], columns: readonly ImportColumn[], problems: Problems): { index: number[]; blank: number[] } | null {
  const byName = new Map(columns.map((c, k) => [c.name.toLowerCase(), k]));
  const index = columns.map(() => -1);
  const blank: number[] = [];
  let ok = true;
  const unknown: string[] = [];
  header.forEach((raw, i) => {
    const name = raw.trim();
    const k = byName.get(name.toLowerCase());
    if (name === '') blank.push(i);
    else if (k === undefined) {
      unknown.push(name);
      problems.add(1, name, `unknown column "${name}"`);
      ok = false;
    } else if (index[k] !== -1) {
      problems.add(1, columns[k].name, `column "${columns[k].name}" appears twice in the header`);
      ok = false;
    } else index[k] = i;
  });
  columns.forEach((c, k) => {
    if (c.required && index[k] === -1) {
      problems.add(1, c.name, `required column "${c.name}" is missing from the header`);
      ok = false;
    }
  });
  if (!ok) {
    problems.note(
      `the header (line 1) must name the columns ${columnList(columns)}` +
        (unknown.length ? `; unknown: ${unknown.map((u) => `"${u}"`).join(', ')}` : ''),
    );
  }
  return ok ? { index, blank } : null;
}

function newlinesIn(record: string[]): number {
  let n = 0;
  for (const field of record) for (let i = field.indexOf('\n'); i !== -1; i = field.indexOf('\n', i + 1)) n++;
  return n;
}

const CSV_MESSAGES: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is not closed (a " is missing); the rest of the file could not be read',
  CSV_MAX_RECORD_SIZE: `the row is longer than ${MAX_RECORD_BYTES} bytes; the rest of the file could not be read`,
  CSV_INVALID_CLOSING_QUOTE: 'a quoted field has text after its closing quote; the rest of the file could not be read',
};

/**
 * Data rows of a CSV file, in batches (one per chunk of the body: a promise per row would cost more than
 * the parsing). csv-parse's stream is used in paused mode: each write parses synchronously and the
 * records are read out right away, so at most one chunk's records are held.
 */
export async function* csvRows(
  reader: ByteSource,
  columns: readonly ImportColumn[],
  problems: Problems,
  state: SourceState,
): AsyncGenerator<SourceRow[]> {
  const parser = parse({
    relax_column_count: true, // we report wrong field counts ourselves, with the row
    relax_quotes: true, // a quote inside an unquoted field (ACME "Foo" Ltd) is just a character
    skip_empty_lines: false, // keeps our line count exact; blank records are skipped below
    record_delimiter: ['\r\n', '\n'],
    max_record_size: MAX_RECORD_BYTES,
  });
  parser.on('error', () => {}); // read synchronously from parser.errored below
  let line = 1;
  let index: number[] | null = null;
  let blank: number[] = [];
  let width = 0;
  /** Turns the records parsed so far into rows; null when the header is wrong (reading stops). */
  const take = (): SourceRow[] | null => {
    const rows: SourceRow[] = [];
    for (let record: string[] | null; (record = parser.read()) !== null; ) {
      const row = line;
      const extra = newlinesIn(record);
      line += 1 + extra;
      // The record cut short by an encoding error is not a row (the error is reported instead).
      if (state.encodingError && row + extra >= state.encodingError.line) continue;
      if (index === null) {
        state.sawHeader = true;
        const header = resolveHeader(record, columns, problems);
        if (header === null) return null;
        ({ index, blank } = header);
        width = record.length;
        continue;
      }
      if (record.length === 1 && record[0].trim() === '') continue; // a blank line
      state.records++;
      if (record.length !== width) {
        problems.add(row, undefined, `expected ${width} fields as in the header, got ${record.length}`);
        continue;
      }
      const stray = blank.find((i) => record[i].trim() !== '');
      if (stray !== undefined) {
        problems.add(row, undefined, `a value in column ${stray + 1}, which has no name in the header`);
        continue;
      }
      const fields = new Array<string | undefined>(index.length);
      for (let k = 0; k < index.length; k++) fields[k] = index[k] === -1 ? undefined : record[index[k]].trim();
      rows.push({ row, fields });
    }
    return rows;
  };
  const failed = (): boolean => {
    const err = parser.errored as (Error & { code?: string }) | null;
    if (!err) return false;
    state.stopped = true;
    // A quote left open by an encoding error's cut: the encoding error says it all.
    if (!state.encodingError) {
      problems.add(line, undefined, (err.code && CSV_MESSAGES[err.code]) ?? `the file is not valid CSV: ${err.message}`);
    }
    return true;
  };
  try {
    for await (const chunk of utf8Chunks(reader, state)) {
      parser.write(chunk);
      const rows = take();
      if (rows === null) return void (state.stopped = true);
      if (rows.length) yield rows;
      if (failed()) return;
    }
    parser.end();
    const rows = take();
    if (rows === null) return void (state.stopped = true);
    if (rows.length) yield rows;
    failed();
  } finally {
    parser.destroy();
  }
}

/** An NDJSON value as a field: strings trimmed, numbers and booleans as text, arrays of strings joined with ";". */
function fieldOf(value: unknown): string | null {
  if (value === null) return '';
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.map((v) => v.trim()).join(';');
  return null;
}

export async function* ndjsonRows(
  reader: ByteSource,
  columns: readonly ImportColumn[],
  problems: Problems,
  state: SourceState,
): AsyncGenerator<SourceRow[]> {
  const byName = new Map(columns.map((c, k) => [c.name, k]));
  let pending = '';
  let line = 0;
  function toRow(text: string): SourceRow | null {
    line++;
    if (text.trim() === '') return null;
    state.sawHeader = true;
    state.records++;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      problems.add(line, undefined, `not valid JSON: ${(err as Error).message}`);
      return null;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.add(line, undefined, 'each line must be one JSON object');
      return null;
    }
    const fields: (string | undefined)[] = columns.map(() => undefined);
    let ok = true;
    for (const [key, v] of Object.entries(value)) {
      const k = byName.get(key);
      if (k === undefined) {
        problems.add(line, key, `unknown field "${key}"; the fields are ${columnList(columns)}`);
        ok = false;
        continue;
      }
      const field = fieldOf(v);
      if (field === null) {
        problems.add(line, key, 'must be a string, a number, true/false, null or a list of strings');
        ok = false;
      } else fields[k] = field;
    }
    return ok ? { row: line, fields } : null;
  }
  for await (const chunk of utf8Chunks(reader, state)) {
    pending += chunk.toString('utf8'); // whole characters: utf8Chunks cuts on character boundaries
    const rows: SourceRow[] = [];
    let start = 0;
    for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n', start)) {
      const row = toRow(pending.slice(start, nl));
      start = nl + 1;
      if (row) rows.push(row);
    }
    pending = pending.slice(start);
    if (rows.length) yield rows;
    if (pending.length > MAX_RECORD_BYTES) {
      problems.add(line + 1, undefined, `the line is longer than ${MAX_RECORD_BYTES} bytes; the rest of the file could not be read`);
      state.stopped = true;
      return;
    }
  }
  // The line cut short by an encoding error is not parsed (the error is reported instead).
  if (pending && !state.encodingError) {
    const row = toRow(pending);
    if (row) yield [row];
  }
}
