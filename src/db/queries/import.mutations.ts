// Loads one chunk of an NDJSON import in one transaction: lock the chunk's parents in id order, refuse
// the rows of unknown or not-running parents, then COPY the rest straight into the target table inside
// a savepoint. When that COPY hits an existing id (a rerun, a resumed import) the savepoint is rolled
// back and the chunk takes the upsert path: COPY into a temporary staging table, then one INSERT …
// SELECT … ON CONFLICT (id) DO UPDATE, which also finds the ids that belong to another parent.
// An interrupted import keeps whole chunks; re-running the file upserts them again by id.
import type { AccessScope } from '../../auth/scope.js';
import { sql } from 'drizzle-orm';
import { plainRows, type Db, type Param, type Queryable, type Transaction } from '../client.js';
import { reservedTransaction } from '../reserved-transaction.js';
import { uuidArray, writableBy, writeScopeValues } from '../params.js';
import { copyIn } from '../copy.js';
import { testSessions as t, videos as v } from '../schema.js';
import { Statement } from '../statement.js';

export type ImportKind = 'groundTruth' | 'detections';

/** A checked line, ready for COPY: its id and parent, and the rest of its columns as COPY text. */
export interface ImportRow {
  line: number;
  id: string;
  /** The parent: video id (ground truth) or test session id (detections), lower-case. */
  p: string;
  /** COPY text (tab-separated, escaped) of the columns after id and parent, in `kinds[kind].columns` order. */
  fields: string;
}

export interface ChunkOutcome {
  inserted: number;
  updated: number;
  /** Lines refused by the database-side checks, with the reason. */
  rejected: { line: number; reason: string }[];
  /** Parents written: [id, projectId, videoId (sessions only)]. */
  parents: { id: string; projectId: string; videoId?: string }[];
  /** How the chunk was written: one COPY into the table, or staging + upsert. */
  path: 'copy' | 'upsert' | 'none';
  /** Whether the per-row foreign-key triggers were skipped (see `settings`). */
  foreignKeyTriggersSkipped: boolean;
}

export interface LoadChunkOptions {
  /** Try COPY straight into the table first (default true); false goes to staging + upsert at once. */
  copyFirst?: boolean;
  /**
   * Live evaluation in the chunk's transaction: `before` runs after the parents are locked and before
   * any row is written (it may lock more, in the order every write locks), answering whether `after`
   * must run; `after` runs once the rows are written, with the parents and the ids loaded.
   */
  live?: {
    before(tx: Queryable, parents: readonly string[]): Promise<boolean>;
    after(tx: Transaction, parents: readonly string[], ids: readonly string[]): Promise<void>;
  };
}

interface KindSql {
  table: string;
  /** Target columns after id and parent, in ImportRow.fields order. */
  columns: string;
  parentColumn: string;
  staging: string;
  /** Staging table columns and types: line, id, p, then the fields. */
  stagingTypes: string;
  /** Locks the writable parents of `ids` (placeholders ids, admin, writable). */
  lockParents: Statement;
  upsert: string;
  foreign: string;
  parentWord: string;
}

const kinds: Record<ImportKind, KindSql> = {
  groundTruth: {
    table: 'ground_truth_objects',
    columns: 'frame_number, timestamp, class_label, confidence, x, y, width, height, validated, difficult',
    parentColumn: 'video_id',
    staging: 'import_ground_truth',
    stagingTypes: 'line int, id uuid, p uuid, f int, t float8, l text, c real, x real, y real, w real, h real, v boolean, d boolean',
    lockParents: new Statement(sql`/* importLockVideos */ SELECT ${v.id}, ${v.projectId} AS "projectId", 'running' AS status FROM ${v}
      WHERE ${v.id} = ANY(${sql.placeholder('ids')}::uuid[]) AND ${writableBy(v.projectId)} ORDER BY ${v.id} FOR NO KEY UPDATE`),
    // A box already there with the same values (a rerun) is found by a read and left out: ON CONFLICT
    // would lock it (a heap write and a WAL record per row) only to leave it as it was. Nothing else can
    // change it before commit: every writer of boxes locks the video first, and this chunk holds it.
    // OFFSET 0 keeps the probe a primary-key lookup per row: as an anti join, the planner hashed the
    // whole table for the unanalyzed staging table (1.1 s per 50,000-row chunk at scale 1). Counting
    // them lets a clean rerun skip the query for ids of another parent.
    upsert: `/* importGroundTruth */ WITH same AS MATERIALIZED (
       SELECT s.id FROM import_ground_truth s
       WHERE EXISTS (SELECT 1 FROM ground_truth_objects e WHERE e.id = s.id AND e.video_id = s.p
         AND (e.frame_number, e.timestamp, e.class_label, e.confidence, e.x, e.y, e.width, e.height, e.validated, e.difficult)
           IS NOT DISTINCT FROM (s.f, s.t, s.l, s.c, s.x, s.y, s.w, s.h, s.v, s.d) OFFSET 0)
     ), up AS (
       INSERT INTO ground_truth_objects AS g
         (id, video_id, frame_number, timestamp, class_label, confidence, x, y, width, height, validated, difficult)
       SELECT s.id, s.p, s.f, s.t, s.l, s.c, s.x, s.y, s.w, s.h, s.v, s.d FROM import_ground_truth s
       WHERE s.id NOT IN (SELECT id FROM same)
       ORDER BY s.id
       ON CONFLICT (id) DO UPDATE SET
         frame_number = EXCLUDED.frame_number, timestamp = EXCLUDED.timestamp, class_label = EXCLUDED.class_label,
         confidence = EXCLUDED.confidence, x = EXCLUDED.x, y = EXCLUDED.y, width = EXCLUDED.width,
         height = EXCLUDED.height, validated = EXCLUDED.validated, difficult = EXCLUDED.difficult
       WHERE g.video_id = EXCLUDED.video_id
         -- The same guard for any row the probe let through: no new row version for unchanged values.
         AND (g.frame_number, g.timestamp, g.class_label, g.confidence, g.x, g.y, g.width, g.height, g.validated, g.difficult)
           IS DISTINCT FROM (EXCLUDED.frame_number, EXCLUDED.timestamp, EXCLUDED.class_label, EXCLUDED.confidence,
             EXCLUDED.x, EXCLUDED.y, EXCLUDED.width, EXCLUDED.height, EXCLUDED.validated, EXCLUDED.difficult)
       RETURNING (xmax = 0) AS inserted
     ) SELECT (count(*) FILTER (WHERE inserted))::int AS inserted, count(*)::int AS written,
         (SELECT count(*) FROM same)::int AS unchanged FROM up`,
    foreign: `/* importForeignGroundTruth */ SELECT s.line FROM import_ground_truth s
       JOIN ground_truth_objects g ON g.id = s.id AND g.video_id <> s.p`,
    parentWord: 'video',
  },
  detections: {
    table: 'detection_events',
    columns:
      'frame_number, timestamp, class_label, confidence, validation_result, bounding_box_x, bounding_box_y, bounding_box_width, bounding_box_height',
    parentColumn: 'test_session_id',
    staging: 'import_detections',
    stagingTypes: 'line int, id uuid, p uuid, f int, t float8, l text, c real, r validation_result, x real, y real, w real, h real',
    lockParents: new Statement(sql`/* importLockSessions */ SELECT ${t.id}, ${t.projectId} AS "projectId", ${t.videoId} AS "videoId", ${t.status} FROM ${t}
      WHERE ${t.id} = ANY(${sql.placeholder('ids')}::uuid[]) AND ${writableBy(t.projectId)} ORDER BY ${t.id} FOR NO KEY UPDATE`),
    upsert: `/* importDetections */ WITH up AS (
       INSERT INTO detection_events AS d
         (id, test_session_id, frame_number, timestamp, class_label, confidence, validation_result,
          bounding_box_x, bounding_box_y, bounding_box_width, bounding_box_height)
       SELECT s.id, s.p, s.f, s.t, s.l, s.c, s.r, s.x, s.y, s.w, s.h FROM import_detections s ORDER BY s.id
       ON CONFLICT (id) DO UPDATE SET
         confidence = EXCLUDED.confidence, validation_result = EXCLUDED.validation_result, updated_at = now()
       WHERE d.test_session_id = EXCLUDED.test_session_id
       RETURNING (xmax = 0) AS inserted
     ) SELECT (count(*) FILTER (WHERE inserted))::int AS inserted, count(*)::int AS written FROM up`,
    foreign: `/* importForeignDetections */ SELECT s.line FROM import_detections s
       JOIN detection_events d ON d.id = s.id AND d.test_session_id <> s.p`,
    parentWord: 'test session',
  },
};

/**
 * One statement of transaction settings. An import can be replayed from its file, so not waiting for
 * each WAL flush is safe; a chunk is sorted by id in memory on the upsert path and is far bigger than
 * any API statement (the API's statement timeout would cut it off on a busy server).
 * `session_replication_role = replica` skips the per-row foreign-key triggers, about a third of the
 * database's work per row. That is safe here because every row's parent was locked FOR NO KEY UPDATE
 * first (it cannot be deleted or re-keyed before commit) and rows of unknown parents never reach the
 * table. It also silences every trigger not marked ENABLE ALWAYS, so it is only taken when the role
 * may set it (superuser) and every user trigger on the tables an import writes is ENABLE ALWAYS
 * (drizzle/0003_import_triggers_always.sql does that for the counter triggers).
 */
const settings = `/* importSettings */ SELECT set_config('synchronous_commit', 'off', true),
  set_config('work_mem', '64MB', true), set_config('statement_timeout', '10min', true),
  CASE WHEN current_setting('is_superuser') = 'on' AND NOT EXISTS (
    SELECT 1 FROM pg_trigger t WHERE NOT t.tgisinternal AND t.tgenabled <> 'A' AND t.tgrelid IN (
      'ground_truth_objects'::regclass, 'detection_events'::regclass, 'videos'::regclass,
      'test_sessions'::regclass, 'projects'::regclass, 'project_stats'::regclass))
  THEN set_config('session_replication_role', 'replica', true) END AS "replicationRole"`;

type Run = (text: string, params?: readonly Param[]) => Promise<Record<string, unknown>[]>;
/** COPY FROM STDIN of `lines` (each ending in \n) into `target`. */
type Copy = (target: string, lines: Iterable<string | Uint8Array<ArrayBuffer>>) => Promise<void>;

/** Chunks of ~1,000 COPY lines: few writes, bounded memory. */
function* batched(rows: readonly ImportRow[], line: (r: ImportRow) => string): Generator<string> {
  for (let i = 0; i < rows.length; i += 1000) {
    let s = '';
    const end = Math.min(rows.length, i + 1000);
    for (let j = i; j < end; j++) s += line(rows[j]);
    yield s;
  }
}

const copyFailedOnExistingRows = (err: unknown) => {
  const code = (err as { code?: string } | null)?.code;
  // 23505: an id is already there (rerun). 40P01: two loaders inserting the same new ids in opposite
  // orders; the upsert path writes in id order and waits instead.
  return code === '23505' || code === '40P01';
};

/** The COPY target of a kind's rows (`table (id, parent, columns…)`) and one row's COPY line. */
export function copyTarget(kind: ImportKind): string {
  const k = kinds[kind];
  return `${k.table} (id, ${k.parentColumn}, ${k.columns})`;
}
export const copyLine = (r: ImportRow) => `${r.id}\t${r.p}\t${r.fields}\n`;

export async function loadChunk(
  db: Db,
  scope: AccessScope,
  kind: ImportKind,
  rows: readonly ImportRow[],
  opts: LoadChunkOptions = {},
): Promise<ChunkOutcome> {
  const k = kinds[kind];
  const body = async (run: Run, copy: Copy): Promise<ChunkOutcome> => {
    const [{ replicationRole }] = (await run(settings)) as { replicationRole: string | null }[];
    const foreignKeyTriggersSkipped = replicationRole === 'replica';
    const parentIds = [...new Set(rows.map((r) => r.p))].sort();
    const { admin, writable } = writeScopeValues(scope);
    const locked = (await run(k.lockParents.text, k.lockParents.values({ ids: uuidArray(parentIds), admin, writable }))) as {
      id: string;
      projectId: string;
      videoId?: string;
      status: string;
    }[];
    const usable = new Map(locked.filter((l) => l.status === 'running').map((l) => [l.id, l]));
    const rejected: ChunkOutcome['rejected'] = [];
    const found = new Set(locked.map((l) => l.id));
    const good: ImportRow[] = [];
    for (const r of rows) {
      if (usable.has(r.p)) good.push(r);
      else if (!found.has(r.p)) rejected.push({ line: r.line, reason: `unknown ${k.parentWord} ${r.p}` });
      else rejected.push({ line: r.line, reason: `test session ${r.p} is not running` });
    }
    const parents = [...usable.values()];
    const tx: Transaction = { query: (text, params) => run(text, params) as Promise<never>, copyIn: (_name, target, data) => copy(target, [data]) };
    const live = opts.live && good.length > 0 && (await opts.live.before(tx, parents.map((p) => p.id)));
    const afterWrite = async () => {
      if (live) await opts.live!.after(tx, parents.map((p) => p.id), good.map((r) => r.id));
    };
    if (good.length === 0) return { inserted: 0, updated: 0, rejected, parents, path: 'none', foreignKeyTriggersSkipped };

    if (opts.copyFirst ?? true) {
      await run(`/* importCopySavepoint */ SAVEPOINT import_copy`);
      let copied = false;
      try {
        await copy(copyTarget(kind), batched(good, copyLine));
        await run(`/* importCopyRelease */ RELEASE SAVEPOINT import_copy`);
        copied = true;
      } catch (err) {
        if (!copyFailedOnExistingRows(err)) throw err;
        await run(`/* importCopyRollback */ ROLLBACK TO SAVEPOINT import_copy`);
      }
      // Outside the try: an error of the live maintenance is its own, not "the COPY hit existing rows"
      // (the savepoint is released by then, so rolling back to it would hide the real error).
      if (copied) {
        await afterWrite();
        return { inserted: good.length, updated: 0, rejected, parents, path: 'copy', foreignKeyTriggersSkipped };
      }
    }

    await run(`/* importStaging */ CREATE TEMP TABLE IF NOT EXISTS ${k.staging} (${k.stagingTypes}) ON COMMIT DELETE ROWS`);
    await copy(k.staging, batched(good, (r) => `${r.line}\t${r.id}\t${r.p}\t${r.fields}\n`));
    const [counts] = (await run(k.upsert)) as { inserted: number; written: number; unchanged?: number }[];
    let foreign = 0;
    // Rows not written are either unchanged boxes or ids of another parent; only the latter are refused.
    if (counts.written + (counts.unchanged ?? 0) < good.length) {
      for (const f of (await run(k.foreign)) as { line: number }[]) {
        rejected.push({ line: f.line, reason: 'id is not available' });
        foreign++;
      }
    }
    await afterWrite();
    return {
      inserted: counts.inserted,
      // Every row already there under its own parent, rewritten or (boxes) left as it was.
      updated: good.length - counts.inserted - foreign,
      rejected,
      parents,
      path: 'upsert',
      foreignKeyTriggersSkipped,
    };
  };

  const d = db.driver;
  if (d.kind === 'postgres') {
    return (await reservedTransaction(d.sql, async (tx) => {
      const run: Run = (text, params = []) => tx.unsafe(text, params as never[]).then(plainRows) as never;
      return body(run, (target, lines) => copyIn(tx, `COPY ${target} FROM STDIN`, lines));
    })) as ChunkOutcome;
  }
  // PGlite's COPY reads one in-memory blob.
  const pglite = d.pglite;
  return pglite.transaction(async (tx) => {
    const run: Run = async (text, params = []) => (await tx.query<Record<string, unknown>>(text, params as unknown[])).rows;
    return body(run, async (target, lines) => {
      await tx.query(`COPY ${target} FROM '/dev/blob'`, [], { blob: new Blob([...lines]) });
    });
  });
}
