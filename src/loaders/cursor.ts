// Opaque keyset cursors: the sort key of the last row, base64url-encoded JSON. Decoding checks the
// shape against what the list expects, so a forged or foreign cursor is a clear BAD_USER_INPUT.
import { badInput } from '../errors.js';

export type CursorValues = readonly (string | number)[];
/** 'n' a finite number, 'u' a uuid. */
export type CursorShape = readonly ('n' | 'u')[];

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (v: unknown): v is string => typeof v === 'string' && uuidRe.test(v);

export function encodeCursor(values: CursorValues): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(cursor: string, shape: CursorShape, argument = 'after'): (string | number)[] {
  let values: unknown;
  try {
    values = cursor.length <= 512 ? JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) : undefined;
  } catch {
    values = undefined;
  }
  const ok =
    Array.isArray(values) &&
    values.length === shape.length &&
    shape.every((kind, i) => (kind === 'n' ? Number.isFinite(values[i]) : isUuid(values[i])));
  if (!ok) throw badInput(argument, `${argument} is not a cursor of this list, got: ${JSON.stringify(cursor.slice(0, 64))}`);
  return values as (string | number)[];
}
