/**
 * The one import pipeline behind every directory import (entities, grades, inspectors, recusals).
 *
 *   request body ─▶ strict UTF-8 ─▶ CSV / NDJSON rows ─▶ row checks in JS ─▶ COPY into a TEMP staging table
 *   ─▶ set-based checks in SQL (duplicates in the file, unknown references) ─▶ INSERT … SELECT … ON CONFLICT
 *
 * all inside ONE transaction: any problem throws an unprocessable error and the transaction rolls back, so the database is
 * unchanged (all or nothing). Memory stays bounded by a record and a COPY batch, whatever the file's size.
 * An import kind only says what is specific to it: columns, the row check, staging columns, SQL checks and
 * the merge statement.
 */
import { copyText, type Database, type RawTx } from '../../../db/client.ts';
import type { ImportResult } from '../../../schemas/directories.ts';
import { unprocessable } from '../../errors.ts';
import { MAX_PROBLEMS, Problems } from './problems.ts';
import { csvRows, ndjsonRows, type ImportColumn, type MediaKind, type SourceState } from './sources.ts';

export type { MediaKind };
import type { ByteSource } from './utf8.ts';

type CopyValue = string | number | boolean | null;

/** Reports a problem with the current row; a row with a problem is not imported (and neither is the file). */
type Report = (column: string | undefined, message: string) => void;

/** Whether an optional column was given by every staged row, by none, or by some (NDJSON may leave keys out). */
export type Presence = (column: string) => 'all' | 'none' | 'some';

export interface SqlCheck {
  /** The column the problem is about, for the details. */
  column?: string;
  /** A query over the staging table returning `row` and `message` for each problem. */
  sql: string;
}

export interface ImportKind<C = undefined> {
  /** Short name; the staging table is `import_<name>`. */
  name: string;
  /** What a row is, for messages ("entities"). */
  noun: string;
  columns: readonly ImportColumn[];
  /** Staging columns besides `row` and `absent`, in the order `validate` returns values. */
  staging: readonly { name: string; type: string }[];
  /** Load the small reference data the row check needs (e.g. grade schemes), once per import. */
  prepare?(tx: RawTx): Promise<C>;
  /**
   * Check one row (required values are already known to be there) and return its staging values, or
   * anything at all after calling `report` (the row is then dropped).
   */
  validate(fields: (string | undefined)[], ctx: C, report: Report): CopyValue[];
  /** Set-based checks over the rows that passed `validate` (all problems of a file are reported together). */
  checks(presence: Presence): SqlCheck[];
  /** One statement merging the staging table into the real tables, returning one row `{imported, updated}`. */
  merge(presence: Presence): string;
}

export const stagingTable = (kind: { name: string }) => `import_${kind.name.replace(/-/g, '_')}`;

/** Bit of column `k` in a staging row's `absent` mask (set when the row does not give the column). */
const absentBit = (kind: ImportKind<any>, column: string) => {
  const k = kind.columns.findIndex((c) => c.name === column);
  if (k < 0) throw new Error(`no column ${column} in ${kind.name}`);
  return 1 << k;
};

class DryRunRollback extends Error {
  constructor(public result: ImportResult) {
    super('dry run');
  }
}

/** Rows per COPY chunk handed to the driver: big enough to be cheap, small enough to stay bounded. */
const COPY_CHUNK_CHARS = 256 * 1024;

export async function runImport<C>(
  database: Database,
  kind: ImportKind<C>,
  body: ByteSource,
  options: { media: MediaKind; dryRun?: boolean },
): Promise<ImportResult> {
  const table = stagingTable(kind);
  try {
    return await database.rawTransaction(async (tx) => {
      const ctx = (kind.prepare ? await kind.prepare(tx) : undefined) as C;
      await tx.query(
        `CREATE TEMP TABLE ${table} (row integer NOT NULL, absent integer NOT NULL, ` +
          `${kind.staging.map((c) => `${c.name} ${c.type}`).join(', ')}) ON COMMIT DROP`,
      );
      const problems = new Problems();
      const state: SourceState = { encodingError: null, stopped: false, sawHeader: false, records: 0 };
      const rows = (options.media === 'csv' ? csvRows : ndjsonRows)(body, kind.columns, problems, state);
      let staged = 0;
      let truncated = false;
      let anyAbsent = 0;
      let allAbsent = -1;
      const required = kind.columns.map((c) => c.required);

      async function* copyLines(): AsyncGenerator<string> {
        let chunk = '';
        let row = 0;
        let ok = true;
        const report: Report = (column, message) => {
          ok = false;
          problems.add(row, column, message);
        };
        for await (const batch of rows) {
          if (problems.full) {
            truncated = true; // enough to answer; the rest of the file is only drained
            break;
          }
          for (const source of batch) {
            row = source.row;
            ok = true;
            let absent = 0;
            const fields = source.fields;
            for (let k = 0; k < fields.length; k++) {
              const v = fields[k];
              if (v === undefined) absent |= 1 << k;
              if (required[k] && (v === undefined || v === '')) report(kind.columns[k].name, 'a value is required');
            }
            if (!ok) continue;
            const values = kind.validate(fields, ctx, report);
            if (!ok) continue;
            staged++;
            anyAbsent |= absent;
            allAbsent &= absent;
            let line = `${row}\t${absent}`;
            for (const v of values) line += `\t${copyText(v)}`;
            chunk += `${line}\n`;
          }
          if (chunk.length >= COPY_CHUNK_CHARS) {
            yield chunk;
            chunk = '';
          }
        }
        if (chunk) yield chunk;
      }

      await tx.copyFrom(table, ['row', 'absent', ...kind.staging.map((c) => c.name)], copyLines());

      const rowWord = options.media === 'csv' ? 'rows are line numbers in the file (the header is line 1)' : 'rows are line numbers in the file';
      if (state.encodingError) {
        problems.add(
          state.encodingError.line,
          undefined,
          `invalid UTF-8 (byte ${state.encodingError.offset} of the file): save the file as UTF-8 (in Excel: "CSV UTF-8"); the rest of the file was not read`,
        );
      }
      if (!state.sawHeader && problems.count === 0) {
        const expected =
          options.media === 'csv'
            ? `a header line with the columns ${kind.columns.map((c) => c.name).join(',')} and one line per row`
            : 'one JSON object per line';
        throw unprocessable(`the file is empty: expected ${expected}`, [{ row: 1, message: 'the file is empty' }]);
      }
      if (state.records === 0 && problems.count === 0) {
        throw unprocessable(`the file has a header but no data rows: nothing to import`, []);
      }

      let exact = !truncated;
      const presence: Presence = (column) => {
        const bit = absentBit(kind, column);
        return (anyAbsent & bit) === 0 ? 'all' : (allAbsent & bit) !== 0 ? 'none' : 'some';
      };
      if (!problems.full && staged > 0) {
        // Statistics let the planner pick hash joins for large files instead of guessing.
        await tx.query(`ANALYZE ${table}`);
        for (const check of kind.checks(presence)) {
          const left = MAX_PROBLEMS - problems.count;
          if (left <= 0) break;
          const found = await tx.query<{ row: number; message: string }>(`SELECT row, message FROM (${check.sql}) AS c ORDER BY row LIMIT ${left}`);
          if (found.length === left) exact = false;
          for (const p of found) problems.add(Number(p.row), check.column, p.message);
        }
      }
      if (problems.count > 0) {
        const n = problems.count;
        const counted = exact ? `${n} problem${n === 1 ? '' : 's'}` : `at least ${n} problems`;
        const shown = !exact || n > MAX_PROBLEMS ? `; the first ${MAX_PROBLEMS} are listed` : '';
        const notes = problems.notes.length ? `; ${problems.notes.join('; ')}` : '';
        throw unprocessable(`the file was not imported (nothing was changed): ${counted}${shown}${notes}; ${rowWord}`, problems.list());
      }
      const [merged] = await tx.query<{ imported: number | string; updated: number | string }>(kind.merge(presence));
      const result = { imported: Number(merged.imported), updated: Number(merged.updated) };
      if (options.dryRun) throw new DryRunRollback(result);
      return result;
    });
  } catch (err) {
    if (err instanceof DryRunRollback) return { ...err.result, dryRun: true };
    throw err;
  }
}

// ─── SQL building blocks for the kinds ─────────────────────────────────────────────────────────────

const list = (xs: string[]) => xs.join(', ');

/** Rows whose key appears earlier in the file too. `describe` is an SQL expression over `s` naming the key. */
export function duplicateCheck(kind: ImportKind<any>, key: string[], describe: string, column?: string): SqlCheck {
  const table = stagingTable(kind);
  return {
    column,
    sql:
      `SELECT s.row, format('%s appears more than once in the file (first on row %s)', ${describe}, f.first) AS message ` +
      `FROM ${table} s JOIN (SELECT ${list(key)}, min(row) AS first FROM ${table} GROUP BY ${list(key)} HAVING count(*) > 1) f ` +
      `USING (${list(key)}) WHERE s.row > f.first`,
  };
}

/** Rows referring to a record that does not exist: staging `column` against `target`.`targetKey`. */
export function referenceCheck(
  kind: ImportKind<any>,
  stagingColumn: string,
  target: string,
  targetKey: string,
  what: string,
  column: string,
): SqlCheck {
  return {
    column,
    sql:
      `SELECT s.row, format('unknown ${what} %s', s.${stagingColumn}) AS message FROM ${stagingTable(kind)} s ` +
      `WHERE NOT EXISTS (SELECT 1 FROM ${target} t WHERE t.${targetKey} = s.${stagingColumn})`,
  };
}

export interface UpsertColumn {
  /** Column of the target table (and of the staging table unless `from` says otherwise). */
  column: string;
  /** SQL expression over the staging row `s` (default `s.<column>`). */
  from?: string;
  /**
   * For optional import columns: the import column whose absence means "keep what is stored", and the
   * value a new record gets instead.
   */
  optional?: { source: string; insertDefault: string };
}

/**
 * INSERT … SELECT … ON CONFLICT DO UPDATE from the staging table. `imported` counts new records
 * (`xmax = 0` holds exactly for the rows this statement inserted), `updated` the existing records the file
 * names. An existing record whose values are all the same is not rewritten, so re-importing an unchanged
 * directory is cheap and `updated_at` only moves when something changed. Rows go in key order: index
 * pages are then visited in order instead of at random.
 */
export function upsertSql(
  kind: ImportKind<any>,
  presence: Presence,
  target: { table: string; key: string[]; columns: UpsertColumn[]; touch?: string },
): string {
  const insertCols: string[] = [];
  const values: string[] = [];
  const sets: string[] = [];
  const changed: string[] = [];
  let needsCurrent = false;
  for (const c of target.columns) {
    const from = c.from ?? `s.${c.column}`;
    const state = c.optional ? presence(c.optional.source) : 'all';
    insertCols.push(c.column);
    if (state === 'all') values.push(from);
    else if (state === 'none') values.push(c.optional!.insertDefault);
    else {
      needsCurrent = true;
      values.push(
        `CASE WHEN s.absent & ${absentBit(kind, c.optional!.source)} = 0 THEN ${from} ` +
          `WHEN cur.${target.key[0]} IS NOT NULL THEN cur.${c.column} ELSE ${c.optional!.insertDefault} END`,
      );
    }
    if (state !== 'none' && !target.key.includes(c.column)) {
      sets.push(`${c.column} = excluded.${c.column}`);
      changed.push(c.column);
    }
  }
  if (target.touch) sets.push(target.touch);
  const join = needsCurrent ? ` LEFT JOIN ${target.table} cur ON ${target.key.map((k) => `cur.${k} = s.${k}`).join(' AND ')}` : '';
  const staging = stagingTable(kind);
  return (
    `WITH merged AS (INSERT INTO ${target.table} AS t (${list(insertCols)}) ` +
    `SELECT ${list(values)} FROM ${staging} s${join} ORDER BY ${list(target.key.map((k) => `s.${k}`))} ` +
    (changed.length === 0
      ? `ON CONFLICT (${list(target.key)}) DO NOTHING `
      : `ON CONFLICT (${list(target.key)}) DO UPDATE SET ${list(sets)} ` +
        `WHERE (${list(changed.map((c) => `t.${c}`))}) IS DISTINCT FROM (${list(changed.map((c) => `excluded.${c}`))}) `) +
    `RETURNING (xmax = 0) AS inserted) ` +
    `SELECT count(*) FILTER (WHERE inserted)::int AS imported, ` +
    `((SELECT count(*) FROM ${staging}) - count(*) FILTER (WHERE inserted))::int AS updated FROM merged`
  );
}
