// The key form of request values is injective: two values get the same encoding exactly when they are
// the same value (object key order aside; numbers compared with Object.is, so -0 and ±Infinity, which
// JSON.stringify writes as 0 and null, stay apart).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/graphql/canonical-json.js';

const runs = Number(process.env.PROPERTY_RUNS ?? 500);

const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false, 0, -0, Infinity, -Infinity, NaN, 1, '', 'null', 'Infinity', '-0', '0'),
    fc.double(),
    fc.integer(),
    fc.string({ unit: fc.constantFrom('a', '"', '\\', ',', ':', '{', '}', '[', ']', '\u0000', '\ud800', 'é') }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 3 }), tie('value'), { maxKeys: 4 }),
  ),
}));

/** The same value: arrays element-wise, objects by their own keys in any order, numbers by Object.is. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number') return Object.is(a, b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => same(x, (b as unknown[])[i]));
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** A copy with every object's keys in reverse order. */
function reordered(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(reordered);
  return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reordered(x)]));
}

describe('canonicalJson', () => {
  it('encodes two values alike exactly when they are the same value', () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(canonicalJson(a) === canonicalJson(b)).toBe(same(a, b));
      }),
      { numRuns: runs },
    );
  });

  it('ignores key order, at every depth', () => {
    fc.assert(
      fc.property(value, (a) => {
        expect(canonicalJson(reordered(a))).toBe(canonicalJson(a));
      }),
      { numRuns: runs },
    );
  });

  it('keeps apart the numbers JSON.stringify writes alike', () => {
    for (const [a, b] of [[Infinity, null], [-Infinity, null], [NaN, null], [-0, 0], [Infinity, 'Infinity']]) {
      expect(canonicalJson({ v: a })).not.toBe(canonicalJson({ v: b }));
    }
  });
});
