/**
 * node's native SHA-256 as the core's Sha256Factory: the server hashes megabytes (a million-line entity
 * file, a draw's ledger entry) where the core's portable one runs at ~50 MB/s. Same digests.
 */
import { createHash } from 'node:crypto';
import type { IncrementalSha256, Sha256Factory } from '../core/sha256.ts';

export const nodeSha256: Sha256Factory = (): IncrementalSha256 => {
  const h = createHash('sha256');
  let pendingHigh = ''; // a high surrogate that ended the previous string chunk (its pair comes next)
  let done = false;
  return {
    update(chunk) {
      if (done) throw new Error('nodeSha256: update() after digestHex()');
      if (typeof chunk !== 'string') {
        if (pendingHigh) h.update(pendingHigh, 'utf8');
        pendingHigh = '';
        h.update(chunk);
        return;
      }
      let s = pendingHigh + chunk;
      pendingHigh = '';
      const last = s.length > 0 ? s.charCodeAt(s.length - 1) : 0;
      if (last >= 0xd800 && last <= 0xdbff) {
        pendingHigh = s[s.length - 1];
        s = s.slice(0, -1);
      }
      h.update(s, 'utf8');
    },
    digestHex() {
      if (done) throw new Error('nodeSha256: digestHex() called twice');
      done = true;
      if (pendingHigh) h.update(pendingHigh, 'utf8');
      return h.digest('hex');
    },
  };
};
