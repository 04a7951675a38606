/**
 * Strict, streaming UTF-8 validation of an import body. A file in another encoding (GBK from Excel is the
 * usual one) must be refused, not turned into mojibake, and the refusal names the line of the first bad
 * byte so the user can find it.
 */
import { isUtf8 } from 'node:buffer';

/** Where an import's bytes come from, one chunk at a time (the HTTP layer hands in the request body). */
export interface ByteSource {
  /** The next chunk, or null at the end of the file. */
  next(): Promise<Buffer | null>;
}

interface EncodingError {
  /** 1-based line of the first invalid byte. */
  line: number;
  /** 0-based byte offset of the first invalid byte in the body (after a BOM, if any). */
  offset: number;
}

export interface DecodeState {
  encodingError: EncodingError | null;
}

const BOM = [0xef, 0xbb, 0xbf];
const NL = 0x0a;

/** Length of the prefix of `buf` that ends on a character boundary (an incomplete last character is cut). */
export function completeLength(buf: Uint8Array): number {
  const n = buf.length;
  for (let k = 1; k <= Math.min(3, n); k++) {
    const b = buf[n - k];
    if ((b & 0xc0) === 0x80) continue; // continuation byte: look further back
    if (b < 0xc0) return n; // ASCII
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    return need > k ? n - k : n;
  }
  return n;
}

/** Index of the first byte that starts an invalid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(buf: Uint8Array): number {
  const n = buf.length;
  const cont = (i: number, lo = 0x80, hi = 0xbf) => i < n && buf[i] >= lo && buf[i] <= hi;
  let i = 0;
  while (i < n) {
    const b = buf[i];
    if (b < 0x80) i += 1;
    else if (b >= 0xc2 && b <= 0xdf) {
      if (!cont(i + 1)) return i;
      i += 2;
    } else if (b >= 0xe0 && b <= 0xef) {
      const lo = b === 0xe0 ? 0xa0 : 0x80;
      const hi = b === 0xed ? 0x9f : 0xbf; // no UTF-16 surrogates
      if (!cont(i + 1, lo, hi) || !cont(i + 2)) return i;
      i += 3;
    } else if (b >= 0xf0 && b <= 0xf4) {
      const lo = b === 0xf0 ? 0x90 : 0x80;
      const hi = b === 0xf4 ? 0x8f : 0xbf;
      if (!cont(i + 1, lo, hi) || !cont(i + 2) || !cont(i + 3)) return i;
      i += 4;
    } else return i;
  }
  return -1;
}

function countNewlines(buf: Uint8Array, end = buf.length): number {
  let count = 0;
  for (let i = buf.indexOf(NL); i !== -1 && i < end; i = buf.indexOf(NL, i + 1)) count++;
  return count;
}

/**
 * Yields the body as chunks of valid UTF-8, each ending on a character boundary (so each decodes on its
 * own, and a character split between network packets is whole). A leading BOM is dropped. At the first
 * invalid byte it records the error in `state` and stops — after yielding the bytes up to the last line
 * break before it, so that the broken line itself is never parsed (it would only produce a second,
 * misleading problem). Validation is `isUtf8` (as strict as a fatal TextDecoder, without decoding:
 * the CSV parser works on bytes and decodes each field once).
 */
export async function* utf8Chunks(reader: ByteSource, state: DecodeState): AsyncGenerator<Buffer> {
  let carry: Buffer | null = null;
  let offset = 0;
  let newlines = 0;
  let first = true;
  const fail = (piece: Buffer, bad: number): Buffer | null => {
    state.encodingError = { line: newlines + countNewlines(piece, bad) + 1, offset: offset + bad };
    const lastBreak = bad === 0 ? -1 : piece.lastIndexOf(NL, bad - 1);
    return lastBreak >= 0 ? piece.subarray(0, lastBreak + 1) : null;
  };
  for (;;) {
    let chunk = await reader.next();
    if (chunk === null) break;
    if (carry) {
      chunk = Buffer.concat([carry, chunk]);
      carry = null;
    }
    if (first) {
      if (chunk.length < BOM.length) {
        carry = chunk; // too short to tell whether it is a BOM yet
        continue;
      }
      first = false;
      if (chunk[0] === BOM[0] && chunk[1] === BOM[1] && chunk[2] === BOM[2]) chunk = chunk.subarray(3);
    }
    const cut = completeLength(chunk);
    const piece = cut === chunk.length ? chunk : chunk.subarray(0, cut);
    if (cut < chunk.length) carry = Buffer.from(chunk.subarray(cut));
    if (!isUtf8(piece)) {
      const bad = firstInvalidUtf8(piece);
      const rest = fail(piece, bad < 0 ? piece.length : bad);
      if (rest) yield rest;
      return;
    }
    newlines += countNewlines(piece);
    offset += piece.length;
    if (piece.length) yield piece;
  }
  if (carry) {
    // A body shorter than a BOM, or one ending in the middle of a character.
    if (first && carry.every((b, i) => b === BOM[i])) return;
    const bad = firstInvalidUtf8(carry);
    if (bad < 0) {
      yield carry;
      return;
    }
    const rest = fail(carry, bad);
    if (rest) yield rest;
  }
}
