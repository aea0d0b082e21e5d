// The matches live evaluation keeps for a session (live_matches, read directly), as the reference's
// `matches` map: a detection without a row is a FP.
import type { Db } from '../../src/db/client.js';
import type { RefDetection, RefEvaluation } from './reference.js';

export async function keptMatches(db: Db, sessionId: string, detections: readonly RefDetection[]): Promise<RefEvaluation['matches']> {
  const rows = await db.query<{ d: string; b: string; iou: number; ignored: boolean }>(
    `SELECT detection_id AS d, box_id AS b, iou, ignored FROM live_matches WHERE test_session_id = $1::uuid`,
    [sessionId],
  );
  const byId = new Map(rows.map((r) => [r.d, r]));
  return new Map(
    detections.map((d) => {
      const r = byId.get(d.id);
      return [d.id, r ? { boxId: r.b, iou: Number(r.iou), outcome: r.ignored ? 'IGNORED' : 'TP' } : { boxId: null, iou: null, outcome: 'FP' }];
    }),
  );
}
