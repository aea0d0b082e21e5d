// Streams an NDJSON file of ground-truth boxes (lines with `videoId`) and detections (lines with
// `testSessionId`) into the database: each line is checked like a mutation element, good lines are
// loaded in chunks (one transaction each: COPY into the table, or staging + upsert when ids exist),
// bad lines are reported by number and reason. Re-running a file is idempotent: rows upsert by id, and a line
// without an id gets a uuid derived from its line number and text, the same on every run.
import { createReadStream, statSync } from 'node:fs';
import { adminScope, type AccessScope } from '../auth/scope.js';
import { writeTags } from '../cache/cache-tags.js';
import type { Db } from '../db/client.js';
import { loadChunk, type ImportKind, type ImportRow } from '../db/queries/import.mutations.js';
import type { LiveEvaluation } from '../evaluation/live.js';
import { lockLiveSessionsForBoxWrite, maintainLiveEvaluation } from './evaluation.maintenance.js';
import { parseImportLine } from './import-line.js';
import { ndjsonLines } from './ndjson-lines.js';

export { parseImportLine };

export interface ImportProgress {
  lines: number;
  rows: number;
  rejected: number;
  bytesRead: number;
  totalBytes: number;
  elapsedMs: number;
}

export interface ImportOptions {
  scope?: AccessScope;
  /** Rows per chunk (one transaction each; default 20,000); each lane's first chunks of a kind are smaller. */
  chunkSize?: number;
  onProgress?: (p: ImportProgress) => void;
  onReject?: (line: number, reason: string) => void;
  /** Connections loading side by side, rows split by parent (default 2 on PostgreSQL, 1 on PGlite). */
  lanes?: number;
  /** How many rejected lines the summary keeps in detail. */
  keepRejected?: number;
  /**
   * Called after each chunk commits with the cache tags it changed (the CLI purges them from the
   * response cache); the import waits for it before reporting progress.
   */
  onCommit?: (changedTags: string[]) => Promise<void> | void;
  /** Live evaluation, as the API's writes keep it (default: live at 0.5). */
  liveEvaluation?: LiveEvaluation;
}

export interface ImportSummary {
  lines: number;
  groundTruth: { inserted: number; updated: number };
  detections: { inserted: number; updated: number };
  rejectedCount: number;
  rejected: { line: number; reason: string }[];
  elapsedMs: number;
  rowsPerSecond: number;
  /** Chunks written by COPY into the table, by staging + upsert, and with the foreign-key triggers skipped. */
  chunks: { copy: number; upsert: number; foreignKeyTriggersSkipped: number };
  /** What the import changed, for the response cache (the caller invalidates them). */
  changedTags: string[];
}

export async function importNdjson(db: Db, file: string, opts: ImportOptions = {}): Promise<ImportSummary> {
  const scope = opts.scope ?? adminScope;
  // Small enough that the database starts on the first chunk soon after the parse does, and that the
  // last chunk, loaded after the parse ends, is short; large enough that a chunk's own statements
  // (settings, locks, savepoint) are a small part of its work.
  const chunkSize = opts.chunkSize ?? 20_000;
  const keep = opts.keepRejected ?? 1000;
  const totalBytes = statSync(file).size;
  const started = performance.now();
  const summary: ImportSummary = {
    lines: 0,
    groundTruth: { inserted: 0, updated: 0 },
    detections: { inserted: 0, updated: 0 },
    rejectedCount: 0,
    rejected: [],
    elapsedMs: 0,
    rowsPerSecond: 0,
    chunks: { copy: 0, upsert: 0, foreignKeyTriggersSkipped: 0 },
    changedTags: [],
  };
  const changed = new Set<string>();
  const reject = (line: number, reason: string) => {
    summary.rejectedCount++;
    if (summary.rejected.length < keep) summary.rejected.push({ line, reason });
    opts.onReject?.(line, reason);
  };
  // Within a chunk the last line of an id wins, as a later chunk's line would (the upsert may not
  // touch one row twice in a statement); a line giving the id another parent is refused, as a later
  // chunk would refuse it.
  // Lanes: rows are split by parent over `lanes` connections, so no two lanes ever lock the same
  // video or session and their chunks load side by side.
  const lanes = Math.max(1, opts.lanes ?? (db.kind === 'postgres' ? 2 : 1));
  const pending = Array.from({ length: lanes }, () => ({
    groundTruth: new Map<string, ImportRow>(),
    detections: new Map<string, ImportRow>(),
  }));
  // After a chunk met existing ids (a rerun), the lane's next chunk of that kind goes straight to the
  // upsert path instead of starting a COPY that would fail on its first row.
  const copyFirst = Array.from({ length: lanes }, () => ({ groundTruth: true, detections: true }));
  // A lane's first chunk of a kind is small and each next one twice as big, up to chunkSize: the
  // database starts a few milliseconds into the parse instead of after a full chunk per lane (~0.3 s
  // of 200,000 rows in which only the parser worked).
  const firstChunk = Math.min(chunkSize, 2_500);
  const limit = Array.from({ length: lanes }, () => ({ groundTruth: firstChunk, detections: firstChunk }));
  const laneOf = (parent: string) => (lanes === 1 ? 0 : parseInt(parent.slice(0, 8), 16) % lanes);
  let rows = 0;
  // Node's default 64 KiB blocks: the lines of a block are taken without a pause, and only between
  // blocks does the event loop feed the COPY of each lane's loading chunk. A 1 MiB block held it for
  // ~20 ms, and the loading chunks waited for data (docs/benchmarks.md).
  const input = createReadStream(file);
  const progress = () =>
    opts.onProgress?.({
      lines: summary.lines,
      rows,
      rejected: summary.rejectedCount,
      bytesRead: input.bytesRead,
      totalBytes,
      elapsedMs: performance.now() - started,
    });

  const load = async (lane: number, kind: ImportKind, chunk: ImportRow[]) => {
    const out = await loadChunk(db, scope, kind, chunk, {
      copyFirst: copyFirst[lane][kind],
      live: {
        // Box chunks lock their videos' live sessions before writing, as upsertGroundTruth does.
        before: async (tx, parents) => (kind === 'groundTruth' ? lockLiveSessionsForBoxWrite(tx, opts.liveEvaluation, parents) : true),
        after: (tx, parents, ids) =>
          maintainLiveEvaluation(
            tx,
            opts.liveEvaluation,
            kind === 'groundTruth' ? { videoIds: parents, boxIds: ids } : { sessionIds: parents, detectionIds: ids },
          ),
      },
    });
    // Back to COPY once a chunk was all new rows.
    copyFirst[lane][kind] = out.path === 'copy' || out.updated === 0;
    if (out.path !== 'none') summary.chunks[out.path]++;
    if (out.foreignKeyTriggersSkipped) summary.chunks.foreignKeyTriggersSkipped++;
    summary[kind].inserted += out.inserted;
    summary[kind].updated += out.updated;
    rows += out.inserted + out.updated;
    for (const r of out.rejected.sort((a, b) => a.line - b.line)) reject(r.line, r.reason);
    const chunkTags = out.parents.flatMap((parent) => (kind === 'groundTruth' ? writeTags.groundTruth(parent) : writeTags.detections(parent)));
    for (const t of chunkTags) changed.add(t);
    // The chunk is committed: let the caller purge what it changed now, not minutes later.
    if (chunkTags.length && opts.onCommit) await opts.onCommit([...new Set(chunkTags)]);
    progress();
  };
  // Each lane loads one chunk while the next ones are parsed: the database and the parser overlap.
  const inflight: Promise<void>[] = Array.from({ length: lanes }, () => Promise.resolve());
  const flush = async (lane: number, kind: ImportKind) => {
    const chunk = [...pending[lane][kind].values()];
    limit[lane][kind] = Math.min(chunkSize, limit[lane][kind] * 2);
    pending[lane][kind].clear();
    await inflight[lane];
    inflight[lane] = load(lane, kind, chunk);
    inflight[lane].catch(() => {}); // awaited at the lane's next flush or at the end
  };
  /** One line: parse, check, queue; answers the lane and kind whose chunk is full, if any. */
  const take = (text: string): [number, ImportKind] | undefined => {
    const line = ++summary.lines;
    if (text.length === 0 || (text.charCodeAt(0) !== 123 && text.trim() === '')) return; // 123: '{'
    const parsed = parseImportLine(text, line);
    if ('reason' in parsed) {
      reject(line, parsed.reason);
      return;
    }
    const row = parsed.row;
    const lane = laneOf(row.p);
    const map = pending[lane][parsed.kind];
    const earlier = map.get(row.id);
    if (earlier) {
      if (earlier.p !== row.p) {
        reject(line, `id already used for another ${parsed.kind === 'groundTruth' ? 'video' : 'test session'} on line ${earlier.line}`);
        return;
      }
      map.delete(row.id); // re-inserting moves a repeated id to the end: the last line wins
    }
    map.set(row.id, row);
    return map.size >= limit[lane][parsed.kind] ? [lane, parsed.kind] : undefined;
  };

  // Lines are taken synchronously within each block read; only a full chunk waits (for its lane).
  for await (const lines of ndjsonLines(input)) {
    for (const text of lines) {
      const full = take(text);
      if (full) await flush(full[0], full[1]);
    }
  }
  for (let lane = 0; lane < lanes; lane++) {
    for (const kind of ['groundTruth', 'detections'] as const) if (pending[lane][kind].size) await flush(lane, kind);
  }
  await Promise.all(inflight);
  summary.elapsedMs = performance.now() - started;
  summary.rowsPerSecond = Math.round(rows / (summary.elapsedMs / 1000));
  summary.rejected.sort((a, b) => a.line - b.line);
  summary.changedTags = [...changed];
  return summary;
}
