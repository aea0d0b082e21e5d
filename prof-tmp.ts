import { matchDetections } from './src/evaluation/matching.js';
import { metricsOf } from './src/evaluation/metrics.js';
import { randomUUID } from 'node:crypto';
const boxes = Array.from({ length: 9000 }, (_, g) => ({ id: randomUUID(), frameNumber: g % 3000, classLabel: 'class_' + (g % 5), x: (g * 37) % 600, y: (g * 53) % 400, width: 40 + (g % 30), height: 30 + (g % 20), difficult: g % 17 === 0 }));
const dets = Array.from({ length: 27000 }, (_, g) => ({ id: randomUUID(), frameNumber: g % 3000, classLabel: 'class_' + (g % 5), confidence: Math.round(Math.random() * 100) / 100, boundingBoxX: (g * 37) % 600 + (g % 7) * 3, boundingBoxY: (g * 53) % 400 + (g % 5) * 4, boundingBoxWidth: 40 + (g % 30), boundingBoxHeight: 30 + (g % 20) }));
for (let i = 0; i < 8; i++) {
  let t = performance.now();
  const m = matchDetections(dets, boxes, 0.5, 0);
  const t1 = performance.now() - t;
  t = performance.now();
  metricsOf(m);
  console.log('match', t1.toFixed(1), 'metrics', (performance.now() - t).toFixed(1));
}
