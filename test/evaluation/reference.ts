// The reference evaluation: written from the rule in issue #14 / docs/evaluation.md alone, brute force
// and independent of src/evaluation (no shared code, other formulas), so the property tests compare
// two readings of the rule. Slow on purpose: every choice is a full scan or a sort.

export interface RefDetection {
  id: string;
  frame: number;
  label: string;
  confidence: number;
  box: [x: number, y: number, w: number, h: number];
}

export interface RefBox {
  id: string;
  frame: number;
  label: string;
  box: [x: number, y: number, w: number, h: number];
  difficult: boolean;
}

export type RefOutcome = 'TP' | 'FP' | 'IGNORED';

export interface RefClass {
  classLabel: string;
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
  ap: number | null;
}

export interface RefEvaluation {
  overall: { tp: number; fp: number; fn: number; precision: number; recall: number; f1: number };
  perClass: RefClass[];
  map: number | null;
  /** detection id → its outcome and matched box id (only detections that took part). */
  matches: Map<string, { boxId: string | null; iou: number | null; outcome: RefOutcome }>;
}

/** Plain code-unit order of the lowercase text (never localeCompare: locales reorder '-'). */
function idOrder(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x.charCodeAt(i) !== y.charCodeAt(i)) return x.charCodeAt(i) - y.charCodeAt(i);
  }
  return x.length - y.length;
}

/** Corner form: overlap rectangle [max left, min right] × [max top, min bottom]. */
export function refIou(a: RefDetection['box'], b: RefDetection['box']): number {
  const [ax1, ay1, ax2, ay2] = [a[0], a[1], a[0] + a[2], a[1] + a[3]];
  const [bx1, by1, bx2, by2] = [b[0], b[1], b[0] + b[2], b[1] + b[3]];
  const left = Math.max(ax1, bx1);
  const right = Math.min(ax2, bx2);
  const top = Math.max(ay1, by1);
  const bottom = Math.min(ay2, by2);
  if (!(right > left && bottom > top)) return 0;
  const overlap = (right - left) * (bottom - top);
  const union = a[2] * a[3] + b[2] * b[3] - overlap;
  return overlap / union;
}

const ratio = (n: number, d: number) => (d === 0 ? 0 : n / d);
const harmonic = (p: number, r: number) => (p === 0 && r === 0 ? 0 : (2 * p * r) / (p + r));

export function referenceEvaluation(
  detections: readonly RefDetection[],
  boxes: readonly RefBox[],
  iouThreshold: number,
  minConfidence: number,
): RefEvaluation {
  // Confidences are float4 in the database: "confidence ≥ minConfidence" compares float4 values.
  const taking = detections.filter((d) => Math.fround(d.confidence) >= Math.fround(minConfidence));
  const matches: RefEvaluation['matches'] = new Map();
  const matchedBoxes = new Set<string>();

  const frames = [...new Set([...taking.map((d) => d.frame), ...boxes.map((b) => b.frame)])];
  const labels = [...new Set([...taking.map((d) => d.label), ...boxes.map((b) => b.label)])];
  for (const frame of frames) {
    for (const label of labels) {
      const dets = taking
        .filter((d) => d.frame === frame && d.label === label)
        .sort((a, b) => (a.confidence !== b.confidence ? (a.confidence > b.confidence ? -1 : 1) : idOrder(a.id, b.id)));
      const gts = boxes.filter((b) => b.frame === frame && b.label === label);
      for (const d of dets) {
        const options = gts
          .filter((g) => !matchedBoxes.has(g.id))
          .map((g) => ({ g, o: refIou(d.box, g.box) }))
          .filter((c) => c.o >= iouThreshold)
          .sort((a, b) => (a.o !== b.o ? b.o - a.o : idOrder(a.g.id, b.g.id)));
        if (options.length === 0) {
          matches.set(d.id, { boxId: null, iou: null, outcome: 'FP' });
        } else {
          const { g, o } = options[0];
          matchedBoxes.add(g.id);
          matches.set(d.id, { boxId: g.id, iou: o, outcome: g.difficult ? 'IGNORED' : 'TP' });
        }
      }
    }
  }

  const perClass: RefClass[] = [];
  for (const label of [...labels].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const counted = taking
      .filter((d) => d.label === label && matches.get(d.id)!.outcome !== 'IGNORED')
      .sort((a, b) => (a.confidence !== b.confidence ? (a.confidence > b.confidence ? -1 : 1) : idOrder(a.id, b.id)));
    const tp = counted.filter((d) => matches.get(d.id)!.outcome === 'TP').length;
    const fp = counted.length - tp;
    const positives = boxes.filter((b) => b.label === label && !b.difficult);
    const fn = positives.filter((b) => !matchedBoxes.has(b.id)).length;
    const precision = ratio(tp, tp + fp);
    const recall = ratio(tp, tp + fn);
    let ap: number | null = null;
    if (positives.length > 0) {
      const prec: number[] = [];
      const rec: number[] = [];
      counted.forEach((_, i) => {
        const tpSoFar = counted.slice(0, i + 1).filter((d) => matches.get(d.id)!.outcome === 'TP').length;
        prec.push(tpSoFar / (i + 1));
        rec.push(tpSoFar / positives.length);
      });
      let total = 0;
      for (let r = 0; r <= 100; r++) {
        const point = r / 100;
        const reach = rec.findIndex((x) => x >= point);
        if (reach >= 0) total += Math.max(...prec.slice(reach));
      }
      ap = total / 101;
    }
    perClass.push({ classLabel: label, tp, fp, fn, precision, recall, f1: harmonic(precision, recall), ap });
  }
  const tp = perClass.reduce((s, c) => s + c.tp, 0);
  const fp = perClass.reduce((s, c) => s + c.fp, 0);
  const fn = perClass.reduce((s, c) => s + c.fn, 0);
  const aps = perClass.map((c) => c.ap).filter((x): x is number => x !== null);
  return {
    overall: { tp, fp, fn, precision: ratio(tp, tp + fp), recall: ratio(tp, tp + fn), f1: harmonic(ratio(tp, tp + fp), ratio(tp, tp + fn)) },
    perClass,
    map: aps.length ? aps.reduce((s, x) => s + x, 0) / aps.length : null,
    matches,
  };
}
