// Streams an NDJSON file of ground-truth boxes (lines with `videoId`) and detections (lines with
// `testSessionId`) into the database: each line is checked like a mutation element, good lines are
// loaded in chunks (COPY into a staging table, then one upsert per table and chunk), bad lines are
// reported by number and reason. Re-running a file is idempotent: rows upsert by id, and a line
// without an id gets a uuid derived from its line number and text, the same on every run.
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { adminScope, type AccessScope } from '../auth/scope.js';
import { tags } from '../cache/cache-tags.js';
import type { Db } from '../db/client.js';
import { loadChunk, type ImportKind, type StagedRow } from '../db/queries/import.mutations.js';
import { BatchProblems } from './batch-problems.js';
import { checkDetection, detectionRow, type DetectionInput } from './detection.service.js';
import { checkGroundTruth, groundTruthRow, type GroundTruthInput } from './ground-truth.service.js';

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
  /** Rows per chunk (one transaction each). */
  chunkSize?: number;
  onProgress?: (p: ImportProgress) => void;
  onReject?: (line: number, reason: string) => void;
  /** Connections loading side by side, rows split by parent (default 2 on PostgreSQL, 1 on PGlite). */
  lanes?: number;
  /** How many rejected lines the summary keeps in detail. */
  keepRejected?: number;
}

export interface ImportSummary {
  lines: number;
  groundTruth: { inserted: number; updated: number };
  detections: { inserted: number; updated: number };
  rejectedCount: number;
  rejected: { line: number; reason: string }[];
  elapsedMs: number;
  rowsPerSecond: number;
  /** What the import changed, for the response cache (the caller invalidates them). */
  changedTags: string[];
}

/** The lines of a UTF-8 stream (without \n or a trailing \r); several times faster than readline. */
async function* ndjsonLines(input: Readable): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of input) {
    const text = rest + decoder.write(chunk as Buffer);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      yield text.slice(start, end);
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest.length) yield rest.endsWith('\r') ? rest.slice(0, -1) : rest;
}

/** RFC 4122 version-5-style uuid from a name: stable across runs for the same line. */
function derivedUuid(name: string): string {
  const h = createHash('sha1').update('truthgraph-import\n').update(name).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

type Checked = { kind: 'groundTruth'; row: StagedRow<'groundTruth'> } | { kind: 'detections'; row: StagedRow<'detections'> };

/** Checks one line; answers the staged row or the reasons it was refused. */
export function parseImportLine(text: string, line: number): Checked | { reason: string } {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return { reason: 'not valid JSON' };
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return { reason: 'not a JSON object' };
  const obj = o as Record<string, unknown>;
  const hasVideo = 'videoId' in obj;
  const hasSession = 'testSessionId' in obj;
  if (hasVideo === hasSession) return { reason: 'needs exactly one of videoId (ground truth) or testSessionId (detection)' };
  const p = new BatchProblems();
  const parentField = hasVideo ? 'videoId' : 'testSessionId';
  p.uuid(line, parentField, obj[parentField]);
  const ok = hasVideo ? checkGroundTruth(p, line, obj as unknown as GroundTruthInput) : checkDetection(p, line, obj as unknown as DetectionInput);
  if (!ok || p.count) return { reason: p.first.map((x) => `${x.field} ${x.reason}`).join('; ') };
  const id = typeof obj.id === 'string' ? obj.id.toLowerCase() : derivedUuid(`${line}\n${text}`);
  const parent = (obj[parentField] as string).toLowerCase();
  return hasVideo
    ? { kind: 'groundTruth', row: { ...groundTruthRow(obj as unknown as GroundTruthInput, id), line, p: parent } }
    : { kind: 'detections', row: { ...detectionRow(obj as unknown as DetectionInput, id), line, p: parent } };
}

export async function importNdjson(db: Db, file: string, opts: ImportOptions = {}): Promise<ImportSummary> {
  const scope = opts.scope ?? adminScope;
  const chunkSize = opts.chunkSize ?? 50_000;
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
    groundTruth: new Map<string, StagedRow<ImportKind>>(),
    detections: new Map<string, StagedRow<ImportKind>>(),
  }));
  const laneOf = (parent: string) => (lanes === 1 ? 0 : parseInt(parent.slice(0, 8), 16) % lanes);
  let rows = 0;
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

  const load = async (kind: ImportKind, chunk: StagedRow<ImportKind>[]) => {
    const out = await loadChunk(db, scope, kind, chunk);
    summary[kind].inserted += out.inserted;
    summary[kind].updated += out.updated;
    rows += out.inserted + out.updated;
    for (const r of out.rejected.sort((a, b) => a.line - b.line)) reject(r.line, r.reason);
    for (const p of out.parents) {
      if (kind === 'groundTruth') {
        for (const t of [tags.groundTruthOf(p.id), tags.video(p.id), tags.videosOf(p.projectId), tags.projectStats(p.projectId)]) changed.add(t);
      } else {
        for (const t of [tags.detectionsOf(p.id), tags.session(p.id), tags.sessionsOfProject(p.projectId), tags.sessionsOfVideo(p.videoId!), tags.projectStats(p.projectId)]) changed.add(t);
      }
    }
    progress();
  };
  // Each lane loads one chunk while the next ones are parsed: the database and the parser overlap.
  const inflight: Promise<void>[] = Array.from({ length: lanes }, () => Promise.resolve());
  const flush = async (lane: number, kind: ImportKind) => {
    const chunk = [...pending[lane][kind].values()];
    pending[lane][kind].clear();
    await inflight[lane];
    inflight[lane] = load(kind, chunk);
    inflight[lane].catch(() => {}); // awaited at the lane's next flush or at the end
  };

  for await (const text of ndjsonLines(input)) {
    const line = ++summary.lines;
    if (text.trim() === '') continue;
    const parsed = parseImportLine(text, line);
    if ('reason' in parsed) {
      reject(line, parsed.reason);
      continue;
    }
    const lane = laneOf(parsed.row.p);
    const map = pending[lane][parsed.kind];
    const earlier = map.get(parsed.row.id);
    if (earlier && earlier.p !== parsed.row.p) {
      reject(line, `id already used for another ${parsed.kind === 'groundTruth' ? 'video' : 'test session'} on line ${earlier.line}`);
      continue;
    }
    map.delete(parsed.row.id); // re-inserting moves a repeated id to the end: the last line wins
    map.set(parsed.row.id, parsed.row);
    if (map.size >= chunkSize) await flush(lane, parsed.kind);
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
