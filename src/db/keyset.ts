// Where a keyset page starts: after the cursor's row in list order, or — backward — before it, read
// in reverse list order (the caller restores list order).
import type { Statement } from './statement.js';

export interface KeysetWindow<K> {
  cursor?: K | null;
  backward?: boolean;
}

/** What differs between the statements of one page query. */
export interface PageForm {
  backward: boolean;
  /** With a cursor. */
  after: boolean;
  /** One parent (parentsFrom). */
  single: boolean;
}

/** Every form of a per-parent page, built once; the returned lookup picks a request's. */
export function pageStatements(build: (form: PageForm) => Statement): (window: KeysetWindow<unknown>, parents: number) => Statement {
  const forms: Statement[] = [];
  for (let i = 0; i < 8; i++) forms.push(build({ backward: (i & 4) !== 0, after: (i & 2) !== 0, single: (i & 1) !== 0 }));
  return (window, parents) => forms[(window.backward ? 4 : 0) | (window.cursor ? 2 : 0) | (parents === 1 ? 1 : 0)];
}
