// SQL that keeps live evaluation current (docs/evaluation.md): the inputs of the (frame, class) groups a
// write touched, read in one statement (after the write; an ingest of new detections reads before it);
// the changed matches written back in one statement; starting and ending live sessions. Matching runs
// in Node (src/evaluation/matching.ts), never a round trip per frame or group. The reads of live
// sessions are in live-evaluation-reads.queries.ts.
import { sql } from 'drizzle-orm';
import type { Queryable, Transaction } from '../client.js';
import { CopyBuffer, copyTarget, copyText } from '../copy.js';
import { uuidArray } from '../params.js';
import {
  detectionEvents as d,
  groundTruthObjects as g,
  liveEvaluations as e,
  liveMatches as m,
  testSessions as t,
} from '../schema.js';
import { Statement } from '../statement.js';
import {
  boxItem,
  detectionFields,
  detectionOfItem,
  parseBoxItems,
  type DetectionItem,
  type EvaluationBox,
  type EvaluationDetection,
} from './evaluation.queries.js';

/** What a write touched: sessions or videos, and the detections or boxes it wrote or deleted. */
export interface Touched {
  sessionIds?: readonly string[];
  videoIds?: readonly string[];
  detectionIds?: readonly string[];
  boxIds?: readonly string[];
  /**
   * New detections of session `sessionId`, with ids `first`..`last` made by the server (uuidv7Batch
   * counts up), so none had a match. Their (frame, class) groups are sent (from `rows`) instead of
   * found from the rows, and they are handed over as stored (`stored`, called after the read and only
   * when a live session needs them), so they are neither sent as 10,000 ids nor read back. The caller
   * may read before it writes them (the read then overlaps nothing of the batch); should it read after,
   * only rows this transaction wrote in the id range are left out of the read (another detection of the
   * session may carry any id a client chose), and a batch row read back anyway is taken once.
   */
  newDetections?: {
    sessionId: string;
    first: string;
    last: string;
    rows: readonly { frameNumber: number; classLabel: string }[];
    stored: () => readonly EvaluationDetection[];
  };
}

const touchedParams = (x: Touched) => ({
  sessions: uuidArray(x.sessionIds ?? []),
  videos: uuidArray(x.videoIds ?? []),
  detections: uuidArray(x.detectionIds ?? []),
  boxes: uuidArray(x.boxIds ?? []),
});

const lockStatement = new Statement(sql`/* lockLiveSessionsOfVideos */
  SELECT ${t.id} AS id FROM ${t}
  WHERE ${t.videoId} = ANY(${sql.placeholder('videos')}::uuid[])
    AND EXISTS (SELECT 1 FROM ${e} WHERE ${e.testSessionId} = ${t.id})
  ORDER BY ${t.id} FOR NO KEY UPDATE`);

/**
 * Locks, in id order, the live sessions of videos whose boxes a write changed. An ingest locks its
 * session too, so a box write and an ingest into a session of its video re-match one after the other,
 * each reading what the other committed (otherwise neither would see the other's rows). Session
 * creation takes the video's lock, as box writes do, so no live session appears unseen meanwhile.
 */
export async function lockLiveSessionsOfVideos(db: Queryable, videoIds: readonly string[]): Promise<string[]> {
  const rows = await lockStatement.run<{ id: string }>(db, { videos: uuidArray(videoIds) });
  return rows.map((r) => r.id);
}

// The touched sessions: given, or every session of a touched video. A live row at another threshold
// is dropped here (this write does not maintain it), so no row is ever stale.
const touchedSessions = sql`SELECT ${t.id} FROM ${t}
  WHERE ${t.id} = ANY(${sql.placeholder('sessions')}::uuid[]) OR ${t.videoId} = ANY(${sql.placeholder('videos')}::uuid[])`;

// Not one of the new detections the caller hands over (Touched.newDetections): rows this transaction
// wrote with an id in their range.
const notNew = sql`NOT coalesce(${d.id} BETWEEN ${sql.placeholder('first')}::uuid AND ${sql.placeholder('last')}::uuid
  AND ${d}.xmin = pg_current_xact_id()::xid, false)`;

// A touched group's detections with their current match: through the (session, class) index for a
// few groups; for many, the sessions' detections are read once (a materialized CTE, which the planner
// cannot walk per group) and hashed against the groups. The planner cannot know how
// many groups `grp` holds (it guesses a dozen) and walked the index once per group, 500 rows each:
// 0.8 s for the 7,000 groups of a 10,000-detection ingest.
const ddFew = sql`SELECT ${d.testSessionId} AS sid,
    json_build_array(${detectionFields}, ${m.boxId}, ${m.iou}, ${m.ignored}, ${m.frameNumber}, ${m.classLabel}) AS j
  FROM ${d} JOIN grp ON ${d.testSessionId} = grp.sid AND ${d.frameNumber} = grp.f AND ${d.classLabel} = grp.l
  LEFT JOIN ${m} ON ${m.testSessionId} = ${d.testSessionId} AND ${m.detectionId} = ${d.id}
  WHERE (${m.detectionId} IS NOT NULL OR (${d.testSessionId}, ${d.frameNumber}, ${d.classLabel}) IN (SELECT sid, f, l FROM bg)) AND ${notNew}`;
const ddMany = sql`SELECT sd.sid,
    json_build_array(sd.id, sd.f, sd.l, sd.c, sd.x, sd.y, sd.w, sd.h, ${m.boxId}, ${m.iou}, ${m.ignored}, ${m.frameNumber}, ${m.classLabel}) AS j
  FROM sd JOIN grp ON grp.sid = sd.sid AND grp.f = sd.f AND grp.l = sd.l
  LEFT JOIN ${m} ON ${m.testSessionId} = sd.sid AND ${m.detectionId} = sd.id
  WHERE ${m.detectionId} IS NOT NULL OR (sd.sid, sd.f, sd.l) IN (SELECT sid, f, l FROM bg)`;
const sessionDetections = sql`sd AS MATERIALIZED (
    SELECT ${d.testSessionId} AS sid, ${d.id} AS id, ${d.frameNumber} AS f, ${d.classLabel} AS l, ${d.confidence}::float8 AS c,
      ${d.boundingBoxX}::float8 AS x, ${d.boundingBoxY}::float8 AS y, ${d.boundingBoxWidth}::float8 AS w, ${d.boundingBoxHeight}::float8 AS h
    FROM ${d} WHERE ${d.testSessionId} IN (SELECT id FROM s) AND ${notNew}
  ),`;

// The touched groups' boxes: through the (video, frame, class) index for a few groups. For many, the
// videos' boxes are read once and each is looked up in a hash of the groups: the planner cannot know
// how many groups there are (it guesses one) and walked the index once per group (36 ms for the 7,000
// groups of a 10,000-detection ingest), and so would any join it made of them. `IS TRUE` keeps the
// IN a hashed subplan, which the planner would otherwise turn into such a join.
const bxFew = sql`SELECT ${g.videoId} AS video_id, ${g.frameNumber} AS f, ${g.classLabel} AS l, ${boxItem} AS j
    FROM ${g} JOIN vg ON ${g.videoId} = vg.video_id AND ${g.frameNumber} = vg.f AND ${g.classLabel} = vg.l`;
const bxMany = sql`SELECT ${g.videoId} AS video_id, ${g.frameNumber} AS f, ${g.classLabel} AS l, ${boxItem} AS j
    FROM ${g} WHERE ${g.videoId} IN (SELECT video_id FROM s)
      AND ((${g.videoId}, ${g.frameNumber}, ${g.classLabel}) IN (SELECT video_id, f, l FROM vg)) IS TRUE`;

const inputsSql = (many: boolean) => sql`/* liveMatchInputs */
  WITH dropped AS (
    DELETE FROM ${e} WHERE ${e.iouThreshold} <> ${sql.placeholder('threshold')}::float8 AND ${e.testSessionId} IN (${touchedSessions})
    RETURNING ${e.testSessionId}
  ),
  dropped_matches AS (DELETE FROM ${m} WHERE ${m.testSessionId} IN (SELECT test_session_id FROM dropped)),
  s AS (
    SELECT ${t.id} AS id, ${t.videoId} AS video_id FROM ${t} JOIN ${e} ON ${e.testSessionId} = ${t.id}
    WHERE ${e.iouThreshold} = ${sql.placeholder('threshold')}::float8 AND ${t.id} IN (${touchedSessions})
  ),
  -- The groups to re-match: where written detections and boxes are now, and where a detection or box
  -- that had a match was when it matched (a group a detection or an unmatched box leaves keeps its
  -- matching, so those need no re-match).
  grp AS (
    SELECT ${d.testSessionId} AS sid, ${d.frameNumber} AS f, ${d.classLabel} AS l FROM ${d}
    WHERE ${d.id} = ANY(${sql.placeholder('detections')}::uuid[]) AND ${d.testSessionId} IN (SELECT id FROM s)
    UNION
    SELECT s.id, b.f, b.l FROM s, json_to_recordset(${sql.placeholder('batchGroups')}::json) AS b(f int, l text)
    WHERE s.id = ${sql.placeholder('batchSession')}::uuid
    UNION
    SELECT ${m.testSessionId}, ${m.frameNumber}, ${m.classLabel} FROM ${m}
    WHERE ${m.testSessionId} IN (SELECT id FROM s) AND ${m.detectionId} = ANY(${sql.placeholder('detections')}::uuid[])
    UNION
    SELECT ${m.testSessionId}, ${m.frameNumber}, ${m.classLabel} FROM ${m}
    WHERE ${m.testSessionId} IN (SELECT id FROM s) AND ${m.boxId} = ANY(${sql.placeholder('boxes')}::uuid[])
    UNION
    SELECT s.id, ${g.frameNumber}, ${g.classLabel} FROM ${g} JOIN s ON s.video_id = ${g.videoId}
    WHERE ${g.id} = ANY(${sql.placeholder('boxes')}::uuid[])
  ),
  vg AS (SELECT DISTINCT s.video_id, grp.f, grp.l FROM grp JOIN s ON s.id = grp.sid),
  bx AS MATERIALIZED (${many ? bxMany : bxFew}),
  -- Only in a group with a box can a detection match. Of the other groups only the detections that
  -- still have a match are read (a box moved or deleted away from the group: the match goes); the
  -- rest were FPs and stay FPs, so a new frame or class without ground truth is neither read nor written.
  bg AS (SELECT DISTINCT s.id AS sid, bx.f, bx.l FROM bx JOIN s ON s.video_id = bx.video_id),
  ${many ? sessionDetections : sql``}
  dd AS (${many ? ddMany : ddFew})
  SELECT 'd' AS kind, sid AS parent, json_agg(j)::text AS items FROM dd GROUP BY sid
  UNION ALL
  SELECT 'g', video_id, json_agg(j)::text FROM bx GROUP BY video_id
  UNION ALL
  SELECT 's', id, video_id::text FROM s`;

// More touched rows than this read the touched sessions whole (ddMany).
const manyTouched = 200;
const inputsStatements = { few: new Statement(inputsSql(false)), many: new Statement(inputsSql(true)) };

/** A detection of a touched group with its current live match (null: FP). */
export interface LiveDetection extends EvaluationDetection {
  current: { boxId: string; iou: number; ignored: boolean; frameNumber: number; classLabel: string } | null;
}

export interface LiveInputs {
  /** The touched live sessions at the threshold, with their video. */
  sessions: { id: string; videoId: string }[];
  detectionsOf(sessionId: string): LiveDetection[];
  boxesOf(videoId: string): EvaluationBox[];
}

/** A detection with its current match (null fields when it has none). */
type LiveDetectionItem = [...DetectionItem, boxId: string | null, iou: number | null, ignored: boolean | null, matchFrame: number | null, matchLabel: string | null];

/** Every detection and box of the groups `touched` changed, in the live sessions at `threshold`. */
export async function liveMatchInputs(db: Queryable, threshold: number, touched: Touched): Promise<LiveInputs> {
  const fresh = touched.newDetections;
  const many = (touched.detectionIds?.length ?? 0) + (touched.boxIds?.length ?? 0) + (fresh?.rows.length ?? 0) > manyTouched;
  const statement = many ? inputsStatements.many : inputsStatements.few;
  const rows = await statement.run<{ kind: 'd' | 'g' | 's'; parent: string; items: string }>(db, {
    threshold,
    ...touchedParams(touched),
    first: fresh?.first ?? null,
    last: fresh?.last ?? null,
    batchSession: fresh?.sessionId ?? null,
    batchGroups: groupsOf(fresh?.rows ?? []),
  });
  const sessions: LiveInputs['sessions'] = [];
  const detections = new Map<string, LiveDetection[]>();
  const boxes = new Map<string, EvaluationBox[]>();
  for (const r of rows) {
    if (r.kind === 's') sessions.push({ id: r.parent, videoId: r.items });
    else if (r.kind === 'd') {
      detections.set(
        r.parent,
        (JSON.parse(r.items) as LiveDetectionItem[]).map((item) => {
          const boxId = item[8];
          const current = boxId === null ? null : { boxId, iou: item[9]!, ignored: item[10]!, frameNumber: item[11]!, classLabel: item[12]! };
          return liveDetection(detectionOfItem(r.parent, item), current);
        }),
      );
    } else boxes.set(r.parent, parseBoxItems(r.parent, r.items));
  }
  if (fresh && sessions.length) appendNew(detections, fresh, fresh.stored());
  return { sessions, detectionsOf: (id) => detections.get(id) ?? [], boxesOf: (id) => boxes.get(id) ?? [] };
}

/** The (frame, class) groups of a batch, once each, as the inputs statement's JSON parameter. */
function groupsOf(batch: readonly { frameNumber: number; classLabel: string }[]): string {
  const seen = new Set<string>();
  const groups: { f: number; l: string }[] = [];
  for (const d of batch) {
    const key = `${d.frameNumber}/${d.classLabel}`;
    if (!seen.has(key)) {
      seen.add(key);
      groups.push({ f: d.frameNumber, l: d.classLabel });
    }
  }
  return JSON.stringify(groups);
}

/** Adds the new batch to what was read, where the read holds none of it (or, should it ever, once). */
function appendNew(detections: Map<string, LiveDetection[]>, fresh: NonNullable<Touched['newDetections']>, rows: readonly EvaluationDetection[]): void {
  const readBack = (d: LiveDetection) => d.id >= fresh.first && d.id <= fresh.last;
  for (const [session, list] of detections) {
    if (list.some(readBack)) {
      const ids = new Set(rows.map((r) => r.id));
      detections.set(session, list.filter((d) => !ids.has(d.id)));
    }
  }
  for (const row of rows) {
    let list = detections.get(row.testSessionId);
    if (!list) detections.set(row.testSessionId, (list = []));
    list.push(liveDetection(row, null));
  }
}

/**
 * A detection with its current match, built as one object literal: `{ ...detection, current }` made
 * objects that matching walked 3–5× slower (prepareMatching 30–60 ms instead of 5–10 for a
 * 10,000-detection ingest, Node 20).
 */
function liveDetection(d: EvaluationDetection, current: LiveDetection['current']): LiveDetection {
  return {
    id: d.id,
    testSessionId: d.testSessionId,
    frameNumber: d.frameNumber,
    classLabel: d.classLabel,
    confidence: d.confidence,
    boundingBoxX: d.boundingBoxX,
    boundingBoxY: d.boundingBoxY,
    boundingBoxWidth: d.boundingBoxWidth,
    boundingBoxHeight: d.boundingBoxHeight,
    current,
  };
}

/** A live match as the write's JSON parameter carries it. */
export interface LiveMatchJsonRow {
  s: string;
  d: string;
  f: number;
  l: string;
  b: string;
  i: number;
  x: boolean;
}

const writeStatement = new Statement(sql`/* writeLiveMatches */
  WITH gone AS (
    DELETE FROM ${m} USING json_to_recordset(${sql.placeholder('gone')}::json) AS r(s uuid, d uuid)
    WHERE ${m.testSessionId} = r.s AND ${m.detectionId} = r.d
  )
  INSERT INTO ${m} (test_session_id, detection_id, frame_number, class_label, box_id, iou, ignored)
  SELECT r.s, r.d, r.f, r.l, r.b, r.i, r.x
  FROM json_to_recordset(${sql.placeholder('rows')}::json) AS r(s uuid, d uuid, f int, l text, b uuid, i float8, x boolean)
  ORDER BY r.s, r.d
  ON CONFLICT (test_session_id, detection_id) DO UPDATE SET
    frame_number = EXCLUDED.frame_number, class_label = EXCLUDED.class_label, box_id = EXCLUDED.box_id,
    iou = EXCLUDED.iou, ignored = EXCLUDED.ignored`);

const matchCopyTarget = copyTarget(m, [m.testSessionId, m.detectionId, m.frameNumber, m.classLabel, m.boxId, m.iou, m.ignored]);

/**
 * The write that removes the matches of detections now FP (`gone`) and writes those of detections that
 * had a match (`changed`) and of those that had none (`added`); disjoint sets. Its data is built now and
 * sent when the answer is called, so an ingest builds it while its COPY runs. When there are only
 * additions (an ingest of new detections, a rebuild) they cannot conflict, so they go in with one COPY:
 * no JSON to parse, no ON CONFLICT. One statement either way.
 */
export function liveMatchesWrite(
  gone: readonly { s: string; d: string }[],
  changed: readonly LiveMatchJsonRow[],
  added: readonly LiveMatchJsonRow[],
): (tx: Transaction) => Promise<void> {
  if (gone.length === 0 && changed.length === 0) {
    const out = new CopyBuffer(added.length * 160);
    // An IoU prints as the shortest text that reads back to the same double.
    for (const r of added) out.add(`${r.s}\t${r.d}\t${r.f}\t${copyText(r.l)}\t${r.b}\t${r.i}\t${r.x ? 't' : 'f'}\n`);
    const data = out.bytes();
    return (tx) => tx.copyIn('writeLiveMatches', matchCopyTarget, data);
  }
  const params = writeStatement.values({ gone: JSON.stringify(gone), rows: JSON.stringify([...changed, ...added]) });
  return async (tx) => {
    await tx.query(writeStatement.text, params);
  };
}

const dropStatement = new Statement(sql`/* dropLiveEvaluations */
  WITH gone AS (DELETE FROM ${e} WHERE ${e.testSessionId} IN (${touchedSessions}) RETURNING ${e.testSessionId})
  DELETE FROM ${m} WHERE ${m.testSessionId} IN (SELECT test_session_id FROM gone)`);

/** Ends live evaluation of the touched sessions (a write that does not maintain them), with their matches. */
export async function dropLiveEvaluations(db: Queryable, touched: Pick<Touched, 'sessionIds' | 'videoIds'>): Promise<void> {
  await dropStatement.run(db, touchedParams(touched));
}

const startStatement = new Statement(sql`/* startLiveEvaluation */
  WITH gone AS (DELETE FROM ${m} WHERE ${m.testSessionId} = ${sql.placeholder('session')}::uuid)
  INSERT INTO ${e} (test_session_id, iou_threshold) VALUES (${sql.placeholder('session')}::uuid, ${sql.placeholder('threshold')}::float8)
  ON CONFLICT (test_session_id) DO UPDATE SET iou_threshold = EXCLUDED.iou_threshold`);

/**
 * Makes a session live at `threshold` with no matches yet: right for a new session; a rebuild writes
 * every match next in the same transaction. Earlier matches are dropped.
 */
export async function startLiveEvaluation(db: Queryable, sessionId: string, threshold: number): Promise<void> {
  await startStatement.run(db, { session: sessionId, threshold });
}

const videoStatement = new Statement(sql`/* videoOfSession */ SELECT ${t.videoId} AS "videoId" FROM ${t} WHERE ${t.id} = ${sql.placeholder('id')}::uuid`);

const dropMatchesStatement = new Statement(sql`/* dropLiveMatches */
  DELETE FROM ${m} WHERE ${m.testSessionId} = ANY(${sql.placeholder('sessions')}::uuid[])`);

/** Deletes the matches of sessions about to be deleted (live_matches has no foreign key to cascade). */
export async function dropLiveMatches(db: Queryable, sessionIds: readonly string[]): Promise<void> {
  if (sessionIds.length === 0) return;
  await dropMatchesStatement.run(db, { sessions: uuidArray(sessionIds) });
}

/** A session's video (never changes), read before locking the video, then the session, as box writes lock them. */
export async function videoOfSession(db: Queryable, sessionId: string): Promise<string | null> {
  const [row] = await videoStatement.run<{ videoId: string }>(db, { id: sessionId });
  return row?.videoId ?? null;
}

const notLiveStatement = new Statement(sql`/* sessionsNotLive */
  SELECT ${t.id} AS id FROM ${t} LEFT JOIN ${e} ON ${e.testSessionId} = ${t.id}
  WHERE ${e.iouThreshold} IS DISTINCT FROM ${sql.placeholder('threshold')}::float8 ORDER BY ${t.id}`);

/** Sessions not live at `threshold`: what a rebuild makes live. */
export async function sessionsNotLive(db: Queryable, threshold: number): Promise<string[]> {
  const rows = await notLiveStatement.run<{ id: string }>(db, { threshold });
  return rows.map((r) => r.id);
}
