// One page of a keyset-paginated list, as loaders hand it to the GraphQL connection resolvers.
import { encodeCursor, type CursorValues } from './cursor.js';

export interface Page<T> {
  rows: T[];
  hasNextPage: boolean;
  cursorOf(row: T): string;
  /** Counted only when a client asks for totalCount. */
  totalCount(): Promise<number>;
}

/** Rows fetched with LIMIT first + 1: the extra row only tells that a next page exists. */
export function toPage<T>(
  rows: T[],
  first: number,
  keyOf: (row: T) => CursorValues,
  totalCount: () => Promise<number>,
): Page<T> {
  return {
    rows: rows.length > first ? rows.slice(0, first) : rows,
    hasNextPage: rows.length > first,
    cursorOf: (row) => encodeCursor(keyOf(row)),
    totalCount,
  };
}
