/**
 * SHA-256 helpers for the draw protocol (pure: no I/O, no node: imports — runs in browsers too).
 *
 * Strings are always hashed as their UTF-8 encoding (WHATWG TextEncoder; note that a lone
 * surrogate would be encoded as U+FFFD — protocol inputs are validated so that never happens).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

const encoder = new TextEncoder();

/** UTF-8 encoding of a string. */
export function utf8Encode(s: string): Uint8Array {
  return encoder.encode(s);
}

/**
 * SHA-256 of a string (UTF-8 encoded) or of bytes, as 64 lowercase hex characters; with the portable
 * implementation here, or with `hash` (e.g. the server's native one).
 */
export function sha256Hex(data: string | Uint8Array, hash?: Sha256Factory): string {
  if (hash !== undefined) {
    const h = hash();
    h.update(data);
    return h.digestHex();
  }
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  return bytesToHex(sha256(bytes));
}

export interface IncrementalSha256 {
  /** Feeds a chunk; string chunks are UTF-8 encoded (a surrogate pair split across chunks is handled). */
  update(chunk: string | Uint8Array): void;
  /** Finishes and returns the digest as 64 lowercase hex characters. The hasher cannot be reused. */
  digestHex(): string;
}

/**
 * Makes an incremental SHA-256. The core takes one where the hashing of megabytes matters (snapshot
 * files, ledger entries): createSha256 below by default (portable, ~50 MB/s), node's native one in the
 * server (src/domain/draws/sha256.ts). Either gives the same digests.
 */
export type Sha256Factory = () => IncrementalSha256;

/** Incremental SHA-256, for hashing big snapshot files chunk by chunk: the portable Sha256Factory. */
export function createSha256(): IncrementalSha256 {
  const h = sha256.create();
  let pendingHigh = ''; // a high surrogate that ended the previous string chunk
  let done = false;
  return {
    update(chunk: string | Uint8Array): void {
      if (done) throw new Error('createSha256: update() after digestHex()');
      if (typeof chunk === 'string') {
        let s = pendingHigh + chunk;
        pendingHigh = '';
        if (s.length > 0) {
          const last = s.charCodeAt(s.length - 1);
          if (last >= 0xd800 && last <= 0xdbff) {
            pendingHigh = s[s.length - 1];
            s = s.slice(0, -1);
          }
        }
        if (s.length > 0) h.update(encoder.encode(s));
      } else {
        if (pendingHigh) {
          h.update(encoder.encode(pendingHigh));
          pendingHigh = '';
        }
        h.update(chunk);
      }
    },
    digestHex(): string {
      if (done) throw new Error('createSha256: digestHex() called twice');
      done = true;
      if (pendingHigh) h.update(encoder.encode(pendingHigh));
      return bytesToHex(h.digest());
    },
  };
}
