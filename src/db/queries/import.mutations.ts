// Loads one chunk of an NDJSON import: rows into a temporary staging table (COPY on PostgreSQL; one
// json_to_recordset INSERT on PGlite, whose COPY only reads a whole in-memory blob and would need the
// chunk serialized twice), then the parents are locked in id order, and one INSERT … SELECT … ON
// CONFLICT (id) DO UPDATE per table writes the chunk. A chunk is one transaction: an interrupted
// import keeps whole chunks, and re-running the file upserts them again by id.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AccessScope } from '../../auth/scope.js';
import { reservedTransaction, type Db, type Param } from '../client.js';
import { Params } from '../params.js';
import type { DetectionJsonRow } from './detection.mutations.js';
import type { GroundTruthJsonRow } from './ground-truth.mutations.js';

export type ImportKind = 'groundTruth' | 'detections';

/** A checked row with its parent and the line it came from. */
export type StagedRow<K extends ImportKind> = (K extends 'groundTruth' ? GroundTruthJsonRow : DetectionJsonRow) & {
  line: number;
  p: string;
};

export interface ChunkOutcome {
  inserted: number;
  updated: number;
  /** Lines refused by the database-side checks, with the reason. */
  rejected: { line: number; reason: string }[];
  /** Parents written: [id, projectId, videoId (sessions only)]. */
  parents: { id: string; projectId: string; videoId?: string }[];
}

interface KindSql {
  staging: string;
  columns: string[];
  /** Staging column → its type, for json_to_recordset. */
  types: string;
  lockParents: (p: Params, scope: AccessScope) => string;
  /** $1: the usable parent ids. */
  upsert: string;
  foreign: string;
  parentWord: string;
}

const kinds: Record<ImportKind, KindSql> = {
  groundTruth: {
    staging: 'import_ground_truth',
    columns: ['line', 'id', 'p', 'f', 't', 'l', 'c', 'x', 'y', 'w', 'h', 'v', 'd'],
    types: 'line int, id uuid, p uuid, f int, t float8, l text, c real, x real, y real, w real, h real, v boolean, d boolean',
    lockParents: (p, scope) =>
      `/* importLockVideos */ SELECT v.id, v.project_id AS "projectId", 'running' AS status FROM videos v
       WHERE v.id IN (SELECT DISTINCT p FROM import_ground_truth)${p.writable(scope, 'v.project_id')} ORDER BY v.id FOR NO KEY UPDATE`,
    upsert: `/* importGroundTruth */ WITH up AS (
       INSERT INTO ground_truth_objects AS g
         (id, video_id, frame_number, timestamp, class_label, confidence, x, y, width, height, validated, difficult)
       SELECT s.id, s.p, s.f, s.t, s.l, s.c, s.x, s.y, s.w, s.h, s.v, s.d FROM import_ground_truth s
       WHERE s.p = ANY($1::uuid[]) ORDER BY s.id
       ON CONFLICT (id) DO UPDATE SET
         frame_number = EXCLUDED.frame_number, timestamp = EXCLUDED.timestamp, class_label = EXCLUDED.class_label,
         confidence = EXCLUDED.confidence, x = EXCLUDED.x, y = EXCLUDED.y, width = EXCLUDED.width,
         height = EXCLUDED.height, validated = EXCLUDED.validated, difficult = EXCLUDED.difficult
       WHERE g.video_id = EXCLUDED.video_id
       RETURNING (xmax = 0) AS inserted
     ) SELECT (count(*) FILTER (WHERE inserted))::int AS inserted, count(*)::int AS written FROM up`,
    foreign: `/* importForeignGroundTruth */ SELECT s.line FROM import_ground_truth s
       JOIN ground_truth_objects g ON g.id = s.id AND g.video_id <> s.p WHERE s.p = ANY($1::uuid[])`,
    parentWord: 'video',
  },
  detections: {
    staging: 'import_detections',
    columns: ['line', 'id', 'p', 'f', 't', 'l', 'c', 'r', 'x', 'y', 'w', 'h'],
    types: 'line int, id uuid, p uuid, f int, t float8, l text, c real, r validation_result, x real, y real, w real, h real',
    lockParents: (p, scope) =>
      `/* importLockSessions */ SELECT t.id, t.project_id AS "projectId", t.video_id AS "videoId", t.status FROM test_sessions t
       WHERE t.id IN (SELECT DISTINCT p FROM import_detections)${p.writable(scope, 't.project_id')} ORDER BY t.id FOR NO KEY UPDATE`,
    upsert: `/* importDetections */ WITH up AS (
       INSERT INTO detection_events AS d
         (id, test_session_id, frame_number, timestamp, class_label, confidence, validation_result,
          bounding_box_x, bounding_box_y, bounding_box_width, bounding_box_height)
       SELECT s.id, s.p, s.f, s.t, s.l, s.c, s.r, s.x, s.y, s.w, s.h FROM import_detections s
       WHERE s.p = ANY($1::uuid[]) ORDER BY s.id
       ON CONFLICT (id) DO UPDATE SET
         confidence = EXCLUDED.confidence, validation_result = EXCLUDED.validation_result, updated_at = now()
       WHERE d.test_session_id = EXCLUDED.test_session_id
       RETURNING (xmax = 0) AS inserted
     ) SELECT (count(*) FILTER (WHERE inserted))::int AS inserted, count(*)::int AS written FROM up`,
    foreign: `/* importForeignDetections */ SELECT s.line FROM import_detections s
       JOIN detection_events d ON d.id = s.id AND d.test_session_id <> s.p WHERE s.p = ANY($1::uuid[])`,
    parentWord: 'test session',
  },
};

type Run = (text: string, params?: readonly Param[]) => Promise<Record<string, unknown>[]>;

/** COPY text format: backslash, tab, newline and carriage return escaped; NUL was refused earlier. */
function copyField(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'number') return String(v);
  const s = String(v);
  return /[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!) : s;
}

function* copyLines(rows: readonly Record<string, unknown>[], columns: readonly string[]): Generator<string> {
  const batch: string[] = [];
  for (const r of rows) {
    batch.push(columns.map((c) => copyField(r[c])).join('\t'));
    // Hand the stream ~1,000 rows at a time: few writes, bounded memory.
    if (batch.length === 1000) yield batch.splice(0).join('\n') + '\n';
  }
  if (batch.length) yield batch.join('\n') + '\n';
}

export async function loadChunk<K extends ImportKind>(
  db: Db,
  scope: AccessScope,
  kind: K,
  rows: readonly StagedRow<K>[],
): Promise<ChunkOutcome> {
  const k = kinds[kind];
  const createStaging = `/* importStaging */ CREATE TEMP TABLE IF NOT EXISTS ${k.staging} (${k.types}) ON COMMIT DELETE ROWS`;
  const body = async (run: Run, stage: () => Promise<void>): Promise<ChunkOutcome> => {
    await run(createStaging);
    await stage();
    const lp = new Params();
    const locked = (await run(k.lockParents(lp, scope), lp.values)) as { id: string; projectId: string; videoId?: string; status: string }[];
    const usable = new Map(locked.filter((l) => l.status === 'running').map((l) => [l.id, l]));
    const rejected: ChunkOutcome['rejected'] = [];
    const found = new Set(locked.map((l) => l.id));
    for (const r of rows) {
      if (!found.has(r.p)) rejected.push({ line: r.line, reason: `unknown ${k.parentWord} ${r.p}` });
      else if (!usable.has(r.p)) rejected.push({ line: r.line, reason: `test session ${r.p} is not running` });
    }
    if (usable.size === 0) return { inserted: 0, updated: 0, rejected, parents: [] };
    const parentIds = `{${[...usable.keys()].join(',')}}`;
    const [counts] = (await run(k.upsert, [parentIds])) as { inserted: number; written: number }[];
    const expected = rows.length - rejected.length;
    if (counts.written < expected) {
      for (const f of (await run(k.foreign, [parentIds])) as { line: number }[]) {
        rejected.push({ line: f.line, reason: `id already belongs to another ${k.parentWord}` });
      }
    }
    return { inserted: counts.inserted, updated: counts.written - counts.inserted, rejected, parents: [...usable.values()] };
  };

  const d = db.driver;
  if (d.kind === 'postgres') {
    return (await reservedTransaction(d.sql, async (tx) => {
      const run: Run = (text, params = []) => tx.unsafe(text, params as never[]) as never;
      // An import can be replayed from its file, so a crash losing the last chunks' commits costs a
      // rerun, not data integrity; not waiting for each WAL flush speeds every chunk.
      await run(`/* importAsyncCommit */ SET LOCAL synchronous_commit = off`);
      // The chunk is sorted by id before it is written; keep that sort in memory.
      await run(`/* importWorkMem */ SET LOCAL work_mem = '64MB'`);
      // A chunk is far bigger than any API statement; the API's statement timeout would cut it off
      // on a busy server.
      await run(`/* importStatementTimeout */ SET LOCAL statement_timeout = '10min'`);
      return body(run, async () => {
        const stream = await tx.unsafe(`COPY ${k.staging} (${k.columns.join(', ')}) FROM STDIN`).writable();
        await pipeline(Readable.from(copyLines(rows as never, k.columns)), stream);
      });
    })) as ChunkOutcome;
  }
  return db.transaction(async (tx) => {
    const run: Run = (text, params = []) => tx.query(text, params);
    return body(run, async () => {
      await run(
        `/* importStageJson */ INSERT INTO ${k.staging} SELECT * FROM json_to_recordset($1::json) AS r(${k.types})`,
        [JSON.stringify(rows)],
      );
    });
  });
}
