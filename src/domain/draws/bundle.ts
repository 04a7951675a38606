/**
 * The replay bundle of a plan (`GET /api/v1/plans/{id}/bundle.tar.gz`): the layout of the core's
 * BUNDLE_FILES under one folder named by the planId, written as a tar stream (tar-stream) through
 * gzip (node zlib) — the reader is `npm run replay -- --bundle` and the browser verifier.
 *
 * A tar entry needs its size up front. The snapshot files' sizes come from the database (octet_length)
 * and their bytes stream in slices; the full record, the task file and the ledger entries are already
 * in memory as text (the record holds every task anyway), so their sizes are their byte lengths.
 */
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { BUNDLE_FILES } from '../../core/bundle.ts';
import type { FullRecordJson } from '../../schemas/plans.ts';
import { sha256Hex } from '../../core/sha256.ts';
import { nodeSha256 } from '../sha256.ts';

export interface BundleParts {
  planId: string;
  /** The entries' modification time (the draw's, else the void's or the commit's): the same plan gives the same bytes. */
  mtime: Date;
  recordJson: string;
  snapshots: { file: 'entities' | 'inspectors' | 'recusals'; length: number; slices: () => AsyncIterable<Uint8Array> }[];
  /** The task file; null before a draw (the bundle then has no tasks.tsv). */
  taskFile: Buffer | null;
  ledgerJson: string;
  readme: string;
}

type Pack = ReturnType<typeof tar.pack>;

/** One entry of known size, from a buffer or from slices (with back-pressure). */
async function addEntry(pack: Pack, name: string, mtime: Date, content: Buffer | { length: number; slices: () => AsyncIterable<Uint8Array> }) {
  if (Buffer.isBuffer(content)) {
    await new Promise<void>((resolve, reject) => {
      pack.entry({ name, size: content.length, mtime, mode: 0o644 }, content, (err) => (err ? reject(err) : resolve()));
    });
    return;
  }
  const entry = pack.entry({ name, size: content.length, mtime, mode: 0o644 });
  const done = new Promise<void>((resolve, reject) => {
    entry.once('finish', () => resolve());
    entry.once('error', reject);
  });
  for await (const slice of content.slices()) {
    if (!entry.write(slice)) await once(entry, 'drain');
  }
  entry.end(Buffer.alloc(0));
  await done;
}

/** The bundle as a gzip'd tar stream: entries are written as the reader consumes them. */
export function bundleStream(parts: BundleParts): Readable {
  const pack = tar.pack();
  const out = createGzip();
  pack.pipe(out);
  pack.on('error', (err: Error) => out.destroy(err));
  const dir = parts.planId;
  const path = (name: string) => `${dir}/${name}`;
  const snapshotName = { entities: BUNDLE_FILES.entities, inspectors: BUNDLE_FILES.inspectors, recusals: BUNDLE_FILES.recusals } as const;
  (async () => {
    const { mtime } = parts;
    await addEntry(pack, path(BUNDLE_FILES.readme), mtime, Buffer.from(parts.readme, 'utf8'));
    await addEntry(pack, path(BUNDLE_FILES.record), mtime, Buffer.from(parts.recordJson, 'utf8'));
    for (const s of parts.snapshots) await addEntry(pack, path(snapshotName[s.file]), mtime, s);
    if (parts.taskFile !== null) await addEntry(pack, path(BUNDLE_FILES.tasks), mtime, parts.taskFile);
    await addEntry(pack, path(BUNDLE_FILES.ledger), mtime, Buffer.from(parts.ledgerJson, 'utf8'));
    pack.finalize();
  })().catch((err: unknown) => {
    pack.destroy(err as Error);
    out.destroy(err as Error);
  });
  return out;
}

/** The bundle's README.md (Chinese): what is in it and how to check it. */
export function bundleReadme(full: FullRecordJson, taskFile: string | null): string {
  const id = full.planId;
  const c = full.commit;
  const digests = [
    [BUNDLE_FILES.entities, c.entitySnapshotDigest, 'commit.entitySnapshotDigest'],
    [BUNDLE_FILES.inspectors, c.inspectorSnapshotDigest, 'commit.inspectorSnapshotDigest'],
    [BUNDLE_FILES.recusals, c.recusalDigest, 'commit.recusalDigest'],
    ...(full.draw?.taskDigest ? [[BUNDLE_FILES.tasks, full.draw.taskDigest, 'draw.taskDigest']] : []),
  ];
  const lines = [
    `# ${id} 抽取复核包（draw-v1）`,
    '',
    '本包含有独立复核这次抽取所需的全部文件：',
    '',
    `- \`${BUNDLE_FILES.record}\`：完整记录（承诺记录、含序号与等级的完整抽取记录、作废记录），即 \`GET /api/v1/plans/${id}/record\` 的内容；`,
    `- \`${BUNDLE_FILES.entities}\`、\`${BUNDLE_FILES.inspectors}\`、\`${BUNDLE_FILES.recusals}\`：承诺时冻结的对象、检查人员和回避快照文件；`,
    ...(taskFile === null ? [] : [`- \`${BUNDLE_FILES.tasks}\`：任务文件（每行：序号、对象、等级、检查组），其 SHA-256 即抽取记录的 taskDigest；`]),
    `- \`${BUNDLE_FILES.ledger}\`：本计划在公示账本中的条目。`,
    '',
    '## 复核',
    '',
    '在 Suicha 源码目录中运行（完整重放抽取，并核对各文件摘要、taskDigest 和账本条目的哈希）：',
    '',
    '```',
    `npm run replay -- --bundle ${id}.tar.gz`,
    '```',
    '',
    '也可以解包后用 `sha256sum` 逐个核对文件摘要：',
    '',
    '```',
    `tar -xzf ${id}.tar.gz && cd ${id}`,
    `sha256sum ${digests.map((d) => d[0]).join(' ')}`,
    '```',
    '',
    '应得到：',
    '',
    '```',
    ...digests.map(([file, digest]) => `${digest}  ${file}`),
    '```',
    '',
    `（分别对应 \`${BUNDLE_FILES.record}\` 中的 ${digests.map((d) => d[2]).join('、')}。）`,
    '',
    '协议说明见 draw-v1 协议文档（openapi/draw-protocol.md）。',
    '',
  ];
  // The task file's own hash, as a self-check of what was written (equal to taskDigest for a revision-2 draw).
  if (taskFile !== null && !full.draw?.taskDigest)
    lines.push(`任务文件 SHA-256：${sha256Hex(taskFile, nodeSha256)}（修订 1 记录中无 taskDigest）`, '');
  return lines.join('\n');
}
