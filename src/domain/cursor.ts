/**
 * Opaque keyset cursors: a version tag and the key, as base64url of UTF-8. Decoding is strict — the bytes must be
 * valid UTF-8 that encodes back to the same cursor, behind the right tag, with no control characters — so a cursor
 * we did not hand out is a 400 naming the field, never a query.
 */
import { badRequest } from './errors.ts';

export function encodeCursor(tag: string, key: string): string {
  return Buffer.from(tag + key, 'utf8').toString('base64url');
}

/** The key behind `tag` in a cursor this list handed out; 400 naming `cursor` otherwise. */
export function decodeCursor(cursor: string, tag: string): string {
  const bad = () => badRequest('invalid cursor', [{ field: 'cursor', message: 'not a cursor of this list: use the one the previous answer gave' }]);
  if (!/^[A-Za-z0-9_-]{1,2048}$/.test(cursor)) throw bad();
  const bytes = Buffer.from(cursor, 'base64url');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw bad();
  }
  if (bytes.toString('base64url') !== cursor || !text.startsWith(tag)) throw bad();
  const key = text.slice(tag.length);
  if (key === '' || /[\u0000-\u001f\u007f]/.test(key)) throw bad();
  return key;
}

/** A bad cursor (for the callers' own checks of the key). */
export const badCursor = () =>
  badRequest('invalid cursor', [{ field: 'cursor', message: 'not a cursor of this list: use the one the previous answer gave' }]);
