/**
 * The in-browser verifier (served bundled as /assets/verifier.js; the pages have no inline script).
 *
 * On /verify/{planId}, without any file: it fetches the plan's public records (/public/v1/plans/{id}) and the
 * WHOLE public ledger, hashes the chain itself (chain.ts) and runs the core's verifyPublicRecords — what anyone
 * can check. With the auditor's files (the three snapshots and the task file, or the replay bundle) it runs the
 * core's verifyDraw: the full replay, incl. the task file against taskDigest in revision 2.
 * On /ledger: the chain check only (ledger-page.ts).
 * Nothing leaves the browser: the files are only read locally. No protocol step is written here: every check
 * is the core's; this file only fetches, reads files and shows the outcome in Chinese.
 */
import { canonicalJson } from '../core/jcs.ts';
import type { LedgerEntry } from '../core/ledger.ts';
import {
  recordsRevision,
  verifyDraw,
  verifyPublicRecords,
  type CommitRecord,
  type DrawRecord,
  type PublicCheck,
  type VerifyResult,
} from '../core/replay.ts';
import { sha256Hex } from '../core/sha256.ts';
import type { Bundle } from '../core/bundle.ts';
import { readBundle } from './bundle.ts';
import { fetchAndVerifyChain } from './chain.ts';
import { getPublicJson } from './http.ts';
import { AUDITOR_ONLY_CHECKS, PUBLIC_CHECK_LABEL, PUBLIC_CHECKS } from './checks.ts';
import { el, markItem, setText, showVerdict } from './dom.ts';
import { ledgerPageMain, setProgress } from './ledger-page.ts';
import { STEP_LABEL, VERIFY_STEPS, stepStates } from './steps.ts';

interface Records {
  commit: CommitRecord | null;
  draw: DrawRecord | null;
  source: string;
}

const SNAPSHOTS = [
  { input: 'entity-file', key: 'entitySnapshot', digest: 'entitySnapshotDigest', step: 'entitySnapshotDigest' },
  { input: 'inspector-file', key: 'inspectorSnapshot', digest: 'inspectorSnapshotDigest', step: 'inspectorSnapshotDigest' },
  { input: 'recusal-file', key: 'recusalSnapshot', digest: 'recusalDigest', step: 'recusalDigest' },
] as const;

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const looksLikeCommit = (v: unknown) => isObj(v) && typeof v.commitment === 'string' && 'entitySnapshotDigest' in v;
const looksLikeDraw = (v: unknown) => isObj(v) && typeof v.serverSeed === 'string' && Array.isArray(v.tasks);

/**
 * Finds the commit and draw records in a JSON document: the public plan response or the auditor's record
 * (records nested under commit/draw), a bare record, or a ledger entry whose body is one.
 */
export function extractRecords(json: unknown): { commit: CommitRecord | null; draw: DrawRecord | null } {
  let commit: unknown = null;
  let draw: unknown = null;
  const visit = (v: unknown, depth: number) => {
    if (!isObj(v) || depth > 3) return;
    if (looksLikeDraw(v)) draw ??= v;
    if (looksLikeCommit(v)) commit ??= v;
    for (const k of ['commit', 'commitRecord', 'draw', 'drawRecord', 'records', 'body']) visit(v[k], depth + 1);
  };
  visit(json, 0);
  return { commit: commit as CommitRecord | null, draw: draw as DrawRecord | null };
}

interface TaskPage {
  items: DrawRecord['tasks'];
  next: string | null;
}

/**
 * The public plan record comes with the draw record's header and its first page of tasks (`tasks.next`
 * then names the next page): the draw record is the header with every page's tasks, which are in entity id
 * order, the order of revision 2 (revision 1 lists them by seq). A document with a whole draw record (the
 * download, an auditor's record) is returned as it is.
 */
export async function withAllTasks(json: unknown, recordsUrl: string): Promise<unknown> {
  if (!isObj(json) || !isObj(json.draw) || Array.isArray(json.draw.tasks) || !isObj(json.tasks)) return json;
  const first = json.tasks as unknown as TaskPage;
  if (!Array.isArray(first.items)) throw new Error('the task page has no items array');
  const tasks = [...first.items];
  const base = recordsUrl.replace(/[?#].*$/, '');
  const seen = new Set<string>();
  for (let next = first.next; next !== null; ) {
    if (seen.has(next)) throw new Error(`the task pages repeat the cursor ${next}`);
    seen.add(next);
    const page = await getPublicJson<TaskPage>(`${base}/tasks?cursor=${encodeURIComponent(next)}`);
    if (!Array.isArray(page.items)) throw new Error('the task page has no items array');
    for (const t of page.items) tasks.push(t);
    next = page.next;
  }
  if (recordsRevision(json.draw as { records?: number }) === 1) tasks.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  return { ...json, draw: { ...json.draw, tasks } };
}

/** An instant in China time, as the portal shows times. */
function localTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false })}（北京时间）`;
}

const revisionLabel = (r: { records?: number } | null) =>
  r ? (recordsRevision(r) === 2 ? '第 2 版（任务按对象标识排序，附任务文件摘要 taskDigest）' : '第 1 版') : '—';

// ---------------------------------------------------------------------------------------------
// Part 1: what anyone can check, from the public records and the ledger alone
// ---------------------------------------------------------------------------------------------

let publicRecords: Records | null = null;
/** The whole ledger as downloaded and checked by citizenCheck (null until then, or if it failed). */
let chainEntries: LedgerEntry[] | null = null;
let records: Records | null = null;

function showRecords(r: Records) {
  records = r;
  const status = r.draw ? '已抽取' : r.commit ? '已承诺，尚未抽取' : '未找到记录';
  setText('rec-source', r.source);
  setText('rec-status', status);
  setText('rec-revision', revisionLabel(r.commit));
  setText('rec-commitment', r.commit?.commitment ?? '—');
  setText('rec-tasks', r.draw ? String(r.draw.tasks.length) : '—');
  const at = r.commit?.entropyAt;
  setText('rec-entropy-at', at ? `${localTime(at)}（${at}）` : r.commit ? '—（第 1 版记录未公布）' : '—');
  setText('rec-entropy', r.draw ? r.draw.publicEntropy : '—');
  const contributions = el('rec-contributions');
  contributions.replaceChildren();
  if (r.draw?.contributions?.length) {
    const ol = document.createElement('ol');
    ol.className = 'contributions';
    for (const c of r.draw.contributions) {
      const li = document.createElement('li');
      li.textContent = `${c.witness}：${c.value}`;
      ol.append(li);
    }
    contributions.append(ol);
  } else {
    contributions.textContent = r.draw ? '—（本次抽取未采用见证人贡献值）' : '—';
  }
  el('records-summary').hidden = false;
  if (r.commit && !r.draw) {
    setText('records-note', '该计划尚未抽取：服务器种子将在抽取后公开。现在可以核验公开账本，以及三个快照文件的摘要（需要审计人员文件）。');
  } else if (!r.commit) {
    setText('records-note', '未能取得公开记录，请选择已下载的记录 JSON 文件。');
  } else {
    setText('records-note', '');
  }
}

function markPublicChecks(checks: readonly PublicCheck[]) {
  const byCode = new Map(checks.map((c) => [c.code, c]));
  for (const def of PUBLIC_CHECKS) {
    const li = document.querySelector<HTMLElement>(`#public-checks li[data-check="${def.code}"]`);
    if (!li) continue;
    const c = byCode.get(def.code);
    markItem(
      li,
      c === undefined ? 'na' : c.ok ? 'ok' : 'bad',
      c === undefined ? '' : c.ok ? `协议细节：${c.detail}` : `原因（协议细节）：${c.detail}`,
    );
  }
}

function showPublicSummary(checks: readonly PublicCheck[]) {
  const done = checks.filter((c) => c.ok).map((c) => PUBLIC_CHECK_LABEL[c.code] ?? c.code);
  setText('public-done', done.length ? done.join('、') : '（无）');
  setText('public-needs-files', AUDITOR_ONLY_CHECKS.join('、'));
  el('public-summary').hidden = false;
}

async function citizenCheck(root: HTMLElement) {
  const url = root.dataset.recordsUrl!;
  showVerdict('public-verdict', 'pending', '正在核验…', '正在下载公开记录和整条公开账本，并在本浏览器中计算哈希。');
  let commit: CommitRecord | null = null;
  let draw: DrawRecord | null = null;
  try {
    ({ commit, draw } = extractRecords(await withAllTasks(await getPublicJson<unknown>(url), url)));
    publicRecords = { commit, draw, source: url };
    showRecords(publicRecords);
  } catch (e) {
    showRecords({ commit: null, draw: null, source: `${url}（获取失败：${(e as Error).message}）` });
    return showVerdict('public-verdict', 'bad', '无法取得公开记录', (e as Error).message);
  }
  if (!commit) return showVerdict('public-verdict', 'bad', '公开记录中没有承诺记录');

  let ledger: LedgerEntry[];
  try {
    setText('chain-progress-text', '正在下载公开账本…');
    const chain = await fetchAndVerifyChain((p) => setProgress('chain-progress', 'chain-progress-text', p));
    ledger = chain.entries;
    if (chain.verification.ok) chainEntries = ledger;
    setText(
      'chain-progress-text',
      chain.verification.ok
        ? `已下载并重算全部 ${ledger.length.toLocaleString('zh-CN')} 条账本记录的哈希。`
        : `账本校验在第 ${chain.verification.seq} 条记录处停止。`,
    );
  } catch (e) {
    setText('chain-progress-text', '');
    return showVerdict('public-verdict', 'bad', '无法下载公开账本', (e as Error).message);
  }
  // Let the browser paint before the checks (the chain is hashed again there, with the plan's records).
  await new Promise((r) => setTimeout(r, 0));
  const result = verifyPublicRecords({ commit, draw, ledger });
  markPublicChecks(result.checks);
  showPublicSummary(result.checks);
  root.dataset.publicState = result.ok ? 'ok' : 'bad';
  if (result.ok) {
    showVerdict(
      'public-verdict',
      'ok',
      draw ? '公开核验通过' : '公开核验通过（尚未抽取）',
      draw
        ? `${result.checks.filter((c) => c.ok).length} 项核验全部通过：服务器种子与承诺值一致，种子可重新计算，抽取数量与任务符合协议，整条账本哈希链完整且包含这些记录。`
        : '该计划尚未抽取：已核验承诺记录与公开账本。抽取后可在此核验抽取记录。',
    );
  } else {
    const failed = result.checks.filter((c) => !c.ok);
    showVerdict(
      'public-verdict',
      'bad',
      '公开核验未通过',
      `不一致的项目：${failed.map((c) => PUBLIC_CHECK_LABEL[c.code] ?? c.code).join('、')}。${failed[0] ? `原因（协议细节）：${failed[0].detail}` : ''}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Part 2: the auditor's full replay, from the files or the replay bundle
// ---------------------------------------------------------------------------------------------

function markSteps(failed: VerifyResult | null, applicable: (step: string) => boolean) {
  const states = stepStates(failed && !failed.ok ? failed.step : null);
  VERIFY_STEPS.forEach((s, i) => {
    const li = document.querySelector<HTMLElement>(`#replay-steps li[data-step="${s.step}"]`);
    if (!li) return;
    const state = applicable(s.step) ? states[i] : states[i] === 'bad' ? 'bad' : 'na';
    markItem(li, state, state === 'bad' && failed && !failed.ok ? `原因（协议细节）：${failed.message}` : '');
  });
}

function resetSteps() {
  for (const li of document.querySelectorAll<HTMLElement>('#replay-steps li')) markItem(li, 'pending');
}

/** Reads a file as exact bytes: digest of the bytes, and the text only if it is valid UTF-8 (BOM kept). */
async function readFileText(file: File): Promise<{ digest: string; text: string | null }> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let text: string | null = null;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    text = null;
  }
  return { digest: sha256Hex(bytes), text };
}

async function onRecordsFile(input: HTMLInputElement) {
  const files = Array.from(input.files ?? []);
  if (files.length === 0) return;
  let commit: CommitRecord | null = null;
  let draw: DrawRecord | null = null;
  try {
    for (const f of files) {
      const found = extractRecords(JSON.parse(await f.text()));
      commit ??= found.commit;
      draw ??= found.draw;
    }
    showRecords({ commit, draw, source: files.map((f) => f.name).join('、') });
  } catch (e) {
    showVerdict('verdict', 'bad', '无法读取记录文件', (e as Error).message);
  }
}

async function onFileChosen(input: HTMLInputElement, hintId: string) {
  const file = input.files?.[0];
  if (!file) return setText(hintId, '');
  const { digest } = await readFileText(file);
  setText(hintId, `${file.name}，${file.size} 字节，SHA-256：${digest}`);
}

interface ReplayInput {
  commit: CommitRecord;
  draw: DrawRecord | null;
  entitySnapshot: string;
  inspectorSnapshot: string;
  recusalSnapshot: string;
  taskFile: string | null;
  source: string;
}

/** The replay inputs from the replay bundle, cross-checked against the public records fetched above. */
async function inputFromBundle(file: File, planId: string): Promise<ReplayInput | string> {
  let b: Bundle;
  try {
    b = await readBundle(file);
  } catch (e) {
    return `无法读取重放包：${(e as Error).message}`;
  }
  if (b.planId !== planId) return `重放包属于计划 ${b.planId}，本页为 ${planId}。`;
  const { commit, draw } = extractRecords(b.record);
  if (!commit) return '重放包中的 record.json 没有承诺记录。';
  const pub = publicRecords?.commit;
  if (pub && canonicalJson(pub) !== canonicalJson(commit)) {
    return '重放包中的承诺记录与本站公开的承诺记录不同：该重放包不能证明公开的抽取。';
  }
  if (publicRecords?.draw && draw && (publicRecords.draw.seed !== draw.seed || publicRecords.draw.serverSeed !== draw.serverSeed)) {
    return '重放包中的抽取记录（种子）与本站公开的抽取记录不同：该重放包不能证明公开的抽取。';
  }
  // The bundle's ledger entries must be the public chain's (when it was downloaded and checked above).
  if (chainEntries) {
    const bySeq = new Map(chainEntries.map((e) => [e.seq, e.hash]));
    const stray = b.ledger.find((e) => bySeq.get(e.seq) !== e.hash);
    if (stray) return `重放包中的账本记录（第 ${String(stray.seq)} 条）与本站公开账本中的不同。`;
  }
  return {
    commit,
    draw,
    entitySnapshot: b.entities,
    inspectorSnapshot: b.inspectors,
    recusalSnapshot: b.recusals,
    taskFile: b.tasks,
    source: file.name,
  };
}

async function verify(root: HTMLElement) {
  resetSteps();
  const planId = root.dataset.planId!;
  const bundleFile = el<HTMLInputElement>('bundle-file').files?.[0];
  let input: ReplayInput;
  if (bundleFile) {
    const got = await inputFromBundle(bundleFile, planId);
    if (typeof got === 'string') return showVerdict('verdict', 'bad', '重放包未通过检查', got);
    input = got;
  } else {
    if (!records?.commit) return showVerdict('verdict', 'bad', '缺少公开记录', '请先取得或选择该计划的记录。');
    if (records.commit.planId !== planId) {
      return showVerdict('verdict', 'bad', '记录不属于本计划', `记录中的计划编号为 ${String(records.commit.planId)}，本页为 ${planId}。`);
    }
    const chosen: Record<string, { digest: string; text: string | null; name: string }> = {};
    for (const f of SNAPSHOTS) {
      const file = el<HTMLInputElement>(f.input).files?.[0];
      if (!file) return showVerdict('verdict', 'bad', '请选择全部三个快照文件，或选择重放包', `尚未选择：${el(`${f.input}-label`).textContent}`);
      chosen[f.key] = { ...(await readFileText(file)), name: file.name };
    }
    // Bytes that are not UTF-8 cannot be a snapshot, and their digest (of the raw bytes) cannot match; before the
    // draw, the digests are all there is to check.
    for (const f of SNAPSHOTS) {
      const c = chosen[f.key];
      if (c.text === null || !records.draw) {
        const expected = records.commit[f.digest];
        if (c.digest !== expected) {
          const failed: VerifyResult = {
            ok: false,
            step: f.step,
            message: `${f.digest} mismatch: file ${c.name} hashes to ${c.digest}, record says ${expected}`,
          };
          markSteps(failed, (s) => records?.draw != null || s.endsWith('Digest'));
          return showVerdict('verdict', 'bad', '验证未通过', `第一处不一致：${STEP_LABEL[f.step]}。原因（协议细节）：${failed.message}`);
        }
      }
    }
    const taskFile = el<HTMLInputElement>('task-file').files?.[0];
    input = {
      commit: records.commit,
      draw: records.draw,
      entitySnapshot: chosen.entitySnapshot.text!,
      inspectorSnapshot: chosen.inspectorSnapshot.text!,
      recusalSnapshot: chosen.recusalSnapshot.text!,
      taskFile: taskFile ? ((await readFileText(taskFile)).text ?? '') : null,
      source: records.source,
    };
  }
  const rev = recordsRevision(input.commit);
  const applicable = (s: string) => (input.draw ? rev === 2 || s !== 'taskDigest' : s.endsWith('Digest') && s !== 'taskDigest');
  if (!input.draw) {
    markSteps(null, applicable);
    return showVerdict('verdict', 'ok', '快照摘要一致', '三个快照文件与承诺记录中的摘要一致。该计划尚未抽取，抽取后可在此重放验证。');
  }
  if (rev === 2 && input.taskFile === null) {
    return showVerdict('verdict', 'bad', '请选择任务文件', '第 2 版记录的完整重放需要任务文件（tasks.tsv），以核对 taskDigest；或选择重放包。');
  }
  // Let the browser paint before a possibly long replay.
  await new Promise((r) => setTimeout(r, 0));
  const started = performance.now();
  const result = verifyDraw({
    commit: input.commit,
    draw: input.draw,
    entitySnapshot: input.entitySnapshot,
    inspectorSnapshot: input.inspectorSnapshot,
    recusalSnapshot: input.recusalSnapshot,
    ...(input.taskFile !== null ? { taskFile: input.taskFile } : {}),
  });
  const ms = Math.round(performance.now() - started);
  markSteps(result, applicable);
  if (result.ok) {
    const digest = rev === 2 ? '任务文件与 taskDigest 一致，' : '';
    showVerdict(
      'verdict',
      'ok',
      '验证通过',
      `在本浏览器中按协议重放抽取（来源：${input.source}），${digest}${result.tasks} 项任务与公开记录完全一致（种子 ${result.seed}，用时 ${ms} 毫秒）。`,
    );
  } else {
    const where = result.seq !== undefined ? `（第 ${result.seq} 项任务）` : '';
    showVerdict(
      'verdict',
      'bad',
      '验证未通过',
      `第一处不一致：${STEP_LABEL[result.step] ?? result.step}${where}。原因（协议细节）：${result.message}`,
    );
  }
}

function verifyPageMain(root: HTMLElement) {
  el('verify-form').hidden = false;
  for (const id of ['bundle-file', ...SNAPSHOTS.map((f) => f.input), 'task-file']) {
    const input = el<HTMLInputElement>(id);
    input.addEventListener('change', () => void onFileChosen(input, `${id}-hint`));
  }
  const recordsInput = el<HTMLInputElement>('records-file');
  recordsInput.addEventListener('change', () => void onRecordsFile(recordsInput));
  el<HTMLFormElement>('verify-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const button = el<HTMLButtonElement>('verify-button');
    button.disabled = true;
    // Clear the previous verdict at once, so no one reads an old one while the files are read.
    resetSteps();
    showVerdict('verdict', 'pending', '正在验证…');
    verify(root)
      .catch((e) => showVerdict('verdict', 'bad', '验证出错', (e as Error).message))
      .finally(() => {
        button.disabled = false;
      });
  });
  void citizenCheck(root).catch((e) => showVerdict('public-verdict', 'bad', '核验出错', (e as Error).message));
}

function main() {
  const verifier = document.getElementById('verifier');
  if (verifier) verifyPageMain(verifier);
  const ledger = document.getElementById('ledger-verifier');
  if (ledger) void ledgerPageMain(ledger);
}

if (typeof document !== 'undefined') {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
  else main();
}
