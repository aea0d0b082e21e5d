// Checks one NDJSON import line and turns it into a COPY row. The rules are the mutations' own
// (checkGroundTruth / checkDetection): a line that passes the inline fast checks below would pass
// them too (test/write/import-line.test.ts holds the two to that), and any line the fast checks do
// not clear — an odd label, a bad value — goes through the mutations' checks, which give the reason.
import { createHash } from 'node:crypto';
import { copyText } from '../db/copy.js';
import type { ImportKind, ImportRow } from '../db/queries/import.mutations.js';
import { BatchProblems } from './batch-problems.js';
import { checkDetection, type DetectionInput } from './detection.service.js';
import { checkGroundTruth, type GroundTruthInput } from './ground-truth.service.js';

export type ParsedLine = { kind: ImportKind; row: ImportRow } | { reason: string };

/** The largest finite float4 (as BatchProblems.number's `real` bound). */
const realMax = 3.4028234663852886e38;
const int32Max = 2_147_483_647;

/** RFC 4122 version-5-style uuid from a name: stable across runs for the same line. */
function derivedUuid(name: string): string {
  const h = createHash('sha1').update('truthgraph-import\n').update(name).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

// The fast checks: each is at least as strict as the BatchProblems rule it stands for.
/** isUuid (cursor.ts) without a regex: two per line were 15 % of the parsing time. */
function uuid(v: unknown): v is string {
  if (typeof v !== 'string' || v.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = v.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false; // -
    } else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false; // 0-9 a-f A-F
  }
  return true;
}
const real = (v: unknown): v is number => typeof v === 'number' && v <= realMax && v >= -realMax && (v === 0 || Math.fround(v) !== 0);
const positiveReal = (v: unknown): v is number => typeof v === 'number' && v > 0 && v <= realMax && Math.fround(v) !== 0;
const confidence = (v: unknown): v is number => typeof v === 'number' && v >= 0 && v <= 1 && (v === 0 || Math.fround(v) !== 0);
const frame = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= int32Max;
const timestamp = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const optionalBoolean = (v: unknown) => v == null || typeof v === 'boolean';
const validationResult = (v: unknown) => v == null || v === 'TP' || v === 'FP' || v === 'FN' || v === 'PENDING';

/** A label needing neither a closer look nor COPY escaping: 1..128 UTF-16 units, no control character, backslash or surrogate. */
function plainLabel(v: unknown): v is string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 128) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 32 || c === 92 || (c >= 0xd800 && c <= 0xdfff)) return false;
  }
  return true;
}

type Obj = Record<string, unknown>;

/** ground_truth_objects columns after id and video_id, as COPY text; the values are checked. */
const groundTruthFields = (o: Obj, label: string) =>
  `${o.frameNumber}\t${o.timestamp}\t${label}\t${o.confidence}\t${o.x}\t${o.y}\t${o.width}\t${o.height}\t${o.validated ? 't' : 'f'}\t${o.difficult ? 't' : 'f'}`;

/** detection_events columns after id and test_session_id, as COPY text; the values are checked. */
function detectionFields(o: Obj, label: string): string {
  const b = o.boundingBox as Obj;
  return `${o.frameNumber}\t${o.timestamp}\t${label}\t${o.confidence}\t${o.validationResult ?? 'PENDING'}\t${b.x}\t${b.y}\t${b.width}\t${b.height}`;
}

function fastGroundTruth(o: Obj): boolean {
  return (
    frame(o.frameNumber) && timestamp(o.timestamp) && confidence(o.confidence) && real(o.x) && real(o.y) &&
    positiveReal(o.width) && positiveReal(o.height) && optionalBoolean(o.validated) && optionalBoolean(o.difficult) &&
    plainLabel(o.classLabel)
  );
}

function fastDetection(o: Obj): boolean {
  const b = o.boundingBox;
  if (b === null || typeof b !== 'object') return false;
  const box = b as Obj;
  return (
    frame(o.frameNumber) && timestamp(o.timestamp) && confidence(o.confidence) && validationResult(o.validationResult) &&
    real(box.x) && real(box.y) && positiveReal(box.width) && positiveReal(box.height) && plainLabel(o.classLabel)
  );
}

/** Checks one line; answers the COPY row or the reasons it was refused. */
export function parseImportLine(text: string, line: number): ParsedLine {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return { reason: 'not valid JSON' };
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return { reason: 'not a JSON object' };
  const obj = o as Obj;
  const video = obj.videoId;
  const session = obj.testSessionId;
  // JSON has no undefined: a present key is never undefined.
  const hasVideo = video !== undefined;
  if (hasVideo === (session !== undefined)) return { reason: 'needs exactly one of videoId (ground truth) or testSessionId (detection)' };
  const parent = hasVideo ? video : session;
  const id = obj.id;
  const fast =
    uuid(parent) && (id == null || uuid(id)) && (hasVideo ? fastGroundTruth(obj) : fastDetection(obj));
  let label = obj.classLabel as string;
  if (!fast) {
    const p = new BatchProblems();
    p.uuid(line, hasVideo ? 'videoId' : 'testSessionId', parent);
    if (hasVideo) checkGroundTruth(p, line, obj as unknown as GroundTruthInput);
    else checkDetection(p, line, obj as unknown as DetectionInput);
    if (p.count) return { reason: p.first.map((x) => `${x.field} ${x.reason}`).join('; ') };
    label = copyText(label);
  }
  const fields = hasVideo ? groundTruthFields(obj, label) : detectionFields(obj, label);
  // Flatten the template's ~20 pieces into one string now: a chunk keeps its rows alive until
  // it is written, and those pieces were a third of the parser's garbage-collection time.
  fields.charCodeAt(0);
  const row: ImportRow = {
    line,
    id: typeof id === 'string' ? id.toLowerCase() : derivedUuid(`${line}\n${text}`),
    p: (parent as string).toLowerCase(),
    fields,
  };
  return { kind: hasVideo ? 'groundTruth' : 'detections', row };
}
