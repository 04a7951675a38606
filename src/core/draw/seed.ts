/**
 * Protocol "draw-v1" §1.5 and §2: the commitment to the server seed, the seed of the draw, and the
 * random number generators derived from it. The only randomness of the draw is seedrandom 3.0.5
 * (ARC4) keyed with ASCII labels derived from the SHA-256 seed.
 */
import seedrandom from 'seedrandom';
import { sha256Hex } from '../sha256.ts';
import { PROTOCOL, assertHex64, validatePublicEntropy } from './ids.ts';
import type { SnapshotDigests } from './types.ts';

/** commitment = SHA-256 of the 64-character lowercase hex server seed (as ASCII). */
export function commitmentOf(serverSeedHex: string): string {
  assertHex64(serverSeedHex, 'serverSeed');
  return sha256Hex(serverSeedHex);
}

export interface SeedInput extends SnapshotDigests {
  serverSeed: string;
  publicEntropy: string;
}

/** The exact string that is hashed into the seed (§2). */
export function seedPreimage(p: SeedInput): string {
  assertHex64(p.serverSeed, 'serverSeed');
  validatePublicEntropy(p.publicEntropy);
  assertHex64(p.entitySnapshotDigest, 'entitySnapshotDigest');
  assertHex64(p.inspectorSnapshotDigest, 'inspectorSnapshotDigest');
  assertHex64(p.recusalDigest, 'recusalDigest');
  return (
    PROTOCOL + '|' + p.serverSeed + '|' + p.publicEntropy + '|' + p.entitySnapshotDigest + '|' + p.inspectorSnapshotDigest + '|' + p.recusalDigest
  );
}

/** seed = SHA-256("draw-v1|" + serverSeed + "|" + publicEntropy + "|" + the three digests joined by "|"). */
export function computeSeed(p: SeedInput): string {
  return sha256Hex(seedPreimage(p));
}

/** The generator of one stratum (§3) or one department (§4). */
export function rngFor(seed: string, kind: 'entities' | 'inspectors', code: string): () => number {
  // String seed, no options: seedrandom 3.0.5 default ARC4 generator, never the global form.
  return seedrandom(seed + '|' + kind + '|' + code);
}
