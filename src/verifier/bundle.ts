/**
 * Reads a replay bundle (GET /api/v1/plans/{id}/bundle.tar.gz) in the browser: gunzip with the platform's
 * DecompressionStream, untar with nanotar, and hand the files to the core's bundleFromFiles, which knows the
 * layout (core/bundle.ts). Nothing is uploaded.
 */
import { parseTar } from 'nanotar';
import { bundleFromFiles, type Bundle } from '../core/bundle.ts';

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function readBundle(file: Blob): Promise<Bundle> {
  const raw = new Uint8Array(await file.arrayBuffer());
  let tar: Uint8Array;
  try {
    tar = await gunzip(raw);
  } catch (e) {
    throw new Error(`不是有效的 gzip 文件（${(e as Error).message}）`);
  }
  const files = new Map<string, Uint8Array>();
  for (const item of parseTar(tar)) {
    if ((item.type === 'file' || item.type === undefined) && item.data) files.set(item.name, item.data);
  }
  return bundleFromFiles(files);
}
