// The compiled operations kept are bounded by what their code holds — fields once fragments are
// expanded — not only by count: a short text can expand to thousands of fields at a low price, and
// 1,000 of those kept were gigabytes.
import fc from 'fast-check';
import { buildSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { CompiledOperations } from '../../src/graphql/compiled-operations.js';
import { expandedFieldCount } from '../../src/graphql/validation-rules/operation-shape.js';
import { createPricer } from '../../src/graphql/validation-rules/query-cost.plugin.js';
import type { AppError } from '../../src/errors.js';

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

  const budget = { smallFields: 20, small: 120, large: 100 };
  const keptSize = (n: number) => (n <= budget.smallFields ? budget.small : budget.large);

  it('keeps no more expanded fields than its budgets, and never one operation larger than its budget, for generated sequences', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 130 }), { minLength: 1, maxLength: 30 }), (sizes) => {
        const operations = new CompiledOperations(schema, budget);
        sizes.forEach((n, i) => {
          const text = flat(n, String(i));
          const document = parse(text);
          const first = operations.compile(`h${i}`, document, `Q${i}`);
          expect(operations.keptFields.small).toBeLessThanOrEqual(budget.small);
          expect(operations.keptFields.large).toBeLessThanOrEqual(budget.large);
          // Kept: the same compiled operation comes back without compiling again.
          expect(operations.compile(`h${i}`, document, `Q${i}`) === first).toBe(n <= keptSize(n));
        });
      }),
      { numRuns: runs },
    );
  });

  it('never evicts a small operation to keep a large one, whatever large operations arrive', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: budget.smallFields }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: budget.smallFields + 1, max: 130 }), { minLength: 1, maxLength: 30 }),
        (smallSizes, largeSizes) => {
          const operations = new CompiledOperations(schema, budget);
          const small = smallSizes.map((n, i) => {
            const document = parse(flat(n, `s${i}`));
            return { document, i, compiled: operations.compile(`s${i}`, document, `Qs${i}`) };
          });
          largeSizes.forEach((n, i) => operations.compile(`l${i}`, parse(flat(n, `l${i}`)), `Ql${i}`));
          for (const { document, i, compiled } of small) expect(operations.compile(`s${i}`, document, `Qs${i}`)).toBe(compiled);
        },
      ),
      { numRuns: runs },
    );
  });
});

describe('the pricer refuses what would compile too large', () => {
  const price = createPricer(1_000_000_000);
  // 2^13 + 2^13 - 2 + 2 fields once expanded: over 10,000 however the variables fall.
  const big = (directive: string) => `query D($s: Boolean = true) { x ... @${directive}(if: $s) { ...F13 } }\n${doubling(13).split('\n').slice(1).join('\n')}`;

  it('counts a subtree that @skip or @include leaves out', () => {
    for (const directive of ['skip', 'include']) {
      const document = parse(big(directive));
      for (const s of [true, false]) expect((price(schema, document, 'D', { s }) as AppError | null)?.code).toBe('QUERY_TOO_COMPLEX');
    }
  });

  it('counts an operation whose variables do not coerce', () => {
    expect((price(schema, parse(big('skip')), 'D', { s: 'not a boolean' }) as AppError | null)?.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('prices an operation under the field limit as before', () => {
    expect(price(schema, parse(doubling(10)), 'D', {})).toBeNull();
  });
});
