// How far a median of a few rounds can be trusted: the interval between two of the rounds' order
// statistics that holds the true median with a known confidence, whatever the rounds' distribution,
// if each round is an independent draw (a sign-test interval). With five rounds it is their whole
// range, at 93.75 %: a ratio whose rounds straddle its bound is not decided by five rounds, whichever
// side its median fell on.

export interface MedianInterval {
  low: number;
  high: number;
  /** low is the k-th lowest of the n values, high the k-th highest. */
  k: number;
  n: number;
  /** The chance that an interval made this way holds the true median. */
  confidence: number;
}

/** P(X ≤ k) for X ~ Binomial(n, ½). */
function atMostHalf(k: number, n: number): number {
  let term = 1;
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    sum += term;
    term = (term * (n - i)) / (i + 1);
  }
  return sum / 2 ** n;
}

/**
 * [x₍ₖ₎, x₍ₙ₋ₖ₊₁₎] of the sorted values for the largest k whose confidence, 1 − 2·P(Bin(n, ½) ≤ k − 1),
 * is at least `confidence`: the narrowest such interval. Null when even the whole range falls short
 * (fewer than five values at 0.9).
 */
export function medianInterval(values: readonly number[], confidence = 0.9): MedianInterval | null {
  const n = values.length;
  const sorted = [...values].sort((a, b) => a - b);
  let best: MedianInterval | null = null;
  for (let k = 1; 2 * k <= n; k++) {
    const held = 1 - 2 * atMostHalf(k - 1, n);
    if (held < confidence) break;
    best = { low: sorted[k - 1], high: sorted[n - k], k, n, confidence: held };
  }
  return best;
}

export type Decision = 'met' | 'missed' | 'undecided';

/** A target (a bound on one side) is decided when the whole interval lies on one side of it. */
export function decide(interval: MedianInterval, met: (x: number) => boolean): Decision {
  const low = met(interval.low);
  const high = met(interval.high);
  return low && high ? 'met' : !low && !high ? 'missed' : 'undecided';
}
