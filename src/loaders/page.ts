// One page of a keyset-paginated list, as loaders hand it to the GraphQL connection resolvers, and
// the window a page is read with: forward (first/after) or backward (last/before) over the same order.
import { encodeCursor, type CursorValues } from './cursor.js';

/**
 * `size` rows after `cursor` in list order, or — backward — the `size` rows just before it. A
 * backward page is read from the same index in reverse and handed out in list order.
 */
export interface PageWindow<K> {
  size: number;
  backward: boolean;
  cursor: K | null;
}

export interface Page<T> {
  /** In list order, whichever way the page was read. */
  rows: T[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  cursorOf(row: T): string;
  /** Counted only when a client asks for totalCount. */
  totalCount(): Promise<number>;
}

/**
 * Rows fetched with LIMIT size + 1 in reading order: the extra row only tells that another page
 * exists in the reading direction. Whether one exists the other way is not known without another
 * statement, so it is false, as the Relay connection spec permits. A page that starts at an end of
 * the list and has no further page holds every matching row, so its total needs no count.
 */
export function toPage<T>(
  rows: T[],
  window: PageWindow<unknown>,
  list: string,
  keyOf: (row: T) => CursorValues,
  totalCount: () => Promise<number>,
): Page<T> {
  const more = rows.length > window.size;
  const shown = more ? rows.slice(0, window.size) : rows;
  const complete = !more && window.cursor == null;
  return {
    rows: window.backward ? shown.reverse() : shown,
    hasNextPage: !window.backward && more,
    hasPreviousPage: window.backward && more,
    cursorOf(row) {
      return encodeCursor(list, keyOf(row));
    },
    totalCount: complete ? async () => rows.length : totalCount,
  };
}
