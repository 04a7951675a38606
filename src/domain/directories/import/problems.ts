import type { ErrorDetail } from '../../errors.ts';

/** How many problems an import answer lists; the rest are counted. */
export const MAX_PROBLEMS = 100;

/** The problems found in an import file: the first {@link MAX_PROBLEMS} kept, all counted. */
export class Problems {
  private details: (ErrorDetail & { row: number })[] = [];
  count = 0;
  /** Sentences that explain a whole class of problems (e.g. what the header must be). */
  notes: string[] = [];

  add(row: number, column: string | undefined, message: string): void {
    this.count++;
    if (this.details.length < MAX_PROBLEMS) this.details.push(column === undefined ? { row, message } : { row, column, message });
  }

  note(sentence: string): void {
    this.notes.push(sentence);
  }

  /** Enough problems to answer: reading further would only be counted, not shown. */
  get full(): boolean {
    return this.count >= MAX_PROBLEMS;
  }

  /** The problems to show, by row (a stable sort keeps each row's problems in column order). */
  list(): ErrorDetail[] {
    return [...this.details].sort((a, b) => a.row - b.row).slice(0, MAX_PROBLEMS);
  }
}
