// Figures of a live session from its maintained matches: per class, the counted detections (TP or FP)
// arrive unranked as raw parallel lists and are ranked here, as matching ranks them (confidence
// descending, then id), then tallied like an on-demand matching (metricsOfTallies).
import { metricsOfTallies, type ClassTally, type Metrics } from './metrics.js';

/** One class of a live session: its counted detections, unranked. */
export interface LiveClass {
  /** float4 confidences, big-endian, 4 bytes each (PostgreSQL's float4send). */
  confidences: Uint8Array;
  /** uuids, 16 bytes each (uuid_send): byte order is PostgreSQL's uuid order and the text order. */
  ids: Uint8Array;
  /** '1' TP, '0' FP, one character per detection, in the order of the lists above. */
  outcomes: string;
}

const hex = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** The i-th uuid of a uuid_send list, as PostgreSQL prints it. */
export function uuidAt(ids: Uint8Array, i: number): string {
  let s = '';
  for (let k = 0; k < 16; k++) {
    if (k === 4 || k === 6 || k === 8 || k === 10) s += '-';
    s += hex[ids[16 * i + k]];
  }
  return s;
}

function ranked(c: LiveClass): { order: Uint32Array; confidences: Float64Array } {
  const n = c.outcomes.length;
  const conf = new DataView(c.confidences.buffer, c.confidences.byteOffset, c.confidences.byteLength);
  const ids = new DataView(c.ids.buffer, c.ids.byteOffset, c.ids.byteLength);
  const confidences = new Float64Array(n);
  const prefix = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    confidences[i] = conf.getFloat32(4 * i);
    prefix[i] = ids.getUint32(16 * i);
  }
  const tail = (a: number, b: number) => {
    for (let k = 4; k < 16; k++) {
      const x = c.ids[16 * a + k] - c.ids[16 * b + k];
      if (x) return x;
    }
    return 0;
  };
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => confidences[b] - confidences[a] || prefix[a] - prefix[b] || tail(a, b));
  return { order, confidences };
}

/** `classes`: the session's counted detections per class; `positives`: non-difficult boxes per class of its video. */
export function liveMetrics(classes: ReadonlyMap<string, LiveClass>, positives: ReadonlyMap<string, number>): Metrics {
  const tallies = new Map<string, ClassTally>();
  const tally = (label: string) => {
    let t = tallies.get(label);
    if (!t) tallies.set(label, (t = { tp: 0, fp: 0, positives: 0, ranked: [], confidences: [] }));
    return t;
  };
  for (const [label, n] of positives) tally(label).positives = n;
  for (const [label, c] of classes) {
    const t = tally(label);
    const { order, confidences } = ranked(c);
    for (const i of order) {
      const tp = c.outcomes.charCodeAt(i) === 49; // '1'
      if (tp) t.tp++;
      else t.fp++;
      t.ranked.push(tp);
      t.confidences.push(confidences[i]);
    }
  }
  return metricsOfTallies(tallies);
}
