// Argument checks shared by every resolver: page sizes, ids, floats and frames. Each failure is a
// BAD_USER_INPUT naming the argument, raised before any SQL runs.
import { badInput } from '../errors.js';
import { decodeCursor, isUuid, type CursorShape } from '../loaders/cursor.js';

export const pageLimits = { projects: 100, videos: 100, testSessions: 100, testSessionsOfVideo: 100, groundTruth: 10_000, detections: 5_000 } as const;

export function first(value: number | null | undefined, fallback: number, max: number): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > max) throw badInput('first', `first must be 1..${max}, got: ${n}`);
  return n;
}

export function after<T extends (string | number)[]>(value: string | null | undefined, shape: CursorShape): T | null {
  return value == null ? null : (decodeCursor(value, shape) as T);
}

export function id(value: string, argument = 'id'): string {
  if (!isUuid(value)) throw badInput(argument, `${argument} must be a uuid, got: ${JSON.stringify(String(value).slice(0, 64))}`);
  return value.toLowerCase();
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
