/**
 * The OpenAPI-driven fuzz test (issue 10): for every operation of the document and every portal page,
 * fast-check generates requests with hostile values (control characters, lone surrogates, huge and negative
 * numbers, long strings, wrong types, deep nesting, unknown members, bad bodies and content types, invalid
 * UTF-8), with each role's token, a bad one and none, against a realistic state. Every answer must be below 500;
 * every 4xx must be the one error shape (the portal: the Chinese HTML error page); after every refused write the
 * database must be unchanged.
 *
 * Environment: SUICHA_FUZZ_RUNS (requests, default 6000), SUICHA_FUZZ_SEED (default fixed), SUICHA_FUZZ_ONLY (a
 * regular expression on "METHOD /path", to replay one operation's requests), SUICHA_FUZZ_VERBOSE=1 (statuses per operation), SUICHA_FUZZ_TRACE=1 (every request and answer).
 *
 * Requests run in a fixed order (round robin over the operations), so a seed replays the same sequence; a
 * successful write changes the state, which is part of the run (hints keep the role tokens and the inspector
 * token's inspector out of reach: see test/fuzz/operations.ts).
 */
import t from 'tap';
import fc from 'fast-check';
import { changedTables, type Fingerprint, fingerprinter } from '../fuzz/fingerprint.ts';
import { caseArb, describe, type FuzzCase, hintsOf, operationsOf } from '../fuzz/operations.ts';
import { buildFuzzState } from '../fuzz/state.ts';
import type { Schema } from '../fuzz/schema-arb.ts';

const RUNS = Number(process.env.SUICHA_FUZZ_RUNS ?? 6000);
const SEED = Number(process.env.SUICHA_FUZZ_SEED ?? 20261201);
const ONLY = process.env.SUICHA_FUZZ_ONLY ? new RegExp(process.env.SUICHA_FUZZ_ONLY) : null;
const TRACE = Boolean(process.env.SUICHA_FUZZ_TRACE);
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

interface Failure {
  key: string;
  count: number;
  example: string;
}

/** Why a 4xx answer is not the one error shape (null: it is). */
function shapeProblem(portal: boolean, contentType: string, body: string): string | null {
  if (portal) {
    if (!/^text\/html/.test(contentType)) return `portal error not HTML (${contentType})`;
    if (!body.includes('<html lang="zh-CN">')) return 'portal error page without lang="zh-CN"';
    if (!/[\u4e00-\u9fff]/.test(body)) return 'portal error page without a Chinese message';
    return null;
  }
  if (!/^application\/json/.test(contentType)) return `error not JSON (${contentType})`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 'error body is not JSON';
  }
  const e = parsed as Record<string, unknown>;
  if (!e || typeof e !== 'object' || Array.isArray(e)) return 'error body is not an object';
  const keys = Object.keys(e).sort().join(',');
  if (keys !== 'details,error,message') return `error keys ${keys}`;
  if (typeof e.error !== 'string' || !/^[a-z_]+$/.test(e.error)) return 'error code not a snake_case string';
  if (typeof e.message !== 'string' || e.message.length === 0) return 'message not a non-empty string';
  if (!Array.isArray(e.details)) return 'details not an array';
  for (const d of e.details as Record<string, unknown>[]) {
    if (!d || typeof d !== 'object' || typeof d.message !== 'string') return 'a detail without a message';
    const extra = Object.keys(d).filter((k) => !['row', 'column', 'field', 'message'].includes(k));
    if (extra.length) return `detail members ${extra.join(',')}`;
  }
  return null;
}

/** A cause that groups alike failures: digits and quoted values left out. */
const normalize = (s: string) =>
  s
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\d+/g, 'N')
    .slice(0, 160);

t.test('the shape check refuses what is not the one error shape', async (t) => {
  const json = 'application/json; charset=utf-8';
  t.equal(shapeProblem(false, json, '{"error":"bad_request","message":"invalid","details":[{"field":"body/name","message":"x"}]}'), null);
  t.match(shapeProblem(false, json, '{"error":"Bad Request","message":"Client Error"}'), /keys|snake_case/);
  t.match(shapeProblem(false, json, '{"error":"bad_request","message":"x","details":[],"statusCode":400}'), /keys/);
  t.match(shapeProblem(false, json, '{"error":"bad_request","message":"x","details":[{"msg":"x"}]}'), /detail/);
  t.match(shapeProblem(false, 'text/html', '<html></html>'), /not JSON/);
  t.match(shapeProblem(true, json, '{"error":"not_found","message":"x","details":[]}'), /not HTML/);
  t.match(shapeProblem(true, 'text/html; charset=utf-8', '<html lang="zh-CN"><p>Not found</p></html>'), /Chinese/);
  t.equal(shapeProblem(true, 'text/html; charset=utf-8', '<html lang="zh-CN"><p>没有这个页面。</p></html>'), null);
});

t.test('fuzz: no 5xx, one error shape, nothing changed by a refused write', async (t) => {
  const started = Date.now();
  const state = await buildFuzzState(t);
  const doc = state.app.swagger() as Schema;
  const all = operationsOf(doc);
  t.ok(all.length >= 60, `the document and the portal give ${all.length} operations`);
  const hints = hintsOf(state);
  const chosen = all.map((op, i) => ({ op, i })).filter(({ op }) => !ONLY || ONLY.test(op.key));
  t.ok(chosen.length > 0, 'some operations match SUICHA_FUZZ_ONLY');
  const perOp = Math.max(1, Math.ceil(RUNS / chosen.length));
  // Each operation's requests from its own seed (its index in the full list): SUICHA_FUZZ_ONLY replays the same ones.
  const queues = chosen.map(({ op, i }) => ({
    op,
    cases: fc.sample(caseArb(op, doc, hints, state.tokens), { seed: SEED + i * 7919, numRuns: perOp }),
  }));

  const fingerprint = await fingerprinter(state.database);
  // The check must be able to fail: a write that succeeds changes the fingerprint.
  const before = await fingerprint();
  const put = await state.app.inject({
    method: 'PUT',
    url: '/api/v1/departments/FZ-CHECK',
    headers: { authorization: `Bearer ${state.tokens.admin}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ name: '指纹自检' }),
  });
  t.equal(put.statusCode, 201, 'a department written for the check');
  t.same(changedTables(before, await fingerprint()), ['departments'], 'the fingerprint sees a written row');
  let known: Fingerprint | null = null;
  let sinceKnown: string[] = [];
  const failures = new Map<string, Failure>();
  const statuses = new Map<number, number>();
  const perOpStatuses = new Map<string, Map<number, number>>();
  let sent = 0;
  let unsendable = 0;
  let fiveXX = 0;
  let refusedWrites = 0;

  const fail = (c: FuzzCase, kind: string, cause: string, detail: string) => {
    // "Type CODE: message": the type and SQLSTATE as they are, the message without its values.
    const at = cause.indexOf(': ');
    const key = `${c.op} | ${kind} | ${at < 0 ? normalize(cause) : `${cause.slice(0, at)}: ${normalize(cause.slice(at + 2))}`}`;
    const f = failures.get(key);
    if (f) f.count++;
    else
      failures.set(key, {
        key,
        count: 1,
        example: `${c.method} ${c.url.length > 300 ? `${c.url.slice(0, 300)}…` : c.url}\n  auth: ${c.auth}; hostile: ${c.focus}\n  body: ${describe(c.payload)}\n  ${detail}`,
      });
  };

  for (let round = 0; round < perOp; round++) {
    for (const { op, cases } of queues) {
      const c = cases[round];
      const write = WRITES.has(c.method);
      if (write && !known) {
        known = await fingerprint();
        sinceKnown = [];
      }
      const reqId = `fuzz-${sent}`;
      let res: { statusCode: number; headers: Record<string, unknown>; body: string };
      try {
        res = await state.app.inject({
          method: c.method as 'GET',
          url: c.url,
          headers: { ...c.headers, 'x-request-id': reqId },
          payload: c.payload,
        });
      } catch (err) {
        // Something no HTTP client can send (e.g. a character Node refuses in a header value).
        if ((err as { code?: string }).code === 'ERR_INVALID_CHAR' || (err as { code?: string }).code === 'ERR_INVALID_HTTP_TOKEN') {
          unsendable++;
          continue;
        }
        throw err;
      }
      sent++;
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      const mine = perOpStatuses.get(op.key) ?? new Map<number, number>();
      mine.set(res.statusCode, (mine.get(res.statusCode) ?? 0) + 1);
      perOpStatuses.set(op.key, mine);
      const type = String(res.headers['content-type'] ?? '');
      const text = /html/.test(type) ? res.body.replace(/<(style|script)[\s\S]*?<\/\1>|<[^>]+>/g, ' ').replace(/\s+/g, ' ') : res.body;
      const answer = `-> ${res.statusCode} ${type} ${text.slice(0, 300)}`;
      if (TRACE) t.comment(`${c.method} ${c.url.slice(0, 160)} [${c.auth}; ${c.focus}] ${answer.slice(0, 240)}`);
      if (res.statusCode >= 500) {
        fiveXX++;
        const logged = state.errorLog.get(reqId);
        fail(c, String(res.statusCode), logged ?? res.body.slice(0, 100), `${answer}\n  log: ${logged ?? '(none)'}`);
      } else if (res.statusCode >= 400 && c.method !== 'HEAD') {
        const problem = shapeProblem(op.portal, String(res.headers['content-type'] ?? ''), res.body);
        if (problem) fail(c, `shape ${res.statusCode}`, problem, answer);
      }
      if (write) {
        if (res.statusCode >= 200 && res.statusCode < 300) {
          known = null;
        } else {
          refusedWrites++;
          const after = await fingerprint();
          const changed = changedTables(known!, after);
          if (changed.length) {
            fail(
              c,
              'db changed',
              changed.join(','),
              `${answer}\n  changed tables: ${changed.join(', ')}; requests since the last fingerprint: ${sinceKnown.slice(-5).join('; ')}`,
            );
          }
          known = after;
          sinceKnown = [];
        }
      } else {
        sinceKnown.push(`${c.method} ${c.url.slice(0, 80)} ${res.statusCode}`);
      }
    }
  }

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const summary = (m: Map<number, number>) =>
    [...m.entries()]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}:${n}`)
      .join(' ');
  const byStatus = summary(statuses);
  if (process.env.SUICHA_FUZZ_VERBOSE) for (const [key, m] of perOpStatuses) t.comment(`fuzz: ${key}: ${summary(m)}`);
  t.comment(`fuzz: ${sent} requests, ${chosen.length} operations, ${fiveXX} 5xx (seed ${SEED}, ${seconds} s)`);
  t.comment(`fuzz: statuses ${byStatus}; ${refusedWrites} refused writes checked against the database; ${unsendable} not sendable`);
  t.ok(sent >= Math.min(RUNS, chosen.length * perOp) * 0.95, `${sent} requests sent`);
  for (const f of failures.values()) {
    t.fail(`${f.key} (×${f.count})`, {
      diagnostic: true,
      reproduce: `SUICHA_FUZZ_SEED=${SEED} SUICHA_FUZZ_RUNS=${RUNS} SUICHA_FUZZ_ONLY='^${f.key.split(' | ')[0].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$' npx tap test/routes/fuzz.test.ts`,
      example: f.example,
    });
  }
  t.equal(fiveXX, 0, 'no 5xx');
  t.equal(failures.size, 0, `no failure (seed ${SEED})`);
});
