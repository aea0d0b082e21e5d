// The writes the evaluation properties send through GraphQL, and the reference's boxes and detections as
// their inputs.
import type { RefBox, RefDetection } from './reference.js';

export const writeBoxes = `mutation($v: ID!, $o: [GroundTruthInput!]!) { upsertGroundTruth(videoId: $v, objects: $o) { inserted updated } }`;
export const ingest = `mutation($s: ID!, $d: [DetectionInput!]!) { ingestDetections(testSessionId: $s, detections: $d) { inserted updated } }`;
export const deleteBoxes = `mutation($ids: [ID!]!) { deleteGroundTruth(ids: $ids) }`;

export const boxInput = (b: RefBox) => ({
  id: b.id,
  frameNumber: b.frame,
  timestamp: b.frame / 30,
  classLabel: b.label,
  confidence: 1,
  x: b.box[0],
  y: b.box[1],
  width: b.box[2],
  height: b.box[3],
  difficult: b.difficult,
});
export const detectionInput = (d: RefDetection) => ({
  id: d.id,
  frameNumber: d.frame,
  timestamp: d.frame / 30,
  classLabel: d.label,
  confidence: d.confidence,
  boundingBox: { x: d.box[0], y: d.box[1], width: d.box[2], height: d.box[3] },
});
