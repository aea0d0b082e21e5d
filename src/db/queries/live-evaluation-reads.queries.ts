// SQL of the reads of live sessions (docs/evaluation.md): per session and class the counted
// detections' ranked-outcome inputs in one statement, and the kept matches by detection or by box. What
// keeps those matches current is in live-evaluation.queries.ts.
import type { AccessScope } from '../../auth/scope.js';
import { sql } from 'drizzle-orm';
import type { LiveClass } from '../../evaluation/live-metrics.js';
import type { Queryable } from '../client.js';
import { readableBy, scopeValues, uuidArray } from '../params.js';
import {
  detectionEvents as d,
  groundTruthObjects as g,
  liveEvaluations as e,
  liveMatches as m,
  testSessions as t,
} from '../schema.js';
import { Statement } from '../statement.js';
import { boxItem, detectionFields, parseBoxItems, parseDetectionItems, type EvaluationBox, type EvaluationDetection, type EvaluationInputs } from './evaluation.queries.js';

// Per live session and class, the counted detections (TP or FP; IGNORED ones take no rank) as three
// parallel lists: confidences (float4, 4 bytes each), ids (16 bytes each) and outcomes ('1' TP).
// Rows are not sorted in SQL: ranking 27,000 detections there costs more than the rest of the read,
// and so does printing them as text; Node ranks the raw values (liveMetrics). One aggregation per
// session (LATERAL), grouped by class only, so the planner hashes 20-odd groups instead of sorting.
// The aggregates of one group read the same rows in the same order, so the lists line up. Per video
// and class, the boxes that count (non-difficult), and every class with a box at all. A session that
// is not live gets what on-demand matching needs instead (as evaluationInputsBySessions), so asking
// costs one statement either way.
const summaryStatement = new Statement(sql`/* liveEvaluationBySessions */
  WITH a AS (
    SELECT ${t.id} AS id, ${t.videoId} AS video_id, (${e.iouThreshold} = ${sql.placeholder('threshold')}::float8) IS TRUE AS live
    FROM ${t} LEFT JOIN ${e} ON ${e.testSessionId} = ${t.id}
    WHERE ${t.id} = ANY(${sql.placeholder('sessionIds')}::uuid[])
      AND ${readableBy(t.projectId)}
  )
  SELECT 'd' AS kind, a.id AS parent, x.label, NULL::text AS a, x.c, x.i, x.o
  FROM a, LATERAL (
    SELECT ${d.classLabel} AS label, string_agg(float4send(${d.confidence}), ''::bytea) AS c,
      string_agg(uuid_send(${d.id}), ''::bytea) AS i,
      string_agg(CASE WHEN ${m.detectionId} IS NULL THEN '0' ELSE '1' END, '') AS o
    FROM ${d} LEFT JOIN ${m} ON ${m.testSessionId} = a.id AND ${m.detectionId} = ${d.id}
    WHERE ${d.testSessionId} = a.id AND ${m.ignored} IS NOT TRUE
    GROUP BY ${d.classLabel}
  ) x
  WHERE a.live
  UNION ALL
  SELECT 'g', ${g.videoId}, ${g.classLabel}, (count(*) FILTER (WHERE NOT ${g.difficult}))::text, NULL, NULL, NULL
  FROM ${g} WHERE ${g.videoId} IN (SELECT video_id FROM a WHERE live)
  GROUP BY ${g.videoId}, ${g.classLabel}
  UNION ALL
  SELECT 's', id, video_id::text, live::text, NULL, NULL, NULL FROM a
  UNION ALL
  SELECT 'x', ${d.testSessionId}, NULL,
    json_agg(json_build_array(${detectionFields}))::text, NULL, NULL, NULL
  FROM ${d} WHERE ${d.testSessionId} IN (SELECT id FROM a WHERE NOT live) GROUP BY ${d.testSessionId}
  UNION ALL
  SELECT 'y', ${g.videoId}, NULL,
    json_agg(${boxItem})::text, NULL, NULL, NULL
  FROM ${g} WHERE ${g.videoId} IN (SELECT video_id FROM a WHERE NOT live) GROUP BY ${g.videoId}`);

export interface LiveSummaries {
  /** Sessions asked for and readable: session → its video and whether it is live at the threshold. */
  sessions: Map<string, { videoId: string; live: boolean }>;
  classesOf(sessionId: string): Map<string, LiveClass>;
  /** Class → non-difficult boxes (0 for a class with difficult boxes only), for videos of live sessions. */
  positivesOf(videoId: string): Map<string, number>;
  /** On-demand inputs of the sessions that are not live. */
  inputs: EvaluationInputs;
}

/** The sessions among `sessionIds` (readable by `scope`): live ones' ranked-outcome inputs, the others' matching inputs. */
export async function liveEvaluationBySessions(db: Queryable, scope: AccessScope, sessionIds: readonly string[], threshold: number): Promise<LiveSummaries> {
  const rows = await summaryStatement.run<{
    kind: 'd' | 'g' | 's' | 'x' | 'y';
    parent: string;
    label: string | null;
    a: string | null;
    c: Uint8Array | null;
    i: Uint8Array | null;
    o: string | null;
  }>(db, {
    sessionIds: uuidArray(sessionIds),
    threshold,
    ...scopeValues(scope),
  });
  const sessions: LiveSummaries['sessions'] = new Map();
  const classes = new Map<string, Map<string, LiveClass>>();
  const positives = new Map<string, Map<string, number>>();
  const detections = new Map<string, EvaluationDetection[]>();
  const boxes = new Map<string, EvaluationBox[]>();
  const mapOf = <V>(outer: Map<string, Map<string, V>>, k: string) => {
    let inner = outer.get(k);
    if (!inner) outer.set(k, (inner = new Map()));
    return inner;
  };
  for (const r of rows) {
    if (r.kind === 's') sessions.set(r.parent, { videoId: r.label!, live: r.a === 'true' });
    else if (r.kind === 'g') mapOf(positives, r.parent).set(r.label!, Number(r.a));
    else if (r.kind === 'd') mapOf(classes, r.parent).set(r.label!, { confidences: r.c!, ids: r.i!, outcomes: r.o! });
    else if (r.kind === 'x') detections.set(r.parent, parseDetectionItems(r.parent, r.a!));
    else boxes.set(r.parent, parseBoxItems(r.parent, r.a!));
  }
  return {
    sessions,
    classesOf: (id) => classes.get(id) ?? new Map(),
    positivesOf: (id) => positives.get(id) ?? new Map(),
    inputs: { detectionsOf: (id) => detections.get(id) ?? [], boxesOf: (id) => boxes.get(id) ?? [] },
  };
}

export interface LiveMatchRef {
  sessionId: string;
  detectionId: string;
  boxId: string;
  iou: number;
  ignored: boolean;
}

const byDetectionsStatement = new Statement(sql`/* liveMatchesByDetections */
  SELECT ${m.testSessionId} AS "sessionId", ${m.detectionId} AS "detectionId", ${m.boxId} AS "boxId", ${m.iou} AS iou, ${m.ignored} AS ignored
  FROM ${m} JOIN json_to_recordset(${sql.placeholder('keys')}::json) AS k(s uuid, d uuid)
    ON ${m.testSessionId} = k.s AND ${m.detectionId} = k.d`);

/** The live matches of (session, detection) pairs; a pair without one is a FP. */
export async function liveMatchesByDetections(db: Queryable, keys: readonly { s: string; d: string }[]): Promise<LiveMatchRef[]> {
  return byDetectionsStatement.run<LiveMatchRef>(db, { keys: JSON.stringify(keys) });
}

const byBoxesStatement = new Statement(sql`/* liveMatchesByBoxes */
  SELECT ${m.testSessionId} AS "sessionId", ${m.detectionId} AS "detectionId", ${m.boxId} AS "boxId", ${m.iou} AS iou, ${m.ignored} AS ignored
  FROM ${m} WHERE ${m.testSessionId} = ANY(${sql.placeholder('sessions')}::uuid[]) AND ${m.boxId} = ANY(${sql.placeholder('boxes')}::uuid[])`);

/** The live matches of `boxIds` in `sessionIds` (a box matches at most one detection per session). */
export async function liveMatchesByBoxes(db: Queryable, sessionIds: readonly string[], boxIds: readonly string[]): Promise<LiveMatchRef[]> {
  return byBoxesStatement.run<LiveMatchRef>(db, { sessions: uuidArray(sessionIds), boxes: uuidArray(boxIds) });
}
