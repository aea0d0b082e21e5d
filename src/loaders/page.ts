// One page of a keyset-paginated list, as loaders hand it to the GraphQL connection resolvers.
import { encodeCursor, type CursorValues } from './cursor.js';

export interface Page<T> {
  rows: T[];
  hasNextPage: boolean;
  cursorOf(row: T): string;
  /** Counted only when a client asks for totalCount. */
  totalCount(): Promise<number>;
}

/**
 * Rows fetched with LIMIT first + 1: the extra row only tells that a next page exists. A first page
 * without a next one holds every matching row, so its total needs no count.
 */
export function toPage<T>(
  rows: T[],
  first: number,
  after: unknown,
  keyOf: (row: T) => CursorValues,
  totalCount: () => Promise<number>,
): Page<T> {
  const hasNextPage = rows.length > first;
  const complete = !hasNextPage && after == null;
  return {
    rows: hasNextPage ? rows.slice(0, first) : rows,
    hasNextPage,
    cursorOf: (row) => encodeCursor(keyOf(row)),
    totalCount: complete ? async () => rows.length : totalCount,
  };
}
