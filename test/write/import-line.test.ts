// parseImportLine takes a fast path for ordinary lines; it must agree with the mutations' own checks
// (checkGroundTruth / checkDetection) on every line: same verdict, same reason, and the same COPY row
// as the rows the mutations write. Random lines built from edge values hold the two together.
import { describe, expect, it } from 'vitest';
import { BatchProblems } from '../../src/services/batch-problems.js';
import { checkDetection, detectionRow, type DetectionInput } from '../../src/services/detection.service.js';
import { checkGroundTruth, groundTruthRow, type GroundTruthInput } from '../../src/services/ground-truth.service.js';
import { parseImportLine } from '../../src/services/import-line.js';
import { mulberry32 } from '../support/prng.js';


const uuid = '3c8502fe-6cbd-5dbb-a023-e55d85dfb4a0';
const numbers = [0, -0, 1, 0.5, 0.581, 1 / 3, 2, -1, 1.5, 1e-46, 1e-40, 3.4e38, 3.5e38, -3.5e38, 2147483647, 2147483648, 2 ** 53, 1e21, 'x', null, true];
const labels = ['car', '', 'x'.repeat(128), 'x'.repeat(129), '🚗'.repeat(64), '🚗'.repeat(65), 'tab\there', 'back\\slash', 'new\nline', 'cr\r', 'nul\u0000', 'lone\ud800', 'é', 7, null];
const ids = [uuid, uuid.toUpperCase(), 'not-a-uuid', `${uuid}0`, uuid.replace('-', 'x'), null, 3];
const results = ['TP', 'FP', 'FN', 'PENDING', 'tp', 'MAYBE', null, 1];
const booleans = [true, false, null, 'true', 0];

const copyText = (s: string) => s.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);

/** The verdict of the mutations' checks, and the row they would write, as COPY text. */
function reference(o: Record<string, any>): { reason: string } | { fields: string } {
  const p = new BatchProblems();
  const gt = 'videoId' in o;
  p.uuid(1, gt ? 'videoId' : 'testSessionId', gt ? o.videoId : o.testSessionId);
  if (gt) checkGroundTruth(p, 1, o as GroundTruthInput);
  else checkDetection(p, 1, o as DetectionInput);
  if (p.count) return { reason: p.first.map((x) => `${x.field} ${x.reason}`).join('; ') };
  const r = gt ? groundTruthRow(o as GroundTruthInput, 'x') : detectionRow(o as DetectionInput, 'x');
  const cols = gt ? ['f', 't', 'l', 'c', 'x', 'y', 'w', 'h', 'v', 'd'] : ['f', 't', 'l', 'c', 'r', 'x', 'y', 'w', 'h'];
  const cell = (v: unknown) => (typeof v === 'boolean' ? (v ? 't' : 'f') : typeof v === 'string' ? copyText(v) : String(v));
  return { fields: cols.map((c) => cell((r as unknown as Record<string, unknown>)[c])).join('\t') };
}

describe('parseImportLine', () => {
  it('agrees with checkGroundTruth / checkDetection on 20,000 random lines of edge values', () => {
    const rnd = mulberry32(Number(process.env.WRITE_SEED ?? 7));
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    // Mostly valid values, so that both verdicts come up often.
    const num = (good: unknown) => (rnd() < 0.8 ? good : pick(numbers));
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const gt = rnd() < 0.5;
      const o: Record<string, unknown> = {
        ...(rnd() < 0.9 ? { id: rnd() < 0.9 ? uuid : pick(ids) } : {}),
        [gt ? 'videoId' : 'testSessionId']: rnd() < 0.95 ? uuid : pick(ids),
        frameNumber: num(12),
        timestamp: num(0.4),
        classLabel: rnd() < 0.7 ? 'car' : pick(labels),
        confidence: num(0.581),
      };
      if (gt) {
        Object.assign(o, { x: num(865), y: num(1.5), width: num(174), height: num(27) });
        if (rnd() < 0.7) o.validated = rnd() < 0.8 ? rnd() < 0.5 : pick(booleans);
        if (rnd() < 0.3) o.difficult = rnd() < 0.8 ? rnd() < 0.5 : pick(booleans);
      } else {
        o.boundingBox = rnd() < 0.95 ? { x: num(865), y: num(1.5), width: num(174), height: num(27) } : pick([null, 3, []]);
        if (rnd() < 0.7) o.validationResult = pick(results);
      }
      const text = JSON.stringify(o);
      const got = parseImportLine(text, 1);
      const want = reference(JSON.parse(text));
      if ('reason' in want) {
        expect(got, text).toEqual({ reason: want.reason });
      } else {
        accepted++;
        expect('row' in got && got.row.fields, text).toBe(want.fields);
      }
    }
    expect(accepted).toBeGreaterThan(2000);
  });
});
