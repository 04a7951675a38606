/**
 * The portal's static files: the stylesheet and the browser verifier. The verifier is bundled in-process
 * with esbuild from `src/verifier/main.ts` and `src/core` on first use (no build step: `npm start` runs right
 * after `npm ci`). The bundle is a pure function of the sources and the pinned esbuild version, so every
 * instance serves the same bytes and the same ETag.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
}

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const PROJECT_ROOT = here('../../');

function asset(body: Buffer, contentType: string): Asset {
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

let css: Asset | null = null;
/** The stylesheet, read once. */
export function stylesheet(): Asset {
  css ??= asset(readFileSync(here('./portal.css')), 'text/css; charset=utf-8');
  return css;
}

let verifier: Promise<Asset> | null = null;
/** The verifier bundle (an IIFE, no imports at run time), built once per process on first request. */
export function verifierBundle(): Promise<Asset> {
  verifier ??= build({
    entryPoints: [here('../verifier/main.ts')],
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    charset: 'utf8',
    legalComments: 'eof',
    write: false,
    logLevel: 'silent',
  }).then(
    (out) => asset(Buffer.from(out.outputFiles[0].contents), 'text/javascript; charset=utf-8'),
    (err) => {
      verifier = null; // let a later request retry rather than caching the failure
      throw err;
    },
  );
  return verifier;
}
