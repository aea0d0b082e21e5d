// Boxes far from the origin. Every float4 coordinate is valid input, but there `x + width` rounds in
// double (one ulp is 256 at 2^60): an IoU taken from those sums came out above 1, Infinity (live
// maintenance then wrote it, reads failed to serialize it, and the next write that changed the match
// sent it as null) or negative (a detection identical to its box counted as a false positive). IoU is
// measured from one box's corner instead: finite and within [0, 1] for every pair of valid boxes.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iou } from '../../src/evaluation/matching.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestApp, dataOf, type TestApp } from '../support/test-app.js';

const runs = Number(process.env.PROPERTY_RUNS ?? 1000);
const f4 = (min: number, max: number) => fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true, noDefaultInfinity: true });
const size = f4(1e-30, 3.4e38).filter((v) => v > 0);
const coordinate = f4(-3.4e38, 3.4e38);
/** A far corner both boxes share: 2^e, in float4's range. */
const farCorner = fc.integer({ min: 20, max: 127 }).map((e) => 2 ** e);
const side = f4(1, 1000);

describe('iou', () => {
  it('is finite and within [0, 1] for any two valid boxes, near the origin or far from it', () => {
    fc.assert(
      fc.property(fc.tuple(coordinate, coordinate, size, size), fc.tuple(coordinate, coordinate, size, size), (a, b) => {
        const v = iou(...a, ...b);
        expect(Number.isFinite(v) && v >= 0 && v <= 1, `${a} ${b} → ${v}`).toBe(true);
      }),
      { numRuns: runs },
    );
  });

  it('of two boxes sharing a far corner is the smaller sides over the union, as at the origin', () => {
    fc.assert(
      fc.property(farCorner, side, side, side, side, (c, w1, h1, w2, h2) => {
        const inter = Math.min(w1, w2) * Math.min(h1, h2);
        expect(iou(c, c, w1, h1, c, c, w2, h2)).toBe(inter / (w1 * h1 + w2 * h2 - inter));
        expect(iou(c, c, w1, h1, c, c, w1, h1)).toBe(1);
      }),
      { numRuns: runs },
    );
  });
});

describeEachDatabase('boxes far from the origin, through the API', (database) => {
  let app: TestApp;
  let projectId: string;
  beforeAll(async () => {
    app = await createTestApp(database().db);
    projectId = dataOf(await app.execute('mutation { createProject(input: { name: "far" }) { id } }')).createProject.id;
  });
  afterAll(() => app?.close());

  const upsert = async (videoId: string, box: Record<string, unknown>) =>
    dataOf(
      await app.execute('mutation($v: ID!, $o: [GroundTruthInput!]!) { upsertGroundTruth(videoId: $v, objects: $o) { inserted updated } }', {
        v: videoId,
        o: [{ frameNumber: 0, timestamp: 0, classLabel: 'car', confidence: 0.9, ...box }],
      }),
    );
  const ingest = (sessionId: string, confidence: number, box: Record<string, number>) =>
    app.execute('mutation($s: ID!, $d: [DetectionInput!]!) { ingestDetections(testSessionId: $s, detections: $d) { inserted } }', {
      s: sessionId,
      d: [{ frameNumber: 0, timestamp: 0, classLabel: 'car', confidence, boundingBox: box }],
    });

  it('keeps every match finite and within [0, 1] while boxes and detections at a far corner are written and reshaped', async () => {
    await fc.assert(
      fc.asyncProperty(farCorner, fc.array(fc.tuple(side, side), { minLength: 4, maxLength: 4 }), async (c, [b1, d1, b2, d2]) => {
        const videoId = dataOf(
          await app.execute('mutation($p: ID!) { createVideo(input: { projectId: $p, filename: "far.mp4", duration: 1, fileSize: 1 }) { id } }', { p: projectId }),
        ).createVideo.id;
        const sessionId = dataOf(
          await app.execute('mutation($p: ID!, $v: ID!) { createTestSession(input: { projectId: $p, videoId: $v }) { id } }', { p: projectId, v: videoId }),
        ).createTestSession.id;
        const inserted = await upsert(videoId, { x: c, y: c, width: b1[0], height: b1[1] });
        expect(inserted.upsertGroundTruth.inserted).toBe(1);
        const boxId = dataOf(await app.execute('query($v: ID!) { video(id: $v) { groundTruth(first: 1) { nodes { id } } } }', { v: videoId })).video.groundTruth.nodes[0].id;
        dataOf(await ingest(sessionId, 0.5, { x: c, y: c, width: d1[0], height: d1[1] }));
        await upsert(videoId, { id: boxId, x: c, y: c, width: b2[0], height: b2[1] });
        // A more confident detection, identical to the box: it takes the box, with IoU 1.
        dataOf(await ingest(sessionId, 0.75, { x: c, y: c, width: b2[0], height: b2[1] }));
        dataOf(await ingest(sessionId, 0.25, { x: c, y: c, width: d2[0], height: d2[1] }));
        const read = dataOf(
          await app.execute('query($s: ID!) { testSession(id: $s) { evaluation { overall { tp fp fn } } detections(first: 10) { nodes { confidence match { iou outcome } } } } }', { s: sessionId }),
        ).testSession;
        for (const d of read.detections.nodes) if (d.match.iou !== null) expect(d.match.iou >= 0 && d.match.iou <= 1, JSON.stringify(d)).toBe(true);
        const best = read.detections.nodes.find((d: { confidence: number }) => d.confidence === 0.75);
        expect(best.match).toEqual({ iou: 1, outcome: 'TP' });
        expect(read.evaluation.overall).toEqual({ tp: 1, fp: 2, fn: 0 });
      }),
      { numRuns: 8 },
    );
  });
});
