// Evaluation scenarios (issue 14), sequential, uncached: the evaluation read of the big session at the
// live threshold (from its maintained matches) and the same read on a server with EVALUATION_LIVE=false
// (matching on demand), map + mapCoco, applyEvaluation, and ingestDetections of 10,000 detections with
// live evaluation on vs off. The ingests alternate between the two servers (on, off, on, off, …) so a
// busy machine slows both alike; each goes into a new session of the big video, with detections made
// from that video's boxes (most match, a quarter are false positives), the append case of a detector
// streaming new frames. The sessions they create are deleted afterwards.
import postgres from 'postgres';
import { createPostgresDb, defaultPoolOptions } from '../src/db/client.js';
import { rebuildLiveEvaluation } from '../src/services/evaluation.maintenance.js';
import { record, type BenchContext } from './bench-context.js';
import { errorOf, post, type Reply } from './http-client.js';
import { measureSlow, type LoadResult } from './measure.js';
import type { Targets } from './scenarios.js';
import { startTruthgraph, type Truthgraph } from './truthgraph-process.js';

const evaluationRead = `query EvaluationRead($id: ID!, $t: Float!) {
  testSession(id: $id) { evaluation(iouThreshold: $t) { overall { tp fp fn precision recall f1 } perClass { classLabel tp fp fn precision recall f1 ap } map } }
}`;
const evaluationCoco = `query EvaluationCoco($id: ID!) { testSession(id: $id) { evaluation { map mapCoco } } }`;
const applyEvaluation = `mutation ApplyEvaluation($id: ID!) { applyEvaluation(testSessionId: $id, overwrite: true) { updated } }`;
const createSession = `mutation CreateSession($p: ID!, $v: ID!) { createTestSession(input: { projectId: $p, videoId: $v }) { id } }`;
const ingest = `mutation Ingest($s: ID!, $d: [DetectionInput!]!) { ingestDetections(testSessionId: $s, detections: $d) { inserted updated } }`;

const reply = (r: Reply) => {
  const st = r.headers.get('x-sql-statements');
  return { ok: !errorOf(r), bytes: r.text.length, statements: st === null ? null : Number(st) };
};

export interface EvaluationRunsResult {
  ingestRatio: number | null;
}

export async function evaluationRuns(ctx: BenchContext, live: Truthgraph, dbName: string, scale: string, targets: Targets): Promise<EvaluationRunsResult> {
  const { quick, problems, log } = ctx;
  const sql = postgres(ctx.dbUrl(dbName), { max: 1, onnotice: () => {} });
  const created: string[] = [];
  let off: Truthgraph | null = null;
  try {
    const [session] = await sql<{ id: string; videoId: string; projectId: string; n: number }[]>`
      SELECT t.id, t.video_id AS "videoId", t.project_id AS "projectId", (SELECT count(*)::int FROM detection_events d WHERE d.test_session_id = t.id) AS n
      FROM test_sessions t WHERE t.id = ${targets.bigSessionId}::uuid`;
    if (!session) {
      ctx.skipped.push('evaluation: the big session is not in the data set');
      return { ingestRatio: null };
    }
    // Sessions loaded by the seed were never live: make the big one live (what npm run db:rebuild-evaluations does).
    const db = createPostgresDb(ctx.dbUrl(dbName), { ...defaultPoolOptions, max: 1 });
    try {
      const t = performance.now();
      await rebuildLiveEvaluation(db, [session.id]);
      log(`  made the big session (${session.n.toLocaleString('en-US')} detections) live in ${(performance.now() - t).toFixed(0)} ms`);
    } finally {
      await db.close();
    }
    off = await startTruthgraph({ databaseUrl: ctx.dbUrl(dbName), cached: false, env: { EVALUATION_LIVE: 'false' }, log });
    const n = quick ? 3 : 15;
    const budget = quick ? 5_000 : 20_000;
    const run = async (key: string, title: string, t: Truthgraph, op: { query: string; variables: Record<string, unknown> }) => {
      const first = await post(t.server.url, op, t.headers);
      if (errorOf(first)) {
        problems.push(`${key}: ${errorOf(first)}`);
        return null;
      }
      const r = await measureSlow(async () => reply(await post(t.server.url, op, t.headers)), n, budget);
      record(ctx, key, title, 'uncached', scale, r);
      return r;
    };
    const liveRead = await run('eval-read-live', `evaluation of a ${session.n.toLocaleString('en-US')}-detection session at 0.5, live`, live, {
      query: evaluationRead,
      variables: { id: session.id, t: 0.5 },
    });
    const onDemand = await run('eval-read-on-demand', 'the same read with EVALUATION_LIVE=false (matching on demand)', off, {
      query: evaluationRead,
      variables: { id: session.id, t: 0.5 },
    });
    if (liveRead && onDemand) log(`  live read / on-demand read: ${(liveRead.p50 / onDemand.p50).toFixed(2)}`);
    await run('eval-map-coco', 'evaluation map + mapCoco (0.50:0.05:0.95)', live, { query: evaluationCoco, variables: { id: session.id } });
    await run('eval-apply', 'applyEvaluation (overwrite) of the big session', live, { query: applyEvaluation, variables: { id: session.id } });

    // 10,000 detections from the big video's boxes: three of four near a box (shifted by 5% of its
    // width, same class), every fourth a false positive of another class.
    const boxes = await sql<{ f: number; l: string; x: number; y: number; w: number; h: number }[]>`
      SELECT frame_number AS f, class_label AS l, x, y, width AS w, height AS h FROM ground_truth_objects
      WHERE video_id = ${session.videoId}::uuid ORDER BY frame_number, id LIMIT 7500`;
    const labels = [...new Set(boxes.map((b) => b.l))];
    const detections = Array.from({ length: 10_000 }, (_, i) => {
      const b = boxes[Math.floor((i * 3) / 4) % boxes.length];
      const fp = i % 4 === 3;
      return {
        frameNumber: b.f,
        timestamp: b.f / 30,
        classLabel: fp ? labels[(labels.indexOf(b.l) + 1) % labels.length] : b.l,
        confidence: ((i * 7919) % 1000) / 1000,
        boundingBox: { x: b.x + b.w * 0.05, y: b.y, width: b.w, height: b.h },
      };
    });
    // The first rounds of each server are warm-up (its ingest path not yet compiled: 1.5–2× slower),
    // as every other scenario has one; untimed.
    const warmup = quick ? 0 : 2;
    const rounds = quick ? 2 : 20;
    const times: Record<'live' | 'off', number[]> = { live: [], off: [] };
    const stmts: Record<'live' | 'off', number[]> = { live: [], off: [] };
    for (let i = 0; i < (warmup + rounds) * 2; i++) {
      const which = i % 2 === 0 ? 'live' : 'off';
      const t = which === 'live' ? live : off;
      const s = await post(t.server.url, { query: createSession, variables: { p: session.projectId, v: session.videoId } }, t.headers);
      if (errorOf(s)) {
        problems.push(`eval ingest: createTestSession failed: ${errorOf(s)}`);
        break;
      }
      const sessionId = JSON.parse(s.text).data.createTestSession.id as string;
      created.push(sessionId);
      const started = performance.now();
      const r = await post(t.server.url, { query: ingest, variables: { s: sessionId, d: detections } }, t.headers);
      const ms = performance.now() - started;
      if (errorOf(r)) {
        problems.push(`eval ingest (${which}): ${errorOf(r)}`);
        break;
      }
      if (i < warmup * 2) continue;
      times[which].push(ms);
      stmts[which].push(Number(r.headers.get('x-sql-statements')));
    }
    const asResult = (xs: number[], st: number[]): LoadResult => {
      const sorted = [...xs].sort((a, b) => a - b);
      const total = xs.reduce((a, b) => a + b, 0);
      return {
        concurrency: 1,
        durationS: total / 1000,
        requests: xs.length,
        rps: xs.length / (total / 1000),
        p50: sorted[Math.floor((sorted.length - 1) / 2)],
        p99: sorted[sorted.length - 1],
        mean: total / xs.length,
        max: sorted[sorted.length - 1],
        non2xx: 0,
        errors: 0,
        timeouts: 0,
        bytesPerResponse: 0,
        statementsPerRequest: st.length ? st.reduce((a, b) => a + b, 0) / st.length : null,
        cache: null,
      };
    };
    if (times.live.length && times.off.length) {
      const on = asResult(times.live, stmts.live);
      const without = asResult(times.off, stmts.off);
      const ratio = on.p50 / without.p50;
      record(ctx, 'eval-ingest-10k-live', 'ingestDetections, 10,000 new detections into a live session (append)', 'uncached', scale, on, `live / off p50: ${ratio.toFixed(2)}`);
      record(ctx, 'eval-ingest-10k-off', 'the same ingest with EVALUATION_LIVE=false', 'uncached', scale, without);
      log(`  ingest live / off (p50 of ${times.live.length} alternating rounds): ${ratio.toFixed(2)}`);
      return { ingestRatio: ratio };
    }
    return { ingestRatio: null };
  } finally {
    await off?.server.stop();
    if (created.length) await sql`DELETE FROM test_sessions WHERE id = ANY(${created}::uuid[])`;
    await sql.end({ timeout: 5 });
  }
}
