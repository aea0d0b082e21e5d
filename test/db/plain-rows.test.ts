// Rows come out of the database handle as plain arrays on both executors, in and out of transactions:
// postgres.js's Result is an Array subclass, and V8 runs map, slice and filter on one through its
// generic path, an element at a time (docs/operations.md). Every loader and page slices or maps the
// rows it gets, so a subclass slipping back in costs every read.
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';

describeEachDatabase('rows from the database handle', (get) => {
  const text = '/* plainRowsProbe */ SELECT n FROM generate_series(1, $1::int) n';

  it('are plain arrays, whose map and slice make plain arrays', async () => {
    for (const n of [0, 1, 3]) {
      const rows = await get().db.query<{ n: number }>(text, [n]);
      expect(Object.getPrototypeOf(rows)).toBe(Array.prototype);
      expect(rows).toEqual(Array.from({ length: n }, (_, i) => ({ n: i + 1 })));
      expect(Object.getPrototypeOf(rows.slice(0, 1))).toBe(Array.prototype);
      expect(rows.map((r) => r.n)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    }
  });

  it('are plain arrays inside a transaction too', async () => {
    const rows = await get().db.transaction((tx) => tx.query<{ n: number }>(text, [2]));
    expect(Object.getPrototypeOf(rows)).toBe(Array.prototype);
    expect(rows).toEqual([{ n: 1 }, { n: 2 }]);
  });
});
