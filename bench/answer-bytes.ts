// How an answer's JSON and its newline become bytes (src/http/answer-bytes.ts): Buffer.from(json + '\n')
// against the text's byte length, then one write into a buffer of that size, for a ground-truth-sized
// page (2.7 MB) and a dashboard-sized answer. Both must give the same bytes, multi-byte text and lone
// surrogates included.
// Usage: npx tsx bench/answer-bytes.ts
import { answerBytes } from '../src/http/answer-bytes.js';

const rows = Array.from({ length: 10_000 }, (_, i) => ({
  id: `a1b2c3d4-0000-4000-8000-${String(i).padStart(12, '0')}`,
  frameNumber: i,
  timestamp: i / 30,
  classLabel: 'car',
  confidence: Math.random(),
  x: Math.random() * 1000,
  y: Math.random() * 1000,
  width: 50.5,
  height: 20.25,
  bboxArea: 1010.0625,
  validated: true,
  difficult: false,
}));
const large = JSON.stringify({ data: { video: { groundTruth: { nodes: rows } } } });
const small = JSON.stringify({ data: { project: { id: 'p', stats: { videoCount: 1000, groundTruthTotal: 200_000, detectionsByResult: { total: 5, tp: 1, fp: 2, fn: 3 } } } } });

const concatenated = (json: string) => Buffer.from(json + '\n', 'utf8');
const written = answerBytes;

const odd = ['caméra 東京 🚗', '\ud83d', '\ude97x', 'x\ud83d\ud83d\ude97', '\ud83d'.repeat(1000)];
for (const json of [large, small, ...odd]) if (!concatenated(json).equals(written(json))) throw new Error(`the two forms differ for ${JSON.stringify(json.slice(0, 40))}`);

const time = (f: (json: string) => Buffer, json: string, n: number) => {
  for (let i = 0; i < Math.min(n, 1000); i++) f(json);
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) f(json);
  return Number(process.hrtime.bigint() - t) / n / 1000;
};

for (let round = 1; round <= 2; round++) {
  for (const [name, json, n] of [[`${large.length} bytes`, large, 200], [`${small.length} bytes`, small, 200_000]] as const) {
    console.log(`round ${round}, ${name}: Buffer.from(json + '\\n') ${time(concatenated, json, n).toFixed(2)} µs, byteLength + write ${time(written, json, n).toFixed(2)} µs`);
  }
}
