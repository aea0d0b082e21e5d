// Bulk writes are set-based: a 10-element and a 10,000-element batch send the same statements in one
// transaction (the parent lock and one upsert), so cost grows with rows, never with round trips.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { describeEachDatabase } from '../support/databases.js';
import { box, createWriteHarness, detection, M, type WriteHarness } from '../support/write-harness.js';

/** The database handle with its transactions counted (the request-scoped views share the count). */
function countingTransactions(db: Db, counter: { n: number }): Db {
  return {
    ...db,
    query: db.query,
    transaction: (fn) => {
      counter.n++;
      return db.transaction(fn);
    },
    counted: (stats) => countingTransactions(db.counted(stats), counter),
  };
}

describeEachDatabase('bulk write statement count', (database) => {
  let h: WriteHarness;
  const transactions = { n: 0 };
  let videoId: string;
  let sessionId: string;

  beforeAll(async () => {
    h = await createWriteHarness(countingTransactions(database().db, transactions));
    const projectId = (await h.ok(M.createProject, { input: { name: 'stmts' } })).createProject.id;
    videoId = (await h.ok(M.createVideo, { input: { projectId, filename: 'a.mp4', duration: 1, fileSize: 1 } })).createVideo.id;
    sessionId = (await h.ok(M.createTestSession, { input: { projectId, videoId } })).createTestSession.id;
  });
  afterAll(() => h?.stop());

  it('ingestDetections sends the same statements in one transaction for 10 and for 10,000 rows', async () => {
    const run = async (n: number) => {
      transactions.n = 0;
      const r = await h.run(M.ingestDetections, { testSessionId: sessionId, detections: Array.from({ length: n }, () => detection()) });
      expect(r.errors).toBeUndefined();
      expect(r.data!.ingestDetections).toEqual({ inserted: n, updated: 0 });
      return { statements: r.statements, transactions: transactions.n };
    };
    const small = await run(10);
    const large = await run(10_000);
    expect(large).toEqual(small);
    // Lock and upsert, then live evaluation's read of the touched groups (docs/evaluation.md); the
    // video has no boxes, so no match changes and nothing more is written.
    expect(large).toEqual({ statements: 3, transactions: 1 });
    const [{ n }] = await database().db.query<{ n: number }>(`SELECT detections_pending AS n FROM test_sessions WHERE id = $1`, [sessionId]);
    expect(n).toBe(10_010);
  });

  it('ingestDetections with client ids (an upsert) sends the same statements for 10 and for 10,000 rows, inserting then updating', async () => {
    const batch = (n: number) => Array.from({ length: n }, () => detection({ id: randomUUID() }));
    const counts: string[] = [];
    for (const n of [10, 10_000]) {
      const detections = batch(n);
      for (const expected of [{ inserted: n, updated: 0 }, { inserted: 0, updated: n }]) {
        transactions.n = 0;
        const r = await h.run(M.ingestDetections, { testSessionId: sessionId, detections });
        expect(r.data!.ingestDetections).toEqual(expected);
        expect(transactions.n).toBe(1);
        counts.push(`${expected.inserted ? 'insert' : 'update'} ${r.statements}`);
      }
    }
    // The same statements for 10 and for 10,000 rows, inserting and updating alike.
    expect(counts.slice(2)).toEqual(counts.slice(0, 2));
    // A batch mixing client ids (here all known) and rows without one upserts the first and inserts the rest.
    const known = (await database().db.query<{ id: string }>(`SELECT id FROM detection_events WHERE test_session_id = $1 LIMIT 5`, [sessionId])).map((r) => r.id);
    const r = await h.run(M.ingestDetections, { testSessionId: sessionId, detections: [...known.map((id) => detection({ id })), detection(), detection()] });
    expect(r.data!.ingestDetections).toEqual({ inserted: 2, updated: 5 });
  });

  it('upsertGroundTruth sends the same statements in one transaction for 10 and for 10,000 rows', async () => {
    const run = async (n: number) => {
      transactions.n = 0;
      const r = await h.run(M.upsertGroundTruth, { videoId, objects: Array.from({ length: n }, () => box()) });
      expect(r.data!.upsertGroundTruth.inserted).toBe(n);
      return { statements: r.statements, transactions: transactions.n };
    };
    const small = await run(10);
    expect(await run(10_000)).toEqual(small);
    // Lock and upsert, then live evaluation: lock the video's live session, read the touched groups,
    // write the matches the new boxes made (docs/evaluation.md).
    expect(small).toEqual({ statements: 5, transactions: 1 });
  });

  it('setValidationResults over 10,000 ids is one lock and one update', async () => {
    const ids = (await database().db.query<{ id: string }>(`SELECT id FROM detection_events WHERE test_session_id = $1 LIMIT 10000`, [sessionId])).map((r) => r.id);
    transactions.n = 0;
    const r = await h.run(M.setValidationResults, { detectionIds: ids, result: 'TP' });
    expect(r.data!.setValidationResults).toBe(10_000);
    expect({ statements: r.statements, transactions: transactions.n }).toEqual({ statements: 2, transactions: 1 });
  });
});
