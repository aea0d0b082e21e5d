// The pure matcher and metrics (src/evaluation) against the hand-built cases of issue #14 and, as a
// property, against the brute-force reference on random sessions at several thresholds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byRank, iou, matchDetections, rankDetections, type MatchableBox, type MatchableDetection } from '../../src/evaluation/matching.js';
import { cocoThresholds, metricsOf } from '../../src/evaluation/metrics.js';
import { iouThresholdArb, minConfidenceArb, sessionArb } from './generators.js';
import { referenceEvaluation, type RefBox, type RefDetection } from './reference.js';

const toDetection = (d: RefDetection): MatchableDetection => ({
  id: d.id,
  frameNumber: d.frame,
  classLabel: d.label,
  confidence: d.confidence,
  boundingBoxX: d.box[0],
  boundingBoxY: d.box[1],
  boundingBoxWidth: d.box[2],
  boundingBoxHeight: d.box[3],
});
const toBox = (b: RefBox): MatchableBox => ({ id: b.id, frameNumber: b.frame, classLabel: b.label, x: b.box[0], y: b.box[1], width: b.box[2], height: b.box[3], difficult: b.difficult });

function evaluate(dets: RefDetection[], boxes: RefBox[], t = 0.5, minConfidence = 0) {
  const m = matchDetections(dets.map(toDetection), boxes.map(toBox), t, minConfidence);
  return { m, metrics: metricsOf(m) };
}

/** Production ≡ reference: counts and matches exactly, ratios and AP within 1e-9. */
function expectSameAsReference(dets: RefDetection[], boxes: RefBox[], t: number, minConfidence: number) {
  const { m, metrics } = evaluate(dets, boxes, t, minConfidence);
  const ref = referenceEvaluation(dets, boxes, t, minConfidence);
  expect(metrics.perClass.map((c) => [c.classLabel, c.tp, c.fp, c.fn])).toEqual(ref.perClass.map((c) => [c.classLabel, c.tp, c.fp, c.fn]));
  expect([metrics.overall.tp, metrics.overall.fp, metrics.overall.fn]).toEqual([ref.overall.tp, ref.overall.fp, ref.overall.fn]);
  metrics.perClass.forEach((c, i) => {
    const r = ref.perClass[i];
    for (const k of ['precision', 'recall', 'f1'] as const) expect(c[k]).toBeCloseTo(r[k], 9);
    if (r.ap === null) expect(c.ap).toBeNull();
    else expect(c.ap).toBeCloseTo(r.ap, 9);
  });
  for (const k of ['precision', 'recall', 'f1'] as const) expect(metrics.overall[k]).toBeCloseTo(ref.overall[k], 9);
  if (ref.map === null) expect(metrics.map).toBeNull();
  else expect(metrics.map).toBeCloseTo(ref.map, 9);
  expect(new Map([...m.byDetection].map(([id, x]) => [id, { boxId: x.box?.id ?? null, iou: x.iou, outcome: x.outcome }]))).toEqual(ref.matches);
}

let n = 0;
const id = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
const det = (o: Partial<RefDetection> & { box?: RefDetection['box'] } = {}): RefDetection => ({ id: id(), frame: 0, label: 'car', confidence: 0.9, box: [0, 0, 10, 10], ...o });
const gt = (o: Partial<RefBox> = {}): RefBox => ({ id: id(), frame: 0, label: 'car', box: [0, 0, 10, 10], difficult: false, ...o });

describe('iou', () => {
  it('is intersection over union, and 0 for boxes that only touch at an edge or a corner', () => {
    expect(iou(0, 0, 2, 1, 0, 0, 1, 1)).toBe(0.5);
    expect(iou(0, 0, 1, 1, 1, 0, 1, 1)).toBe(0);
    expect(iou(0, 0, 1, 1, 1, 1, 1, 1)).toBe(0);
    expect(iou(0, 0, 10, 10, 0, 0, 10, 10)).toBe(1);
  });
});

describe('matchDetections + metricsOf (hand-built cases)', () => {
  it('a perfect detector has precision, recall, F1 and AP 1', () => {
    const boxes = [gt({ frame: 0 }), gt({ frame: 1, label: 'person', box: [5, 5, 3, 3] }), gt({ frame: 2 })];
    const dets = boxes.map((b) => det({ frame: b.frame, label: b.label, box: b.box, confidence: 0.8 }));
    const { metrics } = evaluate(dets, boxes);
    expect(metrics.overall).toEqual({ tp: 3, fp: 0, fn: 0, precision: 1, recall: 1, f1: 1 });
    expect(metrics.perClass.map((c) => [c.classLabel, c.ap])).toEqual([['car', 1], ['person', 1]]);
    expect(metrics.map).toBe(1);
    expectSameAsReference(dets, boxes, 0.5, 0);
  });

  it('all false positives: precision, recall and AP 0, every box a false negative', () => {
    const boxes = [gt(), gt({ frame: 1 })];
    const dets = [det({ box: [20, 20, 5, 5] }), det({ frame: 1, label: 'person' }), det({ frame: 3 })];
    const { metrics } = evaluate(dets, boxes);
    expect(metrics.overall).toEqual({ tp: 0, fp: 3, fn: 2, precision: 0, recall: 0, f1: 0 });
    expect(metrics.perClass.map((c) => [c.classLabel, c.ap])).toEqual([['car', 0], ['person', null]]);
    expect(metrics.map).toBe(0);
    expectSameAsReference(dets, boxes, 0.5, 0);
  });

  it('two detections on one box: the more confident is TP, the other FP (ties of confidence by id)', () => {
    const box = gt();
    const low = det({ confidence: 0.6 });
    const high = det({ confidence: 0.9, box: [1, 1, 10, 10] });
    const { m, metrics } = evaluate([low, high], [box]);
    expect(m.byDetection.get(high.id)!.outcome).toBe('TP');
    expect(m.byDetection.get(low.id)!.outcome).toBe('FP');
    expect(metrics.overall).toMatchObject({ tp: 1, fp: 1, fn: 0 });
    // Equal confidence: the smaller id matches first, even with the lower IoU.
    const a = det({ id: '00000000-0000-4000-8000-00000000000a', confidence: 0.7, box: [1, 1, 10, 10] });
    const b = det({ id: '00000000-0000-4000-8000-00000000000b', confidence: 0.7 });
    const tie = evaluate([b, a], [box]).m;
    expect(tie.byDetection.get(a.id)!.outcome).toBe('TP');
    expect(tie.byDetection.get(b.id)!.outcome).toBe('FP');
    expectSameAsReference([low, high], [box], 0.5, 0);
    expectSameAsReference([a, b], [box], 0.5, 0);
  });

  it('a detection takes the unmatched box of highest IoU, ties by box id', () => {
    const near = gt({ box: [0, 0, 10, 10] });
    const far = gt({ box: [2, 0, 10, 10] });
    const d = det({ box: [0, 0, 10, 10] });
    expect(evaluate([d], [far, near]).m.byDetection.get(d.id)!.box!.id).toBe(near.id);
    const left = gt({ id: 'f0000000-0000-4000-8000-000000000000', box: [-2, 0, 10, 10] });
    const right = gt({ id: '10000000-0000-4000-8000-000000000000', box: [2, 0, 10, 10] });
    expect(evaluate([d], [left, right]).m.byDetection.get(d.id)!.box!.id).toBe(right.id);
  });

  it('boxes touching at an edge never match, even at the smallest threshold', () => {
    const boxes = [gt({ box: [0, 0, 1, 1] })];
    const dets = [det({ box: [1, 0, 1, 1] })];
    const { metrics } = evaluate(dets, boxes, Number.MIN_VALUE);
    expect(metrics.overall).toMatchObject({ tp: 0, fp: 1, fn: 1 });
    expectSameAsReference(dets, boxes, Number.MIN_VALUE, 0);
  });

  it('an IoU exactly at the threshold matches; just above it does not', () => {
    const boxes = [gt({ box: [0, 0, 2, 1] })];
    const dets = [det({ box: [0, 0, 1, 1] })];
    expect(evaluate(dets, boxes, 0.5).metrics.overall.tp).toBe(1);
    expect(evaluate(dets, boxes, 0.5000000000000001).metrics.overall.tp).toBe(0);
    expectSameAsReference(dets, boxes, 0.5, 0);
  });

  it('a detection matched to a difficult box is ignored, and an unmatched difficult box is no FN', () => {
    const hard = gt({ difficult: true });
    const missed = gt({ frame: 1, difficult: true });
    const d = det();
    const { m, metrics } = evaluate([d], [hard, missed]);
    expect(m.byDetection.get(d.id)!.outcome).toBe('IGNORED');
    expect(metrics.overall).toMatchObject({ tp: 0, fp: 0, fn: 0 });
    // Only difficult boxes: the class has no AP, and the session no mAP.
    expect(metrics.perClass).toMatchObject([{ classLabel: 'car', ap: null }]);
    expect(metrics.map).toBeNull();
    expectSameAsReference([d], [hard, missed], 0.5, 0);
  });

  it('empty frames and an empty session answer zeros, not NaN', () => {
    const { metrics } = evaluate([], []);
    expect(metrics).toMatchObject({ overall: { tp: 0, fp: 0, fn: 0, precision: 0, recall: 0, f1: 0 }, perClass: [], map: null });
    const onlyGt = evaluate([], [gt({ frame: 5 })]).metrics;
    expect(onlyGt.perClass).toMatchObject([{ classLabel: 'car', tp: 0, fp: 0, fn: 1, ap: 0 }]);
  });

  it('classes only in the ground truth or only in the detections are listed', () => {
    const boxes = [gt({ label: 'bike' })];
    const dets = [det({ label: 'truck' })];
    const { metrics } = evaluate(dets, boxes);
    expect(metrics.perClass).toMatchObject([
      { classLabel: 'bike', tp: 0, fp: 0, fn: 1, ap: 0 },
      { classLabel: 'truck', tp: 0, fp: 1, fn: 0, ap: null },
    ]);
    expect(metrics.map).toBe(0);
    expectSameAsReference(dets, boxes, 0.5, 0);
  });

  it('minConfidence leaves out lower detections, compared as float4 like the database', () => {
    const boxes = [gt()];
    const dets = [det({ confidence: 0.3 }), det({ confidence: 0.29 })];
    const { m } = evaluate(dets, boxes, 0.5, 0.3);
    expect(m.ranked.map((d) => d.confidence)).toEqual([0.3]);
  });

  it('AP interpolates precision at 101 recall points', () => {
    // Ranked TP, FP, TP over 2 boxes: recall 0.5 at precision 1, recall 1 at precision 2/3.
    const boxes = [gt(), gt({ frame: 1 })];
    const dets = [det({ confidence: 0.9 }), det({ confidence: 0.8, frame: 2 }), det({ confidence: 0.7, frame: 1 })];
    const { metrics } = evaluate(dets, boxes);
    expect(metrics.perClass[0].ap).toBeCloseTo((51 * 1 + 50 * (2 / 3)) / 101, 12);
    expect(metrics.prCurves.get('car')!.map((p) => [p.precision, p.recall, p.interpolatedPrecision])).toEqual([
      [1, 0.5, 1],
      [0.5, 0.5, 2 / 3],
      [2 / 3, 1, 2 / 3],
    ]);
    expectSameAsReference(dets, boxes, 0.5, 0);
  });

  it('COCO thresholds are 0.50:0.05:0.95', () => {
    expect(cocoThresholds).toEqual([0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]);
  });
});

describe('rankDetections', () => {
  it('orders like byRank (confidence desc, then id text) for uuids and for any other ids', () => {
    const id = fc.oneof(fc.uuid().map((u) => u.toLowerCase()), fc.stringMatching(/^[0-9a-f]{8}-0000/), fc.string({ maxLength: 10 }));
    const detection = fc.record({ id, confidence: fc.integer({ min: 0, max: 4 }).map((n) => n / 4) }).map((d) => toDetection({ ...d, frame: 0, label: 'car', box: [0, 0, 1, 1] }));
    fc.assert(
      fc.property(fc.array(detection, { maxLength: 40 }), (dets) => {
        expect(rankDetections(dets).map((d) => d.id)).toEqual([...dets].sort(byRank).map((d) => d.id));
      }),
      { numRuns: 500 },
    );
  });
});

describe('matchDetections + metricsOf ≡ the reference (property)', () => {
  it('on random sessions, thresholds and minConfidence values', () => {
    fc.assert(
      fc.property(sessionArb(), iouThresholdArb, minConfidenceArb, (s, t, minConfidence) => {
        expectSameAsReference(s.detections, s.boxes, t, minConfidence);
      }),
      { numRuns: 2000 },
    );
  });

  it('at every COCO threshold on crowded frames', () => {
    fc.assert(
      fc.property(sessionArb({ detections: 60, boxes: 40 }), (s) => {
        for (const t of cocoThresholds) expectSameAsReference(s.detections, s.boxes, t, 0);
      }),
      { numRuns: 200 },
    );
  });
});
