// Precision, recall, F1 and AP (101-point interpolated, as COCO) from a Matching, per class and overall.
import { type MatchableBox, type MatchableDetection, type Matching } from './matching.js';

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface ClassMetrics extends Counts {
  classLabel: string;
  /** Non-difficult boxes of the class. */
  groundTruthCount: number;
  /** Null when the class has no non-difficult box. */
  ap: number | null;
}

export interface PrCurvePoint {
  confidence: number;
  precision: number;
  recall: number;
  /** The precision AP uses: the best precision at this recall or beyond. */
  interpolatedPrecision: number;
}

export interface Metrics {
  overall: Counts;
  /** Every class of the counted detections or of the ground truth, by label. */
  perClass: ClassMetrics[];
  /** Mean AP over classes with at least one non-difficult box; null when there is none. */
  map: number | null;
  /** Class label → its ranked PR points (counted detections only), built when first asked for. */
  prCurves: { get(classLabel: string): PrCurvePoint[] | undefined };
}

export const recallPoints = 101;

export function counts(tp: number, fp: number, fn: number): Counts {
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { tp, fp, fn, precision, recall, f1 };
}

/** One class's inputs to its figures: what matching (or a live session's maintained matches) gives. */
export interface ClassTally {
  tp: number;
  fp: number;
  positives: number;
  /** Counted detections (TP or FP) in rank order, each with its outcome. */
  ranked: boolean[];
  confidences: number[];
}

/**
 * A confidence as PostgreSQL prints its float4 (0.3, not the stored 0.30000001192…, which matching and
 * the live lists see); a number that is no float4 (computed in a test) as it is. The closest p-digit
 * decimal names the float4 when any p-digit decimal does.
 */
export function shownConfidence(c: number): number {
  if (Math.fround(c) !== c) return c;
  for (let p = 1; p < 9; p++) {
    const v = Number(c.toPrecision(p));
    if (Math.fround(v) === c) return v;
  }
  return Number(c.toPrecision(9));
}

/** Per rank: precision so far, and the best precision at this rank or beyond (what AP averages). */
function precisions(t: ClassTally): { precision: Float64Array; interpolated: Float64Array; cumulativeTp: Int32Array } {
  const n = t.ranked.length;
  const precision = new Float64Array(n);
  const interpolated = new Float64Array(n);
  const cumulativeTp = new Int32Array(n);
  let tp = 0;
  for (let i = 0; i < n; i++) {
    if (t.ranked[i]) tp++;
    cumulativeTp[i] = tp;
    precision[i] = tp / (i + 1);
  }
  let best = 0;
  for (let i = n - 1; i >= 0; i--) {
    best = Math.max(best, precision[i]);
    interpolated[i] = best;
  }
  return { precision, interpolated, cumulativeTp };
}

function prCurve(t: ClassTally): PrCurvePoint[] {
  const { precision, interpolated, cumulativeTp } = precisions(t);
  return t.ranked.map((_, i) => ({
    confidence: shownConfidence(t.confidences[i]),
    precision: precision[i],
    recall: t.positives ? cumulativeTp[i] / t.positives : 0,
    interpolatedPrecision: interpolated[i],
  }));
}

/** Mean of the interpolated precision at recall 0, 0.01, …, 1 (0 where that recall is never reached). */
function averagePrecision(t: ClassTally): number {
  const { interpolated, cumulativeTp } = precisions(t);
  const n = t.ranked.length;
  let sum = 0;
  let i = 0;
  for (let r = 0; r < recallPoints; r++) {
    // The first rank whose recall tp/positives reaches r/100, compared in integers (no rounding).
    while (i < n && cumulativeTp[i] * 100 < r * t.positives) i++;
    if (i === n) break;
    sum += interpolated[i];
  }
  return sum / recallPoints;
}

export function metricsOf<D extends MatchableDetection, B extends MatchableBox>(m: Matching<D, B>): Metrics {
  const tallies = new Map<string, ClassTally>();
  const tally = (label: string) => {
    let t = tallies.get(label);
    if (!t) tallies.set(label, (t = { tp: 0, fp: 0, positives: 0, ranked: [], confidences: [] }));
    return t;
  };
  for (const b of m.boxes) {
    const t = tally(b.classLabel);
    if (!b.difficult) t.positives++;
  }
  for (const d of m.ranked) {
    const t = tally(d.classLabel);
    const outcome = m.byDetection.get(d.id)!.outcome;
    if (outcome === 'IGNORED') continue;
    if (outcome === 'TP') t.tp++;
    else t.fp++;
    t.ranked.push(outcome === 'TP');
    t.confidences.push(d.confidence);
  }
  return metricsOfTallies(tallies);
}

/** The figures of every class tallied (one entry per class of the detections or the ground truth). */
export function metricsOfTallies(tallies: ReadonlyMap<string, ClassTally>): Metrics {
  const perClass: ClassMetrics[] = [];
  const curves = new Map<string, PrCurvePoint[]>();
  const prCurves = {
    get(label: string): PrCurvePoint[] | undefined {
      const t = tallies.get(label);
      if (!t) return undefined;
      let c = curves.get(label);
      if (!c) curves.set(label, (c = prCurve(t)));
      return c;
    },
  };
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const aps: number[] = [];
  for (const label of [...tallies.keys()].sort()) {
    const t = tallies.get(label)!;
    const ap = t.positives ? averagePrecision(t) : null;
    if (ap !== null) aps.push(ap);
    const classFn = t.positives - t.tp;
    perClass.push({ classLabel: label, groundTruthCount: t.positives, ap, ...counts(t.tp, t.fp, classFn) });
    tp += t.tp;
    fp += t.fp;
    fn += classFn;
  }
  return {
    overall: counts(tp, fp, fn),
    perClass,
    map: aps.length ? aps.reduce((a, b) => a + b, 0) / aps.length : null,
    prCurves,
  };
}

/** COCO's IoU thresholds 0.50, 0.55, …, 0.95, each the double nearest its decimal. */
export const cocoThresholds: readonly number[] = Array.from({ length: 10 }, (_, i) => (50 + 5 * i) / 100);
