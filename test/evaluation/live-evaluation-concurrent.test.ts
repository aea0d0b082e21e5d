// Live evaluation under concurrent writes (docs/evaluation.md): ingests into two live sessions of one
// video, box upserts (new boxes and edits) and box deletes on that video, all sent at the same time
// round after round. Every write must succeed (no deadlock), and after each round the kept matches of
// both sessions equal the reference recomputed from scratch: a write that re-matched from a snapshot
// missing another's committed rows would leave a stale match. PostgreSQL only, where the writes run
// on separate connections (PGlite runs them one after another, which live-evaluation.test.ts covers).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { createTestDatabase, postgresUrl, type TestDatabase } from '../support/databases.js';
import { insertProject, insertVideo } from '../support/factories.js';
import { createTestApp, dataOf, type TestApp } from '../support/test-app.js';
import { boxArb, detectionArb, near, nearArb } from './generators.js';
import { keptMatches } from './kept-matches.js';
import { referenceEvaluation, type RefBox, type RefDetection } from './reference.js';
import { boxInput, deleteBoxes, detectionInput, ingest, writeBoxes } from './writes.js';

const runs = Number(process.env.PROPERTY_RUNS ?? 25);
const createSession = `mutation($p: ID!, $v: ID!) { createTestSession(input: { projectId: $p, videoId: $v }) { id } }`;
const countsQuery = `query($id: ID!) { testSession(id: $id) { evaluation { perClass { classLabel tp fp fn } } } }`;

const roundArb = fc.record({
  ingestA: fc.array(detectionArb, { maxLength: 3 }),
  nearA: nearArb(5),
  ingestB: fc.array(detectionArb, { maxLength: 3 }),
  nearB: nearArb(5),
  fresh: fc.array(boxArb, { maxLength: 4 }),
  edits: fc.array(fc.record({ pick: fc.nat({ max: 1000 }), box: boxArb }), { maxLength: 3 }),
  deletes: fc.array(fc.nat({ max: 1000 }), { maxLength: 3 }),
});

describe.skipIf(!postgresUrl)('live evaluation under concurrent writes [postgres]', () => {
  let database: TestDatabase;
  let db: Db;
  let app: TestApp;
  let projectId: string;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    db = database.db;
    app = await createTestApp(db, { CACHE: 'off' });
    projectId = await insertProject(db);
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  async function expectKeptEqualsReference(sessionId: string, detections: RefDetection[], boxes: RefBox[]) {
    const ref = referenceEvaluation(detections, boxes, 0.5, 0);
    expect(await keptMatches(db, sessionId, detections)).toEqual(ref.matches);
    const answer = dataOf(await app.execute(countsQuery, { id: sessionId })).testSession.evaluation.perClass;
    expect(answer).toEqual(ref.perClass.map((c) => ({ classLabel: c.classLabel, tp: c.tp, fp: c.fp, fn: c.fn })));
  }

  it('ingests into two sessions, box edits and deletes sent together leave both sessions equal to the reference', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(boxArb, { maxLength: 8 }), fc.array(roundArb, { minLength: 1, maxLength: 4 }), async (startBoxes, rounds) => {
        const videoId = await insertVideo(db, projectId);
        const [a, b] = await Promise.all([0, 1].map(async () => dataOf(await app.execute(createSession, { p: projectId, v: videoId })).createTestSession.id as string));
        let boxes: RefBox[] = startBoxes.map((x) => ({ ...x, id: crypto.randomUUID() }));
        if (boxes.length) dataOf(await app.execute(writeBoxes, { v: videoId, o: boxes.map(boxInput) }));
        const detections: Record<string, RefDetection[]> = { [a]: [], [b]: [] };
        for (const r of rounds) {
          const fresh = { [a]: [...r.ingestA.map((d) => ({ ...d, id: crypto.randomUUID() })), ...near(boxes, r.nearA)], [b]: [...r.ingestB.map((d) => ({ ...d, id: crypto.randomUUID() })), ...near(boxes, r.nearB)] };
          // Edits and deletes touch different boxes, so the outcome does not depend on their order.
          const deleted = new Set(boxes.length ? r.deletes.map((p) => boxes[p % boxes.length].id) : []);
          const edits = new Map(boxes.length ? r.edits.map((e) => [boxes[e.pick % boxes.length].id, e.box] as const).filter(([id]) => !deleted.has(id)) : []);
          const newBoxes = r.fresh.map((x) => ({ ...x, id: crypto.randomUUID() }));
          const upserts = [...[...edits].map(([id, box]) => ({ ...box, id })), ...newBoxes];
          const writes = [
            ...[a, b].filter((s) => fresh[s].length).map((s) => app.execute(ingest, { s, d: fresh[s].map(detectionInput) })),
            ...(upserts.length ? [app.execute(writeBoxes, { v: videoId, o: upserts.map(boxInput) })] : []),
            ...(deleted.size ? [app.execute(deleteBoxes, { ids: [...deleted] })] : []),
          ];
          for (const res of await Promise.all(writes)) dataOf(res);
          detections[a].push(...fresh[a]);
          detections[b].push(...fresh[b]);
          boxes = [...boxes.filter((x) => !deleted.has(x.id)).map((x) => (edits.has(x.id) ? { ...edits.get(x.id)!, id: x.id } : x)), ...newBoxes];
          await expectKeptEqualsReference(a, detections[a], boxes);
          await expectKeptEqualsReference(b, detections[b], boxes);
        }
      }),
      { numRuns: runs, endOnFailure: true },
    );
  }, 600_000);
});
