// Matching sees the float4 values PostgreSQL stores, on every path (docs/evaluation.md): a new batch
// written with COPY is matched from the values the write computed (Math.fround of what was sent), not
// read back, and every other path reads the stored float4 exactly (as float8). So for any doubles —
// not only the small integers and 1/16 steps the other properties use — the write must store exactly
// what it computed, and the matches it keeps must equal a rebuild from the stored rows. Doubles exactly
// halfway between two float4s are generated on purpose: their shortest text may round the other way.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { rebuildLiveEvaluation } from '../../src/services/evaluation.maintenance.js';
import { describeEachDatabase } from '../support/databases.js';
import { insertProject, insertVideo } from '../support/factories.js';
import { createTestApp, dataOf, type TestApp } from '../support/test-app.js';
import { ingest, writeBoxes } from './writes.js';

const runs = Number(process.env.PROPERTY_RUNS ?? 25);
const createSession = `mutation($p: ID!, $v: ID!) { createTestSession(input: { projectId: $p, videoId: $v }) { id } }`;

const view = new DataView(new ArrayBuffer(4));
/** The double halfway between float4 `f` (≥ 0) and the next float4 up. */
function midpointAbove(f: number): number {
  view.setFloat32(0, f);
  view.setUint32(0, view.getUint32(0) + 1);
  return (f + view.getFloat32(0)) / 2;
}
/** `v`, or 0 when float4 cannot hold it (the API refuses a value that rounds to 0). */
const representable = (v: number) => (Math.fround(v) === 0 ? 0 : v);
/** Any double in [min, max] that float4 can hold (the API refuses one that rounds to 0), or one halfway between two float4s there. */
const doubleIn = (min: number, max: number) =>
  fc
    .oneof(
    fc.double({ min, max, noNaN: true }),
    fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true }).map((f) => Math.min(max, midpointAbove(Math.abs(f)))),
    // Offsets of a third or a tenth: IoUs land near the threshold and round either way.
    fc.tuple(fc.integer({ min: Math.ceil(min), max: Math.floor(max) }), fc.integer({ min: -9, max: 9 }), fc.constantFrom(3, 10, 7)).map(([i, k, q]) =>
      Math.min(max, Math.max(min, i + k / q)),
    ),
  )
    .filter((v) => representable(v) === v);
const boxValues = fc.record({ x: doubleIn(0, 8), y: doubleIn(0, 8), width: doubleIn(0.5, 4), height: doubleIn(0.5, 4) });
const frame = fc.integer({ min: 0, max: 2 });
const label = fc.constantFrom('car', 'person');
const detectionArb = fc.record({ frameNumber: frame, classLabel: label, confidence: doubleIn(0, 1), boundingBox: boxValues });
const boxArb = fc.record({ frameNumber: frame, classLabel: label, box: boxValues, difficult: fc.boolean() });

describeEachDatabase('float4 values in matching', (database) => {
  let db: Db;
  let app: TestApp;
  let projectId: string;

  beforeAll(async () => {
    db = database().db;
    app = await createTestApp(db, { CACHE: 'off' });
    projectId = await insertProject(db);
  });
  afterAll(async () => {
    await app?.close();
  });

  async function newLiveSession() {
    const videoId = await insertVideo(db, projectId);
    const sessionId = dataOf(await app.execute(createSession, { p: projectId, v: videoId })).createTestSession.id as string;
    return { videoId, sessionId };
  }

  it('a new batch is stored as Math.fround of every value sent, halfway doubles included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(detectionArb, { minLength: 1, maxLength: 40 }), async (detections) => {
        const { sessionId } = await newLiveSession();
        dataOf(await app.execute(ingest, { s: sessionId, d: detections.map((d) => ({ ...d, timestamp: d.frameNumber / 30 })) }));
        // Server ids count up in input order.
        const rows = await db.query<{ c: number; x: number; y: number; w: number; h: number }>(
          `SELECT confidence::float8 AS c, bounding_box_x::float8 AS x, bounding_box_y::float8 AS y,
             bounding_box_width::float8 AS w, bounding_box_height::float8 AS h
           FROM detection_events WHERE test_session_id = $1::uuid ORDER BY id`,
          [sessionId],
        );
        expect(rows.map((r) => [r.c, r.x, r.y, r.w, r.h].map(Number))).toEqual(
          detections.map((d) => [d.confidence, d.boundingBox.x, d.boundingBox.y, d.boundingBox.width, d.boundingBox.height].map(Math.fround)),
        );
      }),
      { numRuns: runs },
    );
  }, 120_000);

  it('the matches kept for new batches (from the write) and for updates (read back) equal a rebuild from the stored rows', async () => {
    let matched = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(boxArb, { minLength: 1, maxLength: 12 }),
        fc.array(detectionArb, { maxLength: 20 }),
        fc.array(detectionArb, { maxLength: 10 }),
        async (boxes, fresh, withIds) => {
          const s = await newLiveSession();
          const boxInputs = boxes.map((b) => ({ frameNumber: b.frameNumber, timestamp: 0, classLabel: b.classLabel, confidence: 1, ...b.box, difficult: b.difficult }));
          dataOf(await app.execute(writeBoxes, { v: s.videoId, o: boxInputs }));
          // Detections on the boxes, moved by the generated offsets: overlaps near the threshold.
          const onBoxes = (ds: typeof fresh) =>
            ds.map((d, i) => {
              const b = boxes[i % boxes.length];
              const { x, width, height } = d.boundingBox;
              // A sum below float4's smallest value would be refused (the API's rule), so it becomes 0.
              const box = { x: representable(b.box.x + x / 8), y: b.box.y, width: (b.box.width * (6 + width)) / 8, height: (b.box.height * (6 + height)) / 8 };
              return { ...d, frameNumber: b.frameNumber, classLabel: b.classLabel, timestamp: 0, boundingBox: box };
            });
          if (fresh.length) dataOf(await app.execute(ingest, { s: s.sessionId, d: onBoxes(fresh) }));
          if (withIds.length) dataOf(await app.execute(ingest, { s: s.sessionId, d: onBoxes(withIds).map((d) => ({ ...d, id: crypto.randomUUID() })) }));
          const kept = async () =>
            (await db.query<{ d: string; b: string; iou: number; ignored: boolean }>(
              `SELECT detection_id AS d, box_id AS b, iou, ignored FROM live_matches WHERE test_session_id = $1::uuid ORDER BY detection_id`,
              [s.sessionId],
            )).map((r) => [r.d, r.b, Number(r.iou), r.ignored]);
          const maintained = await kept();
          matched += maintained.length;
          expect(await rebuildLiveEvaluation(db, [s.sessionId])).toBe(1);
          expect(maintained).toEqual(await kept());
        },
      ),
      // The first example matches for sure, so the check below never depends on the draw; the second
      // moves a box by less than float4's smallest value.
      {
        numRuns: runs,
        examples: [
          [[{ frameNumber: 0, classLabel: 'car', box: { x: 1, y: 1, width: 2, height: 2 }, difficult: false }], [{ frameNumber: 0, classLabel: 'car', confidence: 0.5, boundingBox: { x: 0, y: 0, width: 2, height: 2 } }], []],
          [
            [{ frameNumber: 0, classLabel: 'car', box: { x: 0, y: 0, width: 0.5000000298023224, height: 0.5 }, difficult: false }],
            [],
            [{ frameNumber: 0, classLabel: 'car', confidence: 2.1019476964872256e-45, boundingBox: { x: 7.006492321624087e-46, y: 0, width: 0.5, height: 1 } }],
          ],
        ],
      },
    );
    expect(matched).toBeGreaterThan(0);
  }, 120_000);
});
