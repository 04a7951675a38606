/**
 * `npm run import -- entities FILE [--url URL] [--token TOKEN] [--dry-run]` (also `grades`, `inspectors`, `recusals`)
 *
 * Streams a CSV or NDJSON file to the service's streaming import route (`POST /api/v1/<kind>/import`) without
 * reading it into memory, and shows the progress: rows sent, rows/s and the ETA. The rows are counted by the
 * newlines in the bytes as they go out (a CSV field holding a line break counts twice: the service's answer has
 * the real counts); the ETA is by bytes, against the file's size. On a terminal that is a bar (cli-progress);
 * when stdout is not a terminal, a plain line every `--interval` seconds (default 5).
 *
 * Exit codes: 0 imported (or checked, with --dry-run); 1 the file was refused (422: the row errors are printed as
 * a table; also 400, 413, 415); 2 usage (arguments, unreadable file, no token); 3 the token was refused (401, 403);
 * 4 the service could not be reached or failed (network error, 429, 5xx, an unexpected answer).
 */
import { createReadStream, openSync, readSync, closeSync, statSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';

const KINDS = ['entities', 'grades', 'inspectors', 'recusals'] as const;
type Kind = (typeof KINDS)[number];
type Media = 'csv' | 'ndjson';

const CONTENT_TYPE: Record<Media, string> = { csv: 'text/csv; charset=utf-8', ndjson: 'application/x-ndjson' };
/** The service's answers are small (at most 100 row problems); more than this is not an answer of ours. */
const MAX_ANSWER_BYTES = 1 << 20;
const NEWLINE = 0x0a;

const USAGE = `usage: npm run import -- <${KINDS.join('|')}> FILE [options]

  FILE                  a CSV (header line first) or NDJSON file; by extension (.csv, .ndjson, .jsonl), else by content
  --url URL             service base URL (default http://127.0.0.1:3000, where npm start listens)
  --token TOKEN         a planner or admin token (env SUICHA_TOKEN)
  --dry-run             check the whole file and report the counts without changing anything
  --interval SECONDS    progress line interval when stdout is not a terminal (default 5)`;

class CliError extends Error {
  constructor(
    public exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

const usageError = (message: string) => new CliError(2, `${message}\n\n${USAGE}`);

function parseCommandLine(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      interval: { type: 'string', default: '5' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

interface Options {
  kind: Kind;
  file: string;
  url: URL;
  token: string;
  dryRun: boolean;
  intervalMs: number;
}

function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options | null {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (err) {
    throw usageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return null;
  const [kind, file, ...rest] = positionals;
  if (!KINDS.includes(kind as Kind)) throw usageError(kind ? `unknown import \`${kind}\`: one of ${KINDS.join(', ')}` : 'what to import?');
  if (!file) throw usageError(`which file? npm run import -- ${kind} FILE`);
  if (rest.length > 0) throw usageError(`one file at a time, not also ${rest.join(' ')}`);
  const url = parseUrl(values.url ?? 'http://127.0.0.1:3000');
  const token = (values.token ?? env.SUICHA_TOKEN ?? '').trim();
  if (!token) throw usageError('no token: pass --token or set SUICHA_TOKEN (a planner or admin token)');
  const interval = Number(values.interval);
  if (!(interval > 0 && interval <= 3600)) throw usageError(`--interval must be a number of seconds from 0 to 3600, got ${values.interval}`);
  return { kind: kind as Kind, file, url, token, dryRun: values['dry-run'], intervalMs: interval * 1000 };
}

function parseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`--url must be a URL such as http://127.0.0.1:3000, got ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`--url must be http:// or https://, got ${raw}`);
  return url;
}

/** CSV or NDJSON: the extension says, else the first character (an NDJSON line is a JSON object). */
function mediaOf(file: string): Media {
  const ext = extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  const head = Buffer.alloc(4096);
  const fd = openSync(file, 'r');
  try {
    const n = readSync(fd, head, 0, head.length, 0);
    const text = head
      .subarray(0, n)
      .toString('utf8')
      .replace(/^\uFEFF/, '');
    return text.trimStart().startsWith('{') ? 'ndjson' : 'csv';
  } finally {
    closeSync(fd);
  }
}

function fileSize(file: string): number {
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw usageError(`${file} is not a file`);
    return stat.size;
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw usageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Counts lines in the bytes as they are sent; a last line without a newline counts too. */
class LineCounter {
  bytes = 0;
  private newlines = 0;
  private endsWithNewline = true;

  add(chunk: Buffer): void {
    this.bytes += chunk.length;
    for (let i = chunk.indexOf(NEWLINE); i !== -1; i = chunk.indexOf(NEWLINE, i + 1)) this.newlines++;
    if (chunk.length > 0) this.endsWithNewline = chunk[chunk.length - 1] === NEWLINE;
  }

  /** Data rows: lines, less the CSV header line. */
  rows(media: Media): number {
    const lines = this.newlines + (this.endsWithNewline ? 0 : 1);
    return Math.max(0, lines - (media === 'csv' ? 1 : 0));
  }
}

interface Progress {
  update(counter: LineCounter): void;
  stop(): void;
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

function startProgress(size: number, media: Media, intervalMs: number): Progress {
  const tty = process.stdout.isTTY === true;
  const format = tty
    ? '{bar} {percentage}% | {rows} rows | {rate} rows/s | ETA {remaining}'
    : 'progress: {rows} rows sent, {sent} of {size} ({percentage}%), {rate} rows/s, ETA {remaining}';
  const bar = new cliProgress.SingleBar(
    // noTTYOutput: one plain line per interval in a log or a pipe, instead of nothing.
    { stream: process.stdout, format, noTTYOutput: true, notTTYSchedule: intervalMs, hideCursor: tty, clearOnComplete: !tty, gracefulExit: true },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  const payload = (counter: LineCounter) => {
    const seconds = (performance.now() - started) / 1000;
    const rows = counter.rows(media);
    // The ETA by bytes, at the average rate so far (steadier than the last few chunks).
    const eta = counter.bytes > 0 ? (seconds * (size - counter.bytes)) / counter.bytes : Number.NaN;
    return {
      rows: rows.toLocaleString('en-US'),
      rate: seconds > 0 ? Math.round(rows / seconds).toLocaleString('en-US') : '–',
      remaining: Number.isFinite(eta) ? cliProgress.Format.TimeFormat(Math.ceil(eta), { autopaddingChar: '0' }, 1) : '–',
      sent: mib(counter.bytes),
      size: mib(size),
    };
  };
  bar.start(Math.max(size, 1), 0, payload(new LineCounter()));
  return {
    update: (counter) => bar.update(counter.bytes, payload(counter)),
    stop: () => bar.stop(),
  };
}

/**
 * The service still checks, merges and commits after the last byte (on a big file for a while): show that it
 * is working — a ticking line on a terminal, a plain line per interval otherwise. Returns the stop function.
 */
function startWaiting(intervalMs: number): () => void {
  const tty = process.stdout.isTTY === true;
  const started = performance.now();
  const elapsed = () => `${Math.round((performance.now() - started) / 1000)} s`;
  const timer = tty
    ? setInterval(() => process.stdout.write(`\rwaiting for the service to check and write the rows… ${elapsed()}`), 1000)
    : setInterval(() => console.log(`waiting for the service to check and write the rows… ${elapsed()}`), intervalMs);
  return () => {
    clearInterval(timer);
    if (tty) process.stdout.write('\r\x1b[2K');
  };
}

interface Answer {
  status: number;
  body: string;
  retryAfter: string | undefined;
}

function networkError(err: NodeJS.ErrnoException, url: URL): CliError {
  const where = `the service at ${url.origin}`;
  const reasons: Record<string, string> = {
    ECONNREFUSED: `cannot reach ${where}: connection refused (is it running? see --url)`,
    ENOTFOUND: `cannot reach ${where}: unknown host ${url.hostname}`,
    ECONNRESET: `${where} closed the connection before answering`,
    EPIPE: `${where} closed the connection before answering`,
    ETIMEDOUT: `cannot reach ${where}: timed out`,
  };
  return new CliError(4, reasons[err.code ?? ''] ?? `cannot talk to ${where}: ${err.message}`);
}

/** POSTs the file as a stream (backpressure from the socket paces the reads); resolves with the service's answer. */
function upload(options: Options, media: Media, size: number, onChunk: (chunk: Buffer) => void, onSent: () => void): Promise<Answer> {
  // Relative to the base URL's path, so that a service behind a path prefix (https://host/suicha/) is reached.
  const base = new URL(options.url);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  const target = new URL(`api/v1/${options.kind}/import${options.dryRun ? '?dryRun=true' : ''}`, base);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const source = createReadStream(options.file);
    let answered = false;
    const req = request(
      target,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${options.token}`,
          'content-type': CONTENT_TYPE[media],
          'content-length': size,
          accept: 'application/json',
        },
      },
      (res: IncomingMessage) => {
        answered = true;
        // The service may answer before it has read the whole file (it checks the token first): stop sending.
        source.unpipe(req);
        source.destroy();
        const chunks: Buffer[] = [];
        let length = 0;
        res.on('data', (chunk: Buffer) => {
          if (length < MAX_ANSWER_BYTES) chunks.push(chunk);
          length += chunk.length;
        });
        res.on('end', () => {
          req.destroy();
          const retryAfter = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), retryAfter: retryAfter?.toString() });
        });
        res.on('error', (err) => reject(networkError(err, target)));
      },
    );
    req.on('error', (err) => {
      // After the answer, a reset of the unfinished upload is expected: the answer is what counts.
      if (!answered) reject(networkError(err, target));
    });
    source.on('error', (err) => {
      req.destroy();
      reject(new CliError(2, `cannot read ${options.file}: ${err.message}`));
    });
    source.on('data', (chunk) => onChunk(chunk as Buffer));
    source.on('end', onSent);
    source.pipe(req);
  });
}

interface ErrorBody {
  error?: string;
  message?: string;
  details?: { row?: number; column?: string; field?: string; message?: string }[];
}

function parseJson<T>(body: string): T | null {
  try {
    return JSON.parse(body) as T;
  } catch {
    return null;
  }
}

/** An aligned table of the row problems; the message goes last, so wide (Chinese) characters cannot skew it. */
function problemTable(details: NonNullable<ErrorBody['details']>): string {
  const rows = details.map((d) => [d.row === undefined ? '' : String(d.row), d.column ?? d.field ?? '', d.message ?? '']);
  const header = ['row', 'column', 'message'];
  const width = (i: number) => Math.max(header[i].length, ...rows.map((r) => r[i].length));
  const [w0, w1] = [width(0), width(1)];
  const line = (r: string[]) => `${r[0].padStart(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`.trimEnd();
  return [line(header), line(['-'.repeat(w0), '-'.repeat(w1), '-'.repeat(7)]), ...rows.map(line)].join('\n');
}

/** Prints the outcome and returns the exit code. */
function report(answer: Answer, options: Options, rowsSent: number, seconds: number): number {
  if (answer.status === 200) {
    const result = parseJson<{ imported?: number; updated?: number }>(answer.body);
    if (typeof result?.imported !== 'number' || typeof result.updated !== 'number') {
      throw new CliError(4, `unexpected answer from the service: ${answer.body.slice(0, 200)}`);
    }
    const rate = seconds > 0 ? `, ${Math.round(rowsSent / seconds).toLocaleString('en-US')} rows/s` : '';
    const counts = `${result.imported} new, ${result.updated} updated`;
    console.log(
      options.dryRun
        ? `dry run: ${options.kind} file is valid (${counts} if imported); nothing was changed (${seconds.toFixed(1)} s${rate})`
        : `imported ${options.kind}: ${counts} (${seconds.toFixed(1)} s${rate})`,
    );
    return 0;
  }
  const error = parseJson<ErrorBody>(answer.body);
  const message = error?.message ?? answer.body.slice(0, 200);
  if (answer.status === 401) throw new CliError(3, `the service refused the token (401: ${message}): check --token or SUICHA_TOKEN`);
  if (answer.status === 403) throw new CliError(3, `the token may not import (403: ${message}): use a planner or admin token`);
  if ([400, 413, 415, 422].includes(answer.status)) {
    const details = error?.details ?? [];
    console.error(`the service refused the file (${answer.status}): ${message}`);
    if (details.length > 0) {
      console.error(problemTable(details));
      if (details.length >= 100) console.error('(the service lists the first 100 problems: fix them and run again)');
    }
    return 1;
  }
  // 429 and 503 (rate limit, load shedding) say when to come back; nothing was imported either way.
  const retry = answer.retryAfter ? ` (retry after ${answer.retryAfter} s)` : '';
  throw new CliError(4, `the service answered ${answer.status}: ${message}${retry}; nothing was imported`);
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2), process.env);
  if (!options) {
    console.log(USAGE);
    return 0;
  }
  const size = fileSize(options.file);
  const media = mediaOf(options.file);
  const counter = new LineCounter();
  const progress = startProgress(size, media, options.intervalMs);
  const started = performance.now();
  let stopWaiting = () => {};
  let answer: Answer;
  try {
    answer = await upload(
      options,
      media,
      size,
      (chunk) => {
        counter.add(chunk);
        progress.update(counter);
      },
      () => {
        progress.stop();
        console.log(`sent ${counter.rows(media).toLocaleString('en-US')} rows (${mib(size)})`);
        stopWaiting = startWaiting(options.intervalMs);
      },
    );
  } finally {
    progress.stop();
    stopWaiting();
  }
  return report(answer, options, counter.rows(media), (performance.now() - started) / 1000);
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`import: ${(err as Error).message}`);
    process.exit(err instanceof CliError ? err.exitCode : 4);
  },
);
