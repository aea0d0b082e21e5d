// The COCO / PASCAL VOC greedy matching of a session's detections to its video's ground truth, in
// Node over rows read once (docs/evaluation.md states the rule). Pure: no I/O, so the read path, the
// applyEvaluation write and the tests share exactly one implementation.

/** The fields matching needs of a detection (a DetectionEventRow has them). */
export interface MatchableDetection {
  id: string;
  frameNumber: number;
  classLabel: string;
  confidence: number;
  boundingBoxX: number;
  boundingBoxY: number;
  boundingBoxWidth: number;
  boundingBoxHeight: number;
}

/** The fields matching needs of a ground-truth box (a GroundTruthObjectRow has them). */
export interface MatchableBox {
  id: string;
  frameNumber: number;
  classLabel: string;
  x: number;
  y: number;
  width: number;
  height: number;
  difficult: boolean;
}

/** TP: matched a box; FP: matched none; IGNORED: matched a difficult box (neither TP nor FP). */
export type MatchOutcome = 'TP' | 'FP' | 'IGNORED';

export interface DetectionMatch<B> {
  box: B | null;
  /** IoU with the matched box; null when nothing matched. */
  iou: number | null;
  outcome: MatchOutcome;
}

export interface Matching<D, B> {
  /** Every detection that took part (confidence ≥ minConfidence), in rank order: confidence desc, id. */
  ranked: D[];
  byDetection: Map<string, DetectionMatch<B>>;
  /** Box id → the detection that matched it. */
  byBox: Map<string, D>;
  boxes: readonly B[];
}

/**
 * Intersection over union of two (x, y, width, height) boxes with values in float4's range (as stored),
 * in [0, 1]; boxes that only touch have 0.
 * Measured from a's corner: far from the origin `x + width` rounds (one ulp is 256 at 2^60), and an
 * intersection taken from those sums came out larger than either box, the union 0 or negative. The
 * offset of two nearby corners is exact, and the overlap is kept within the smaller side, so the union
 * is never below the larger area.
 */
export function iou(ax: number, ay: number, aw: number, ah: number, bx: number, by: number, bw: number, bh: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const iw = Math.min(Math.min(aw, dx + bw) - Math.max(0, dx), aw, bw);
  const ih = Math.min(Math.min(ah, dy + bh) - Math.max(0, dy), ah, bh);
  if (!(iw > 0 && ih > 0)) return 0;
  const inter = iw * ih;
  const union = aw * ah + bw * bh - inter;
  return union > 0 ? Math.min(1, inter / union) : 0;
}

/** Ids compare as their lowercase text: PostgreSQL's uuid order. */
export const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Confidence descending, then id: the order detections are matched and ranked in. */
export const byRank = (a: MatchableDetection, b: MatchableDetection) => b.confidence - a.confidence || compareIds(a.id, b.id);

/**
 * Confidences are float4 columns; the driver hands out the shortest decimal that names each (0.3),
 * not its exact value, while the API rounds minConfidence to float4 as SQL would. Comparing both as
 * float4 gives SQL's answer (`confidence >= minConfidence::real`).
 */
export const takesPart = (confidence: number, minConfidence: number) => Math.fround(confidence) >= Math.fround(minConfidence);

/**
 * Sorts by rank (byRank's order) without comparing strings in the common case: detections are
 * decorated with their confidence and the first 32 bits of their id as numbers, and only equal
 * prefixes fall back to the id text. A uuid's first 8 lowercase hex digits order like its text, so
 * this is byRank's order; any other id makes it sort with byRank itself. On 27,000 detections with
 * confidences in 0.01 steps this halves the sort.
 */
export function rankDetections<D extends MatchableDetection>(detections: readonly D[]): D[] {
  if (!detections.every((d) => hexPrefix.test(d.id))) return [...detections].sort(byRank);
  const decorated = detections.map((d) => ({ d, c: d.confidence, p: parseInt(d.id.slice(0, 8), 16) }));
  decorated.sort((a, b) => b.c - a.c || a.p - b.p || compareIds(a.d.id, b.d.id));
  return decorated.map((x) => x.d);
}

const hexPrefix = /^[0-9a-f]{8}/;

/**
 * What matching needs that no threshold changes: detections in rank order, each with the boxes of
 * its (frame, class) group (sorted by id) and its IoU with each. Computed once per read, so the ten
 * thresholds of mapCoco and every minConfidence only compare numbers. Flat arrays, not one small
 * array per detection: a 10,000-detection ingest re-matches on every write.
 */
export interface PreparedMatching<D, B> {
  ranked: D[];
  /** Every box of the groups, grouped, each group sorted by id. */
  groupBoxes: B[];
  /** Per ranked detection: where its group starts in groupBoxes, and how many boxes it has. */
  groupStart: Int32Array;
  groupSize: Int32Array;
  /** Per ranked detection, from iouStart: its IoU with each box of its group, in group order. */
  iouStart: Int32Array;
  ious: Float64Array;
  boxes: readonly B[];
}

export function prepareMatching<D extends MatchableDetection, B extends MatchableBox>(detections: readonly D[], boxes: readonly B[]): PreparedMatching<D, B> {
  // frame → class → boxes: no key string per row.
  const candidates = new Map<number, Map<string, B[]>>();
  for (const b of boxes) {
    let byClass = candidates.get(b.frameNumber);
    if (!byClass) candidates.set(b.frameNumber, (byClass = new Map()));
    const g = byClass.get(b.classLabel);
    if (g) g.push(b);
    else byClass.set(b.classLabel, [b]);
  }
  const groupBoxes: B[] = [];
  const startOf = new Map<B[], number>();
  for (const byClass of candidates.values()) {
    for (const g of byClass.values()) {
      // Sorted by id, so the first box of the highest IoU met while scanning is the tie-break winner.
      g.sort((a, b) => compareIds(a.id, b.id));
      startOf.set(g, groupBoxes.length);
      for (const b of g) groupBoxes.push(b);
    }
  }
  const ranked = rankDetections(detections);
  const n = ranked.length;
  const groupStart = new Int32Array(n);
  const groupSize = new Int32Array(n);
  const iouStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const d = ranked[i];
    const g = candidates.get(d.frameNumber)?.get(d.classLabel);
    groupStart[i] = g ? startOf.get(g)! : 0;
    groupSize[i] = g ? g.length : 0;
    iouStart[i + 1] = iouStart[i] + groupSize[i];
  }
  const ious = new Float64Array(iouStart[n]);
  for (let i = 0; i < n; i++) {
    const d = ranked[i];
    for (let j = 0, at = iouStart[i], k = groupStart[i]; j < groupSize[i]; j++, at++, k++) {
      const b = groupBoxes[k];
      ious[at] = iou(d.boundingBoxX, d.boundingBoxY, d.boundingBoxWidth, d.boundingBoxHeight, b.x, b.y, b.width, b.height);
    }
  }
  return { ranked, groupBoxes, groupStart, groupSize, iouStart, ious, boxes };
}

/** matchIndices' answer for a detection that does not take part (confidence below minConfidence). */
export const notTakingPart = -2;

/**
 * The greedy matching of a prepared read at one threshold, as indexes: per ranked detection, the
 * index in groupBoxes of the box it took, -1 for none (FP) or notTakingPart. No object per detection:
 * live maintenance re-matches 10,000 new detections per ingest.
 */
export function matchIndices<D extends MatchableDetection, B extends MatchableBox>(p: PreparedMatching<D, B>, iouThreshold: number, minConfidence: number): Int32Array {
  const took = new Int32Array(p.ranked.length);
  const taken = new Uint8Array(p.groupBoxes.length);
  // Ranking the whole session and matching in that order is matching each (frame, class) group in
  // its own rank order: groups share no boxes.
  for (let i = 0; i < p.ranked.length; i++) {
    if (!takesPart(p.ranked[i].confidence, minConfidence)) {
      took[i] = notTakingPart;
      continue;
    }
    const from = p.iouStart[i];
    const first = p.groupStart[i];
    let best = -1;
    for (let j = 0; j < p.groupSize[i]; j++) {
      const v = p.ious[from + j];
      if (v >= iouThreshold && (best < 0 || v > p.ious[from + best]) && !taken[first + j]) best = j;
    }
    if (best >= 0) taken[first + best] = 1;
    took[i] = best >= 0 ? first + best : -1;
  }
  return took;
}

/** The IoU of ranked detection `i` with the box it took (`took[i]` ≥ 0). */
export const iouOfTaken = (p: PreparedMatching<MatchableDetection, MatchableBox>, i: number, took: number) => p.ious[p.iouStart[i] + took - p.groupStart[i]];

export function matchPrepared<D extends MatchableDetection, B extends MatchableBox>(
  p: PreparedMatching<D, B>,
  iouThreshold: number,
  minConfidence: number,
): Matching<D, B> {
  const took = matchIndices(p, iouThreshold, minConfidence);
  const ranked: D[] = [];
  const byDetection = new Map<string, DetectionMatch<B>>();
  const byBox = new Map<string, D>();
  for (let i = 0; i < p.ranked.length; i++) {
    const k = took[i];
    if (k === notTakingPart) continue;
    const d = p.ranked[i];
    ranked.push(d);
    if (k >= 0) {
      const box = p.groupBoxes[k];
      byBox.set(box.id, d);
      byDetection.set(d.id, { box, iou: iouOfTaken(p, i, k), outcome: box.difficult ? 'IGNORED' : 'TP' });
    } else {
      byDetection.set(d.id, { box: null, iou: null, outcome: 'FP' });
    }
  }
  return { ranked, byDetection, byBox, boxes: p.boxes };
}

export function matchDetections<D extends MatchableDetection, B extends MatchableBox>(
  detections: readonly D[],
  boxes: readonly B[],
  iouThreshold: number,
  minConfidence: number,
): Matching<D, B> {
  return matchPrepared(prepareMatching(detections, boxes), iouThreshold, minConfidence);
}
