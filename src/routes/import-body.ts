/**
 * The raw request body of an import, read chunk by chunk and never buffered whole.
 *
 * The reader is pulled by hand (`next()`) and is never `return()`ed: leaving a `for await` early would
 * destroy the request stream, and with it the socket, so the client would see a reset instead of our 422.
 * Whatever is left unread is discarded by `drain()` once the answer is known.
 */
import type { Readable } from 'node:stream';
import { payloadTooLarge } from '../domain/errors.ts';
import type { ByteSource } from '../domain/directories/import/utf8.ts';

/** Imports may be large (a 1,000,000-row directory is ~150 MB); beyond this we refuse. */
export const IMPORT_BODY_LIMIT = 2 * 1024 * 1024 * 1024;

export class BodyReader implements ByteSource {
  private iterator: AsyncIterator<Buffer | string>;
  private done = false;
  /** Bytes read so far (before decoding). */
  bytes = 0;
  /** Set when the body went over the limit: the connection is closed rather than drained. */
  tooLarge = false;

  constructor(
    stream: Readable,
    private limit = IMPORT_BODY_LIMIT,
  ) {
    this.iterator = stream[Symbol.asyncIterator]();
  }

  /** The next chunk, or null at the end of the body. */
  async next(): Promise<Buffer | null> {
    if (this.done) return null;
    const { value, done } = await this.iterator.next();
    if (done) {
      this.done = true;
      return null;
    }
    const chunk = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      this.tooLarge = true;
      this.done = true;
      throw payloadTooLarge(`the file is larger than the import limit of ${this.limit} bytes`);
    }
    return chunk;
  }

  /** Read and discard the rest of the body, so that the client can read our answer. Never throws. */
  async drain(): Promise<void> {
    try {
      while (!this.done && !this.tooLarge) await this.next();
    } catch {
      // the client went away or sent too much; nothing left to answer
    }
  }
}
