// Figures of a live session from its maintained matches: per class, the counted detections (TP or FP)
// arrive unranked as parallel lists and are ranked here, as matching ranks them (confidence
// descending, then id), then tallied like an on-demand matching (metricsOfTallies).
import { compareIds } from './matching.js';
import { metricsOfTallies, type ClassTally, type Metrics } from './metrics.js';

export interface LiveClass {
  confidences: readonly number[];
  ids: readonly string[];
  /** '1' TP, '0' FP, one character per detection, in the order of the lists above. */
  outcomes: string;
}

const hexPrefix = /^[0-9a-f]{8}/;

/** Positions of the detections in rank order; the first 32 bits of a uuid order like its text. */
function rankOrder(c: LiveClass): number[] {
  const n = c.ids.length;
  const order = Array.from({ length: n }, (_, i) => i);
  if (c.ids.every((id) => hexPrefix.test(id))) {
    const prefix = c.ids.map((id) => parseInt(id.slice(0, 8), 16));
    order.sort((a, b) => c.confidences[b] - c.confidences[a] || prefix[a] - prefix[b] || compareIds(c.ids[a], c.ids[b]));
  } else {
    order.sort((a, b) => c.confidences[b] - c.confidences[a] || compareIds(c.ids[a], c.ids[b]));
  }
  return order;
}

/** `classes`: the session's counted detections per class; `positives`: non-difficult boxes per class of its video. */
export function liveMetrics(classes: ReadonlyMap<string, LiveClass>, positives: ReadonlyMap<string, number>): Metrics {
  const tallies = new Map<string, ClassTally>();
  for (const [label, n] of positives) tallies.set(label, { tp: 0, fp: 0, positives: n, ranked: [], confidences: [] });
  for (const [label, c] of classes) {
    let t = tallies.get(label);
    if (!t) tallies.set(label, (t = { tp: 0, fp: 0, positives: 0, ranked: [], confidences: [] }));
    for (const i of rankOrder(c)) {
      const tp = c.outcomes.charCodeAt(i) === 49; // '1'
      if (tp) t.tp++;
      else t.fp++;
      t.ranked.push(tp);
      t.confidences.push(c.confidences[i]);
    }
  }
  return metricsOfTallies(tallies);
}
