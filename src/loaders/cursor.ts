// Opaque keyset cursors: the list they belong to followed by the sort key of their row,
// base64url-encoded JSON. Decoding checks both against the list being paged, so a forged cursor, a
// cursor of another list (even one of the same shape) or of the same list under another parent is a
// clear BAD_USER_INPUT instead of a page of the wrong rows.
import { badInput } from '../errors.js';

export type CursorValues = readonly (string | number)[];
/** 'n' a finite number, 'u' a uuid. */
export type CursorShape = readonly ('n' | 'u')[];

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (v: unknown): v is string => typeof v === 'string' && uuidRe.test(v);

/**
 * The identity of each paged list: a cursor is valid only on the list (and parent) that issued it.
 * Filters are not part of it: every filtered page of a list shares its order, so a cursor keeps its
 * meaning when a filter changes.
 */
export const cursorLists = {
  projects: () => 'projects',
  videosOfProject: (projectId: string) => `videos/${projectId}`,
  sessionsOfProject: (projectId: string) => `sessions/${projectId}`,
  groundTruthOfVideo: (videoId: string) => `ground-truth/${videoId}`,
  detectionsOfSession: (sessionId: string) => `detections/${sessionId}`,
};

export function encodeCursor(list: string, values: CursorValues): string {
  return Buffer.from(JSON.stringify([list, ...values])).toString('base64url');
}

export function decodeCursor(cursor: string, list: string, shape: CursorShape, argument = 'after'): (string | number)[] {
  let values: unknown;
  try {
    values = cursor.length <= 512 ? JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) : undefined;
  } catch {
    values = undefined;
  }
  const ok =
    Array.isArray(values) &&
    values.length === shape.length + 1 &&
    values[0] === list &&
    shape.every((kind, i) => (kind === 'n' ? Number.isFinite(values[i + 1]) : isUuid(values[i + 1])));
  if (!ok) throw badInput(argument, `${argument} is not a cursor of this list, got: ${JSON.stringify(cursor.slice(0, 64))}`);
  return (values as (string | number)[]).slice(1);
}
