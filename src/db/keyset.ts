// Where a keyset page starts: after the cursor's row in list order, or — backward — before it, read
// in reverse list order (the caller restores list order).
import type { Statement } from './statement.js';

export interface KeysetWindow<K> {
  cursor?: K | null;
  backward?: boolean;
}

/** What differs between the statements of one keyset query. */
export interface WindowForm {
  backward: boolean;
  /** With a cursor. */
  after: boolean;
}

/** What differs between the statements of one per-parent page query. */
export interface PageForm extends WindowForm {
  /** One parent (parentsFrom). */
  single: boolean;
}

/** Every form of a keyset query, built once; the returned lookup picks a request's. */
export function windowStatements(build: (form: WindowForm) => Statement): (window: KeysetWindow<unknown>) => Statement {
  const forms = [false, true].map((backward) => [false, true].map((after) => build({ backward, after })));
  return (window) => forms[window.backward ? 1 : 0][window.cursor ? 1 : 0];
}

/** Every form of a per-parent page, built once; the returned lookup picks a request's. */
export function pageStatements(build: (form: PageForm) => Statement): (window: KeysetWindow<unknown>, parents: number) => Statement {
  const one = windowStatements((form) => build(Object.assign({}, form, { single: true })));
  const many = windowStatements((form) => build(Object.assign({}, form, { single: false })));
  return (window, parents) => (parents === 1 ? one : many)(window);
}
