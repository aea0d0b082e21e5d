// The compiled operations kept are bounded by what their code holds — fields once fragments are
// expanded — not only by count: a short text can expand to thousands of fields at a low price, and
// 1,000 of those kept were gigabytes.
import fc from 'fast-check';
import { buildSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { CompiledOperations, expandedFieldCount } from '../../src/graphql/compiled-operations.js';

const schema = buildSchema('type Query { x: Int q: Query }');
const runs = Number(process.env.PROPERTY_RUNS ?? 25);

/** `{ a1: x … an: x }` */
const flat = (n: number, tag: string) => `query Q${tag} { ${Array.from({ length: n }, (_, i) => `a${i}: x`).join(' ')} }`;

/** Fragments that double at every level: 2^levels + (2^levels - 2) fields from a text of a few lines. */
function doubling(levels: number): string {
  const fragments = ['fragment F0 on Query { x }'];
  for (let k = 1; k <= levels; k++) fragments.push(`fragment F${k} on Query { l: q { ...F${k - 1} } r: q { ...F${k - 1} } }`);
  return `query D { ...F${levels} }\n${fragments.join('\n')}`;
}

describe('compiled operations', () => {
  it('counts fields as fragments expand them, without expanding past the cap', () => {
    expect(expandedFieldCount(parse(flat(7, 'a')), 'Qa')).toBe(7);
    // Level k: 2 fields plus twice level k-1's; level 0: 1.
    const expected = (k: number): number => (k === 0 ? 1 : 2 + 2 * expected(k - 1));
    for (const levels of [1, 5, 12]) expect(expandedFieldCount(parse(doubling(levels)), 'D')).toBe(expected(levels));
    expect(expandedFieldCount(parse(doubling(40)), 'D', 5000)).toBe(5000);
  });

  it('keeps no more expanded fields than its budget, and never one operation larger than the budget, for generated sequences', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 260 }), { minLength: 1, maxLength: 30 }), (sizes) => {
        const budget = 200;
        const operations = new CompiledOperations(schema, budget);
        sizes.forEach((n, i) => {
          const text = flat(n, String(i));
          const document = parse(text);
          const first = operations.compile(`h${i}`, document, `Q${i}`);
          expect(operations.keptFields).toBeLessThanOrEqual(budget);
          // Kept: the same compiled operation comes back without compiling again.
          expect(operations.compile(`h${i}`, document, `Q${i}`) === first).toBe(n <= budget);
        });
        const big = parse(flat(budget + 1, 'big'));
        const compiled = operations.compile('big', big, 'Qbig');
        expect(operations.compile('big', big, 'Qbig') === compiled).toBe(false);
        expect(operations.keptFields).toBeLessThanOrEqual(budget);
      }),
      { numRuns: runs },
    );
  });
});
