// Scenario 6: the write path, sequential: ingestDetections of 10,000 new detections (server ids),
// then of 10,000 detections with ids (the first call inserts, later ones update the same ids), and
// setValidationResults of 1,000 ids. Every request body is built before the timing starts.
import postgres from 'postgres';
import { record, type BenchContext } from './bench-context.js';
import { errorOf, mutationsMissing, notAvailable, post, type Reply } from './http-client.js';
import { measureSlow, type LoadResult } from './measure.js';
import { benchDetections, ingestDetections, newBenchDetections, setValidationResults, type DetectionShape } from './scenarios.js';
import type { Truthgraph } from './truthgraph-process.js';

async function sequential(n: number, budgetMs: number, send: (i: number) => Promise<Reply>): Promise<{ r: LoadResult; failure: string | null }> {
  let failure: string | null = null;
  let i = 0;
  const r = await measureSlow(
    async () => {
      const reply = await send(i++);
      const err = errorOf(reply);
      if (err && !failure) failure = err;
      const st = reply.headers.get('x-sql-statements');
      return { ok: !err, bytes: reply.text.length, statements: st === null ? null : Number(st) };
    },
    n,
    budgetMs,
  );
  return { r, failure };
}

export async function writeRuns(ctx: BenchContext, tg: Truthgraph, dbName: string, scale: string) {
  const { quick, skipped, problems, log } = ctx;
  const sql = postgres(ctx.dbUrl(dbName), { max: 1, onnotice: () => {} });
  let sessionId: string | undefined;
  let firstFrame = 0;
  try {
    [{ id: sessionId } = { id: undefined }] = await sql`SELECT id FROM test_sessions WHERE status = 'running' ORDER BY id LIMIT 1`;
    // New frames begin after the session's last one, as a detector's next calls would.
    if (sessionId) [{ next: firstFrame }] = await sql`SELECT coalesce(max(frame_number) + 1, 0)::int AS next FROM detection_events WHERE test_session_id = ${sessionId}::uuid`;
  } finally {
    await sql.end({ timeout: 5 });
  }
  if (!sessionId) {
    skipped.push('scenario 6: no running test session in the data set');
    return;
  }
  const noMutations = await mutationsMissing(tg.server.url, tg.headers);
  if (noMutations) {
    skipped.push(`scenario 6: ${noMutations}`);
    return;
  }
  // Find the DetectionInput shape the server accepts with a one-element call.
  let shape: DetectionShape | null = null;
  for (const candidate of ['nested-box', 'flat-box'] as DetectionShape[]) {
    const reply = await post(tg.server.url, { query: ingestDetections, variables: { sessionId, detections: benchDetections(1, candidate) } }, tg.headers);
    const missing = notAvailable(reply);
    if (missing) {
      skipped.push(`scenario 6 ingestDetections: ${missing}`);
      break;
    }
    if (!errorOf(reply)) {
      shape = candidate;
      break;
    }
    log(`  ingestDetections with ${candidate} input: ${errorOf(reply)}`);
  }
  if (shape) {
    // New detections without ids, as a detector posts them: the server makes time-ordered ids, every
    // call inserts 10,000 rows — the next 2,500 frames of the session's video, four detections each.
    // Then the same 10,000 detections posted again and again: every call inserts at the frames the
    // calls before it filled, in the middle of the session's index ranges (a pattern no detector
    // sends; reported beside, not a target). The rows are deleted after each run, so runs leave the
    // data set as they found it.
    const runs = quick ? 3 : 20;
    const successive = Array.from({ length: runs }, (_, i) => newBenchDetections(10_000, shape!, firstFrame + i * 2_500));
    // The first call's detections: the 2,500 frames after the session's last.
    const sameFrames = successive[0];
    const newRuns = [
      { key: 'write-ingest-10k-new', title: 'ingestDetections, 10,000 new detections (server ids), each call the next 2,500 frames', detections: (i: number) => successive[i] },
      { key: 'write-ingest-10k-same-frames', title: 'the same 10,000 new detections posted again (the same 2,500 frames each call)', detections: () => sameFrames },
    ];
    for (const run of newRuns) {
      const runStarted = new Date();
      const inserts = await sequential(runs, quick ? 5_000 : 30_000, (i) =>
        post(tg.server.url, { query: ingestDetections, variables: { sessionId, detections: run.detections(i) } }, tg.headers),
      );
      if (inserts.failure) problems.push(`${run.key} failed: ${inserts.failure}`);
      else record(ctx, run.key, run.title, 'uncached', scale, inserts.r);
      const cleanup = postgres(ctx.dbUrl(dbName), { max: 1, onnotice: () => {} });
      try {
        const [{ n }] = await cleanup`WITH d AS (DELETE FROM detection_events WHERE test_session_id = ${sessionId}::uuid
          AND created_at >= ${runStarted} RETURNING 1) SELECT count(*)::int AS n FROM d`;
        log(`  removed the ${n.toLocaleString('en-US')} detections ${run.key} inserted`);
        // Without it the rows after this one walk the deleted rows' index entries (docs/benchmarks.md).
        await cleanup`VACUUM (ANALYZE) detection_events`;
      } finally {
        await cleanup.end({ timeout: 5 });
      }
    }
    const detections = benchDetections(10_000, shape);
    const rounds = Array.from({ length: runs }, (_, i) => (i ? benchDetections(10_000, shape!, i) : detections));
    const body = (round: number) => ({ query: ingestDetections, variables: { sessionId, detections: rounds[round] } });
    // The first call inserts (or updates rows left by an earlier run); later calls update all 10,000.
    const { r, failure } = await sequential(runs, quick ? 5_000 : 30_000, (i) => post(tg.server.url, body(i), tg.headers));
    if (failure) problems.push(`ingestDetections failed: ${failure}`);
    else record(ctx, 'write-ingest-10k', 'ingestDetections, 10,000 detections with client ids (upsert: the first call inserts, then updates)', 'uncached', scale, r);
    const ids = detections.slice(0, 1000).map((d) => d.id);
    const reply = await post(tg.server.url, { query: setValidationResults, variables: { ids, result: 'TP' } }, tg.headers);
    const missing = notAvailable(reply);
    if (missing) skipped.push(`scenario 6 setValidationResults: ${missing}`);
    else {
      const v = await sequential(quick ? 5 : 40, quick ? 3_000 : 20_000, (i) =>
        post(tg.server.url, { query: setValidationResults, variables: { ids, result: i % 2 ? 'TP' : 'FP' } }, tg.headers),
      );
      if (v.failure) problems.push(`setValidationResults failed: ${v.failure}`);
      else record(ctx, 'write-validate-1k', 'setValidationResults, 1,000 ids', 'uncached', scale, v.r);
    }
  } else if (!skipped.some((s) => s.startsWith('scenario 6 ingestDetections'))) {
    problems.push('scenario 6: the server rejected every DetectionInput shape tried (see the log)');
  }
}
