/**
 * `npm run bench:import-cli` — the import CLI (scripts/import.ts) on big files: throughput, and that its memory
 * stays flat however large the file is (it streams; it must never hold the file).
 *
 * In one run:
 *   1. writes one entities CSV per size (default 100,000 and 1,000,000 rows; valid 统一社会信用代码 from
 *      scripts/demo-data.ts, a different seed per file) to a temp dir;
 *   2. starts the service as `npm start` would (a child process, PGlite in a temp data dir, limits and load
 *      shedding off), on a free port;
 *   3. runs the CLI as a child process on each file (`--interval 1`: one plain progress line a second) and
 *      samples the CLI process's memory from /proc/<pid>/status: VmRSS at each progress line and VmHWM (the
 *      kernel's peak RSS) until it exits;
 * then prints per file: rows, MB, seconds, rows/s, the CLI's peak RSS and its RSS as the rows went out.
 * Linux only (/proc). Options: --rows 100000,1000000, --keep (leave the files and the data dir).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ENTITY_CSV_HEADER, generateEntities, toCsv } from './demo-data.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values: opts } = parseArgs({ options: { rows: { type: 'string', default: '100000,1000000' }, keep: { type: 'boolean', default: false } } });
const SIZES = opts.rows.split(',').map((s) => Number(s.trim()));
if (SIZES.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--rows: whole numbers separated by commas, got ${opts.rows}`);
if (!existsSync('/proc/self/status')) throw new Error('this benchmark reads /proc/<pid>/status (Linux)');
const TOKEN = `bench-${randomBytes(12).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'suicha-bench-import-cli-'));
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;

async function writeCsv(path: string, count: number, seed: string): Promise<void> {
  const out = createWriteStream(path);
  let chunk = '';
  for (const line of toCsv(generateEntities({ count, seed }), ENTITY_CSV_HEADER)) {
    chunk += line;
    if (chunk.length >= 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** The service as `npm start` runs it, on PGlite in `dataDir`; resolves once /health answers. */
async function startService(port: number, dataDir: string): Promise<ChildProcess> {
  const env = {
    ...process.env,
    DATABASE_URL: '',
    SUICHA_DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    SUICHA_ADMIN_TOKEN: TOKEN,
    LOG_LEVEL: 'warn',
    // A benchmark, not a defence: no rate limits, no load shedding (a 1M-row import keeps the loop busy).
    SUICHA_RATE_LIMIT_PUBLIC: '0',
    SUICHA_RATE_LIMIT_AUTH_FAILURES: '0',
    SUICHA_MAX_EVENT_LOOP_DELAY_MS: '0',
    SUICHA_MAX_HEAP_BYTES: '0',
    SUICHA_MAX_RSS_BYTES: '0',
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service exited with code ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return child;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  child.kill();
  throw new Error('the service did not start within 120 s');
}

/** kB → bytes of one field of /proc/<pid>/status (0 once the process is gone). */
function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

interface CliRun {
  seconds: number;
  peak: number;
  /** [rows sent, RSS then] at each progress line. */
  samples: [number, number][];
  result: string;
}

async function runCli(file: string, port: number): Promise<CliRun> {
  const args = ['--import', 'tsx', 'scripts/import.ts', 'entities', file, '--url', `http://127.0.0.1:${port}`, '--interval', '1'];
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, SUICHA_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid!;
  let peak = 0;
  const samples: [number, number][] = [];
  let stdout = '';
  let stderr = '';
  // VmHWM is the kernel's own high-water mark, so a sample every 50 ms loses no peak; the last one is taken
  // when the final line arrives, after which the process only exits.
  const timer = setInterval(() => (peak = Math.max(peak, procStatus(pid, 'VmHWM'))), 50);
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text: string) => {
    peak = Math.max(peak, procStatus(pid, 'VmHWM'));
    stdout += text;
    for (const m of text.matchAll(/^progress: ([\d,]+) rows sent/gm)) samples.push([Number(m[1].replace(/,/g, '')), procStatus(pid, 'VmRSS')]);
  });
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = (await once(child, 'close')) as [number | null];
  clearInterval(timer);
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`the CLI exited with ${code}: ${stderr}${stdout.slice(-2000)}`);
  const result = stdout.match(/^imported entities: .*$/m)?.[0] ?? '';
  return { seconds, peak, samples, result };
}

let service: ChildProcess | null = null;
try {
  const files: { rows: number; path: string }[] = [];
  for (const rows of SIZES) {
    const path = join(dir, `entities-${rows}.csv`);
    const t0 = performance.now();
    await writeCsv(path, rows, `bench-import-cli-${rows}`);
    console.log(`generated ${rows} rows, ${mb(statSync(path).size)}, in ${((performance.now() - t0) / 1000).toFixed(1)} s → ${path}`);
    files.push({ rows, path });
  }
  const port = await freePort();
  service = await startService(port, join(dir, 'pglite'));
  console.log(`service on PGlite at http://127.0.0.1:${port}`);

  const lines: string[] = [];
  for (const { rows, path } of files) {
    const run = await runCli(path, port);
    // Every row counted (the seeds differ per file, yet a few generated ids repeat across files: updated).
    const counts = run.result.match(/^imported entities: (\d+) new, (\d+) updated/);
    if (!counts || Number(counts[1]) + Number(counts[2]) !== rows) throw new Error(`expected ${rows} rows imported, the CLI said "${run.result}"`);
    // RSS as the rows went out: the first, middle and last progress lines.
    const picks = [run.samples[1], run.samples[Math.floor(run.samples.length / 2)], run.samples.at(-1)].filter((s) => s !== undefined);
    const along = picks.map(([sent, rss]) => `${sent.toLocaleString('en-US')} rows ${mb(rss)}`).join(', ');
    lines.push(
      `${rows.toLocaleString('en-US').padStart(9)} rows ${mb(statSync(path).size).padStart(7)} ${run.seconds.toFixed(1).padStart(6)} s ` +
        `${Math.round(rows / run.seconds)
          .toLocaleString('en-US')
          .padStart(7)} rows/s   CLI peak RSS ${mb(run.peak).padStart(6)}   RSS along the way: ${along}`,
    );
    console.log(`  ${run.result}`);
  }
  console.log('\nimport CLI → service on PGlite (rows/s over the whole run: upload, checks and commit; the CLI process’s memory)');
  for (const line of lines) console.log(line);
} finally {
  if (service && service.exitCode === null) {
    service.kill('SIGTERM');
    await once(service, 'exit');
  }
  if (opts.keep) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
