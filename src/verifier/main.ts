/**
 * The in-browser draw verifier (served bundled as /assets/verifier.js; the page has no inline script).
 *
 * It fetches the plan's public records from /public/v1/plans/{id} (or reads saved ones from disk), reads
 * the three snapshot files the auditor chooses, and runs the same core verifyDraw the service uses. Nothing
 * leaves the browser: the files are only read locally. Once the page is loaded, it works offline.
 * DOM text is only ever set with textContent, never parsed as HTML.
 */
import { verifyDraw, type CommitRecord, type DrawRecord, type VerifyResult } from '../core/replay.ts';
import { sha256Hex } from '../core/sha256.ts';
import { VERIFY_STEPS, STEP_LABEL, stepStates } from './steps.ts';

interface Records {
  commit: CommitRecord | null;
  draw: DrawRecord | null;
  source: string;
}

const FILES = [
  { input: 'entity-file', key: 'entitySnapshot', digest: 'entitySnapshotDigest', step: 'entitySnapshotDigest' },
  { input: 'inspector-file', key: 'inspectorSnapshot', digest: 'inspectorSnapshotDigest', step: 'inspectorSnapshotDigest' },
  { input: 'recusal-file', key: 'recusalSnapshot', digest: 'recusalDigest', step: 'recusalDigest' },
] as const;

const isObj = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);
const looksLikeCommit = (v: unknown) => isObj(v) && typeof v.commitment === 'string' && 'entitySnapshotDigest' in v;
const looksLikeDraw = (v: unknown) => isObj(v) && typeof v.serverSeed === 'string' && Array.isArray(v.tasks);

/**
 * Finds the commit and draw records in a JSON document: the public plan response (records nested under
 * commit/draw), a bare record, or a ledger entry whose body is one.
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

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`missing #${id}`);
  return e as T;
}

function setText(id: string, text: string) {
  el(id).textContent = text;
}

function verdict(kind: 'ok' | 'bad' | 'pending', big: string, detail = '') {
  const box = el('verdict');
  box.className = `verdict ${kind}`;
  box.hidden = false;
  box.replaceChildren();
  const b = document.createElement('span');
  b.className = 'big';
  b.textContent = big;
  box.append(b);
  if (detail) {
    const d = document.createElement('div');
    d.className = 'detail';
    d.textContent = detail;
    box.append(d);
  }
  box.dataset.state = kind;
}

function markSteps(failed: VerifyResult | null, onlyDigests = false) {
  const states = stepStates(failed && !failed.ok ? failed.step : null);
  VERIFY_STEPS.forEach((s, i) => {
    const li = document.querySelector<HTMLElement>(`li[data-step="${s.step}"]`);
    if (!li) return;
    let state: string = states[i];
    if (onlyDigests && !['entitySnapshotDigest', 'inspectorSnapshotDigest', 'recusalDigest'].includes(s.step)) {
      state = state === 'bad' ? 'bad' : 'skipped';
    }
    li.className = state;
    li.querySelector('.mark')!.textContent = state === 'ok' ? '✓' : state === 'bad' ? '✗' : '–';
    li.querySelector('.state')!.textContent = state === 'ok' ? '通过' : state === 'bad' ? '不一致' : '未执行';
    const msg = li.querySelector('.msg')!;
    msg.textContent = state === 'bad' && failed && !failed.ok ? failed.message : '';
  });
}

function resetSteps() {
  document.querySelectorAll<HTMLElement>('ol.steps li').forEach((li) => {
    li.className = '';
    li.querySelector('.mark')!.textContent = '·';
    li.querySelector('.state')!.textContent = '待验证';
    li.querySelector('.msg')!.textContent = '';
  });
}

/** Reads a file as exact bytes: digest of the bytes, and the text only if it is valid UTF-8 (BOM kept). */
async function readSnapshot(file: File): Promise<{ bytes: Uint8Array; digest: string; text: string | null }> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const digest = sha256Hex(bytes);
  let text: string | null = null;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    text = null;
  }
  return { bytes, digest, text };
}

let records: Records | null = null;

function showRecords(r: Records) {
  records = r;
  const status = r.draw ? '已抽取' : r.commit ? '已承诺，尚未抽取' : '未找到记录';
  setText('rec-source', r.source);
  setText('rec-status', status);
  setText('rec-commitment', r.commit?.commitment ?? '—');
  setText('rec-tasks', r.draw ? String(r.draw.tasks.length) : '—');
  el('records-summary').hidden = false;
  if (r.commit && !r.draw) {
    setText('records-note', '该计划尚未抽取：服务器种子将在抽取后公开。现在只能核对三个快照文件的摘要。');
  } else if (!r.commit) {
    setText('records-note', '未能取得公开记录，请选择已下载的公开记录 JSON 文件。');
  } else {
    setText('records-note', '');
  }
}

async function loadRecords(root: HTMLElement) {
  const url = root.dataset.recordsUrl!;
  try {
    const res = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'omit' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const found = extractRecords(await res.json());
    showRecords({ ...found, source: url });
  } catch (e) {
    showRecords({ commit: null, draw: null, source: `${url}（获取失败：${(e as Error).message}）` });
  }
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
    verdict('bad', '无法读取公开记录文件', (e as Error).message);
  }
}

async function onSnapshotChosen(input: HTMLInputElement, hintId: string) {
  const file = input.files?.[0];
  if (!file) return setText(hintId, '');
  const { digest } = await readSnapshot(file);
  setText(hintId, `${file.name}，${file.size} 字节，SHA-256：${digest}`);
}

async function verify(root: HTMLElement) {
  resetSteps();
  const planId = root.dataset.planId!;
  if (!records?.commit) return verdict('bad', '缺少公开记录', '请先取得或选择该计划的公开记录。');
  if (records.commit.planId !== planId) {
    return verdict('bad', '公开记录不属于本计划', `记录中的计划编号为 ${String(records.commit.planId)}，本页为 ${planId}。`);
  }
  const chosen: Record<string, { digest: string; text: string | null; name: string }> = {};
  for (const f of FILES) {
    const file = el<HTMLInputElement>(f.input).files?.[0];
    if (!file) return verdict('bad', '请选择全部三个快照文件', `尚未选择：${el(`${f.input}-label`).textContent}`);
    chosen[f.key] = { ...(await readSnapshot(file)), name: file.name };
  }
  // Let the browser paint before a possibly long replay.
  await new Promise((r) => setTimeout(r, 0));

  // Bytes that are not UTF-8 cannot be a snapshot, and their digest (of the raw bytes) cannot match.
  for (const f of FILES) {
    const c = chosen[f.key];
    if (c.text === null || !records.draw) {
      const expected = records.commit[f.digest];
      if (c.digest !== expected) {
        const failed: VerifyResult = {
          ok: false,
          step: f.step,
          message: `${f.digest} mismatch: file ${c.name} hashes to ${c.digest}, record says ${expected}`,
        };
        markSteps(failed, !records.draw);
        return verdict('bad', '验证未通过', `第一处不一致：${STEP_LABEL[f.step]}。${failed.message}`);
      }
    }
  }
  if (!records.draw) {
    markSteps(null, true);
    return verdict('ok', '快照摘要一致', '三个快照文件与承诺记录中的摘要一致。该计划尚未抽取，抽取后可在此重放验证。');
  }
  const started = performance.now();
  const result = verifyDraw({
    commit: records.commit,
    draw: records.draw,
    entitySnapshot: chosen.entitySnapshot.text!,
    inspectorSnapshot: chosen.inspectorSnapshot.text!,
    recusalSnapshot: chosen.recusalSnapshot.text!,
  });
  const ms = Math.round(performance.now() - started);
  markSteps(result);
  if (result.ok) {
    verdict('ok', '验证通过', `在本浏览器中重放抽取，${result.tasks} 项任务与公开记录完全一致（种子 ${result.seed}，用时 ${ms} 毫秒）。`);
  } else {
    const where = result.seq !== undefined ? `（第 ${result.seq} 项任务）` : '';
    verdict('bad', '验证未通过', `第一处不一致：${STEP_LABEL[result.step] ?? result.step}${where}。${result.message}`);
  }
}

function main() {
  const root = document.getElementById('verifier');
  if (!root) return;
  el('verify-js-note').hidden = true;
  el('verify-form').hidden = false;
  for (const f of FILES) {
    const input = el<HTMLInputElement>(f.input);
    input.addEventListener('change', () => void onSnapshotChosen(input, `${f.input}-hint`));
  }
  const recordsInput = el<HTMLInputElement>('records-file');
  recordsInput.addEventListener('change', () => void onRecordsFile(recordsInput));
  el<HTMLFormElement>('verify-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const button = el<HTMLButtonElement>('verify-button');
    button.disabled = true;
    // Clear the previous verdict at once, so no one reads an old one while the files are read.
    resetSteps();
    verdict('pending', '正在验证…');
    verify(root)
      .catch((e) => verdict('bad', '验证出错', (e as Error).message))
      .finally(() => {
        button.disabled = false;
      });
  });
  void loadRecords(root);
}

if (typeof document !== 'undefined') {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
  else main();
}
