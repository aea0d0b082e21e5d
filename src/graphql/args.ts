// Argument checks shared by every resolver: page sizes, ids, floats and frames. Each failure is a
// BAD_USER_INPUT naming the argument, raised before any SQL runs.
import { badInput } from '../errors.js';
import { decodeCursor, isUuid, type CursorShape } from '../loaders/cursor.js';
import type { NodeKey } from '../loaders/node.loaders.js';
import type { PageWindow } from '../loaders/page.js';

/** Page sizes of each connection field: the size when neither `first` nor `last` is given, and the most. */
export const pageSizes = {
  'Query.projects': { fallback: 20, max: 100 },
  'Project.videos': { fallback: 50, max: 100 },
  'Project.testSessions': { fallback: 50, max: 100 },
  'Video.groundTruth': { fallback: 1000, max: 10_000 },
  'TestSession.detections': { fallback: 500, max: 5_000 },
} as const;
export type ConnectionField = keyof typeof pageSizes;

/** Lists that are not connections (no cursor): the size when `first` is not given, and the most. */
export const listSizes = {
  'Video.testSessions': { fallback: 20, max: 100 },
  'Video.evaluations': { fallback: 20, max: 100 },
  // Computed in Node from the session's one read: bounded so that the price holds and an answer
  // stays a page, not a dump (a class's curve has a point per ranked detection).
  'Evaluation.perClass': { fallback: 100, max: 1000 },
  'Evaluation.prCurve': { fallback: 1000, max: 10_000 },
} as const;

export function listSize(value: number | null | undefined, field: keyof typeof listSizes): number {
  const { fallback, max } = listSizes[field];
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > max) throw badInput('first', `first must be 1..${max}, got: ${n}`);
  return n;
}

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/**
 * The window a connection reads: `first` rows after `after`, or `last` rows before `before`. The two
 * directions do not mix (Relay sends one or the other); a cursor must come from `list` itself.
 */
export function page<K extends (string | number)[]>(args: PageArgs, field: ConnectionField, list: string, shape: CursorShape): PageWindow<K> {
  const { fallback, max } = pageSizes[field];
  const backward = args.last != null || args.before != null;
  if (backward && args.first != null) throw badInput('last', 'first and last cannot be combined: page forward with first/after or backward with last/before');
  if (backward && args.after != null) throw badInput('after', 'after pages forward: use it with first, or before with last');
  const argument = backward ? 'last' : 'first';
  const size = (backward ? args.last : args.first) ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > max) throw badInput(argument, `${argument} must be 1..${max}, got: ${size}`);
  const cursor = backward ? args.before : args.after;
  return { size, backward, cursor: cursor == null ? null : (decodeCursor(cursor, list, shape, backward ? 'before' : 'after') as K) };
}

export function id(value: string, argument = 'id'): string {
  if (!isUuid(value)) throw badInput(argument, `${argument} must be a uuid, got: ${JSON.stringify(String(value).slice(0, 64))}`);
  return value.toLowerCase();
}

/** Relay's `nodes(ids:)` bound: one statement per batch, and a price the cost limit can state. */
export const maxNodeIds = 100;

/** A node id: a row's uuid, or `stats:` and a project's uuid (ProjectStats). */
export function nodeKey(value: string, argument = 'id'): NodeKey {
  if (value.startsWith('stats:')) return { kind: 'stats', projectId: id(value.slice('stats:'.length), argument) };
  return { kind: 'row', id: id(value, argument) };
}

export function nodeKeys(values: readonly string[]): NodeKey[] {
  if (values.length > maxNodeIds) throw badInput('ids', `ids must hold at most ${maxNodeIds} ids, got ${values.length}`);
  return values.map((v) => nodeKey(v, 'ids'));
}

export function fraction(value: number | null | undefined, argument: string): number | undefined {
  if (value == null) return undefined;
  if (!Number.isFinite(value) || value < 0 || value > 1) throw badInput(argument, `${argument} must be within [0, 1], got: ${value}`);
  // Compared with a real (float4) column: a value below float4's range would make PostgreSQL raise
  // an underflow, so it is rounded to the nearest float4 (5e-324 becomes 0) first.
  return Math.fround(value);
}

export function frame(value: number | null | undefined, argument: string): number | undefined {
  if (value == null) return undefined;
  if (value < 0) throw badInput(argument, `${argument} must be >= 0, got: ${value}`);
  return value;
}

export function optional<T>(value: T | null | undefined): T | undefined {
  return value ?? undefined;
}

export function label(value: string | null | undefined, argument = 'classLabel'): string | undefined {
  if (value == null) return undefined;
  if (value.length < 1 || value.length > 128) throw badInput(argument, `${argument} must be 1..128 characters, got ${value.length}`);
  // PostgreSQL text cannot hold NUL: refuse it here rather than let the statement fail.
  if (value.includes('\u0000')) throw badInput(argument, `${argument} must not contain NUL characters`);
  return value;
}
