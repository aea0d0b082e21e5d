// Collects what is wrong with the elements of a batch, field by field, before any SQL runs, so a
// batch with one bad element writes nothing and the caller learns every index to fix (the first 20
// in detail, and how many in all). The checks mirror the table constraints and what PostgreSQL
// itself would reject (NUL characters, lone surrogates, `real` overflow), so no bad value ever
// reaches the database as a 500.
import { isUuid } from '../loaders/cursor.js';
import { AppError } from '../errors.js';

export interface Problem {
  index: number;
  field: string;
  reason: string;
}

/** The most elements one mutation (or one import line group) may carry. */
export const maxBatchSize = 10_000;
const detailLimit = 20;
/** The largest finite float4; anything larger overflows a `real` column (22003). */
const realMax = 3.4028234663852886e38;
/** In a `u` regex a surrogate code point only matches when it is unpaired (PostgreSQL rejects those). */
const loneSurrogate = /\p{Cs}/u;
/** Cheap pre-check (no `u` flag): most labels hold no surrogate at all. */
const anySurrogate = /[\uD800-\uDFFF]/;

export class BatchProblems {
  readonly first: Problem[] = [];
  count = 0;

  add(index: number, field: string, reason: string): false {
    this.count++;
    if (this.first.length < detailLimit) this.first.push({ index, field, reason });
    return false;
  }

  uuid(index: number, field: string, v: unknown): v is string {
    return isUuid(v) || this.add(index, field, `must be a uuid, got: ${shown(v)}`);
  }

  /** A finite number within the given bounds; `real` adds float4's range. */
  number(
    index: number,
    field: string,
    v: unknown,
    o: { min?: number; above?: number; max?: number; integer?: boolean; real?: boolean } = {},
  ): v is number {
    if (typeof v !== 'number' || !Number.isFinite(v)) return this.add(index, field, `must be a finite number, got: ${shown(v)}`);
    if (o.integer && !Number.isSafeInteger(v)) return this.add(index, field, `must be a whole number, got: ${v}`);
    if (o.min !== undefined && v < o.min) return this.add(index, field, `must be >= ${o.min}, got: ${v}`);
    if (o.above !== undefined && v <= o.above) return this.add(index, field, `must be > ${o.above}, got: ${v}`);
    if (o.max !== undefined && v > o.max) return this.add(index, field, `must be <= ${o.max}, got: ${v}`);
    if (o.real && Math.abs(v) > realMax) return this.add(index, field, `is out of range for a 4-byte float, got: ${v}`);
    // A non-zero value that float4 rounds to zero makes PostgreSQL raise an underflow (22003).
    if (o.real && v !== 0 && Math.fround(v) === 0) return this.add(index, field, `is too small for a 4-byte float, got: ${v}`);
    return true;
  }

  int32(index: number, field: string, v: unknown, min = 0): v is number {
    return this.number(index, field, v, { integer: true, min, max: 2_147_483_647 });
  }

  /** Text of min..max characters (Unicode code points, as char_length counts them). */
  text(index: number, field: string, v: unknown, min: number, max: number): v is string {
    if (typeof v !== 'string') return this.add(index, field, `must be a string, got: ${shown(v)}`);
    if (v.includes('\0')) return this.add(index, field, 'must not contain NUL characters');
    if (anySurrogate.test(v) && loneSurrogate.test(v)) return this.add(index, field, 'must be well-formed Unicode (no lone surrogates)');
    // UTF-16 length bounds the code-point count from above, so only long strings need counting.
    const chars = v.length <= max ? v.length : [...v].length;
    if (chars < min || chars > max) return this.add(index, field, `must be ${min}..${max} characters, got ${chars}`);
    return true;
  }

  optionalBoolean(index: number, field: string, v: unknown): boolean {
    return v == null || typeof v === 'boolean' || this.add(index, field, `must be a boolean, got: ${shown(v)}`);
  }

  oneOf<T extends string>(index: number, field: string, v: unknown, allowed: readonly T[]): v is T {
    return allowed.includes(v as T) || this.add(index, field, `must be one of ${allowed.join(', ')}, got: ${shown(v)}`);
  }

  /** Reports duplicate ids inside the batch: every repetition after the first is a problem. */
  duplicates(ids: readonly (string | undefined)[], field = 'id'): void {
    const seen = new Map<string, number>();
    ids.forEach((id, index) => {
      if (id === undefined) return;
      const key = id.toLowerCase();
      const firstAt = seen.get(key);
      if (firstAt === undefined) seen.set(key, index);
      else this.add(index, field, `duplicate id in this batch (first at index ${firstAt})`);
    });
  }

  /** Throws BAD_USER_INPUT naming the argument when anything was found; nothing has been written. */
  throwIfAny(argument: string, total: number): void {
    if (this.count === 0) return;
    const [p] = this.first;
    const where = total > 1 ? `${argument}[${p.index}].${p.field}` : `${argument}.${p.field}`;
    const more = this.count > 1 ? ` (and ${this.count - 1} more problem(s))` : '';
    throw new AppError('BAD_USER_INPUT', `${where} ${p.reason}${more}; nothing was written`, {
      argument,
      errors: this.first,
      errorCount: this.count,
    });
  }
}

/** Rejects an over-long batch before looking at its elements. */
export function checkBatchSize(argument: string, length: number): void {
  if (length > maxBatchSize) {
    throw new AppError('BAD_USER_INPUT', `${argument} may hold at most ${maxBatchSize} elements, got ${length}; nothing was written`, {
      argument,
      errors: [],
      errorCount: 1,
    });
  }
}

/** A single id argument; answers it lower-cased, as the database returns uuids. */
export function requireUuid(argument: string, v: unknown): string {
  if (!isUuid(v)) throw new AppError('BAD_USER_INPUT', `${argument} must be a uuid, got: ${shown(v)}`, { argument });
  return v.toLowerCase();
}

/** An id list argument: size-checked, every id a uuid, lower-cased and deduplicated. */
export function requireUuidList(argument: string, v: readonly unknown[]): string[] {
  checkBatchSize(argument, v.length);
  const problems = new BatchProblems();
  v.forEach((id, i) => problems.uuid(i, 'id', id));
  problems.throwIfAny(argument, v.length);
  return [...new Set((v as string[]).map((id) => id.toLowerCase()))];
}

/**
 * A client-chosen id that is taken. The same words whoever holds the row — the caller, under another
 * parent, or another tenant — so a conflict tells nothing about rows the caller cannot read.
 */
export const notAvailable = 'id is not available';

export function idNotAvailable(argument: string, id: string): AppError {
  return new AppError('CONFLICT', `${argument} ${id} is not available`, { argument });
}

export function notFound(argument: string, what: string, id: string): AppError {
  return new AppError('NOT_FOUND', `${what} ${id} not found`, { argument });
}

function shown(v: unknown): string {
  const s = v === undefined ? 'undefined' : JSON.stringify(v);
  return s.length > 64 ? `${s.slice(0, 61)}...` : s;
}
