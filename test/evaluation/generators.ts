// Random sessions for the evaluation properties: few frames and classes and a small integer grid, so
// overlaps, ties of confidence and IoU, shared boxes and empty groups are common. Coordinates are
// small integers and confidences multiples of 1/16: exact in float4, so what the database stores is
// what the reference sees.
import fc from 'fast-check';
import type { RefBox, RefDetection } from './reference.js';

const hex = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16).padStart(4, '0'));
/** Random v4-shaped uuids, lowercase like PostgreSQL prints them. */
const uuid = fc.tuple(hex, hex, hex, hex, hex, hex, hex, hex).map(([a, b, c, d, e, f, g, h]) => `${a}${b}-${c}-4${d.slice(1)}-8${e.slice(1)}-${f}${g}${h}`);

const box = fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }));
const frame = fc.integer({ min: 0, max: 3 });
const label = fc.constantFrom('car', 'person', 'bike');
const confidence = fc.integer({ min: 0, max: 16 }).map((n) => n / 16);

export const detectionArb: fc.Arbitrary<Omit<RefDetection, 'id'>> = fc.record({ frame, label, confidence, box });
export const boxArb: fc.Arbitrary<Omit<RefBox, 'id'>> = fc.record({ frame, label, box, difficult: fc.integer({ min: 0, max: 3 }).map((n) => n === 0) });

export interface Session {
  detections: RefDetection[];
  boxes: RefBox[];
}

export const sessionArb = (max: { detections: number; boxes: number } = { detections: 30, boxes: 20 }): fc.Arbitrary<Session> =>
  fc
    .record({
      detections: fc.array(detectionArb, { maxLength: max.detections }),
      boxes: fc.array(boxArb, { maxLength: max.boxes }),
      ids: fc.uniqueArray(uuid, { minLength: max.detections + max.boxes, maxLength: max.detections + max.boxes, selector: (s) => s.toLowerCase() }),
    })
    .map(({ detections, boxes, ids }) => ({
      detections: detections.map((d, i) => ({ ...d, id: ids[i].toLowerCase() })),
      boxes: boxes.map((b, i) => ({ ...b, id: ids[max.detections + i].toLowerCase() })),
    }));

/** Thresholds in (0, 1]: the usual ones, the exact-IoU corner values of a small grid, and any double. */
export const iouThresholdArb = fc.oneof(
  fc.constantFrom(0.5, 0.75, 1, 0.05, 1 / 3, 0.25, 0.1),
  fc.double({ min: Number.MIN_VALUE, max: 1, noNaN: true }),
);
export const minConfidenceArb = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 16 }).map((n) => n / 16), fc.double({ min: 0, max: 1, noNaN: true }));

/** A detection near an existing box (shifted by at most one unit): matches, ties and contests are common. */
export type Near = { pick: number; dx: number; dy: number; confidence: number };
export const nearArb = (maxLength: number): fc.Arbitrary<Near[]> =>
  fc.array(
    fc.record({ pick: fc.nat({ max: 1000 }), dx: fc.integer({ min: -1, max: 1 }), dy: fc.integer({ min: -1, max: 1 }), confidence }),
    { maxLength },
  );
/** New detections (fresh ids) next to the boxes the picks choose; none without boxes. */
export const near = (boxes: readonly RefBox[], picks: readonly Near[]): RefDetection[] =>
  boxes.length
    ? picks.map((n) => {
        const b = boxes[n.pick % boxes.length];
        return { id: crypto.randomUUID(), frame: b.frame, label: b.label, confidence: n.confidence, box: [b.box[0] + n.dx, b.box[1] + n.dy, b.box[2], b.box[3]] };
      })
    : [];
