// The interval the report puts beside each floor ratio: checked against a count over every way the
// rounds can fall around the true median, and on generated rounds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { median } from '../../bench/measure.js';
import { decide, medianInterval } from '../../bench/median-interval.js';

/**
 * The chance that [x₍ₖ₎, x₍ₙ₋ₖ₊₁₎] holds the median, by counting: each of n independent rounds falls
 * below the true median with chance ½; the interval misses it when fewer than k fall below, or fewer
 * than k above.
 */
function coverageByCount(n: number, k: number): number {
  let held = 0;
  for (let pattern = 0; pattern < 2 ** n; pattern++) {
    let below = 0;
    for (let i = 0; i < n; i++) if (pattern & (1 << i)) below++;
    if (below >= k && n - below >= k) held++;
  }
  return held / 2 ** n;
}

const rounds = (min: number, max: number) => fc.array(fc.double({ min: 0.01, max: 10, noNaN: true }), { minLength: min, maxLength: max });

describe('medianInterval', () => {
  it('states the chance that it holds the median, and is the narrowest interval of at least that chance', () => {
    fc.assert(
      fc.property(rounds(1, 14), fc.constantFrom(0.8, 0.9, 0.95), (xs, confidence) => {
        const interval = medianInterval(xs, confidence);
        if (interval === null) {
          // Too few rounds: even their whole range holds the median less often than asked.
          expect(coverageByCount(xs.length, 1)).toBeLessThan(confidence);
          return;
        }
        expect(interval.confidence).toBeCloseTo(coverageByCount(xs.length, interval.k), 12);
        expect(interval.confidence).toBeGreaterThanOrEqual(confidence);
        // One value further in from each end would hold the median less often than asked.
        if (2 * (interval.k + 1) <= xs.length) expect(coverageByCount(xs.length, interval.k + 1)).toBeLessThan(confidence);
      }),
    );
  });

  it('runs between the k-th lowest and k-th highest rounds, around their median', () => {
    fc.assert(
      fc.property(rounds(5, 30), (xs) => {
        const interval = medianInterval(xs)!;
        const sorted = [...xs].sort((a, b) => a - b);
        expect(interval.low).toBe(sorted[interval.k - 1]);
        expect(interval.high).toBe(sorted[xs.length - interval.k]);
        expect(interval.low).toBeLessThanOrEqual(median(xs));
        expect(interval.high).toBeGreaterThanOrEqual(median(xs));
      }),
    );
  });

  it('is the range of five rounds (93.75 %), and says nothing about fewer rounds at 90 %', () => {
    expect(medianInterval([1.2, 1.6, 1.3, 1.31, 1.34])).toEqual({ low: 1.2, high: 1.6, k: 1, n: 5, confidence: 0.9375 });
    fc.assert(
      fc.property(rounds(0, 4), (xs) => {
        expect(medianInterval(xs)).toBeNull();
      }),
    );
    // Nine rounds leave out the lowest and the highest.
    expect(medianInterval([9, 1, 2, 3, 4, 5, 6, 7, 8])).toMatchObject({ low: 2, high: 8, k: 2, n: 9 });
  });
});

describe('decide', () => {
  const atMost = (bound: number) => (x: number) => x <= bound;

  it('is met or missed only when the whole interval lies on one side of the bound', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 3, noNaN: true }), fc.double({ min: 0, max: 3, noNaN: true }), fc.double({ min: 0, max: 3, noNaN: true }), (a, b, bound) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const d = decide({ low, high, k: 1, n: 5, confidence: 0.9 }, atMost(bound));
        expect(d).toBe(high <= bound ? 'met' : low > bound ? 'missed' : 'undecided');
      }),
    );
    expect(decide({ low: 1.2, high: 1.6, k: 1, n: 5, confidence: 0.9375 }, atMost(1.25))).toBe('undecided');
  });
});
