// SQL for Relay's node lookups: which table holds each id. Ids are row UUIDs, unique across tables,
// so one statement asks every table at once, each branch a primary-key probe filtered by the scope.
// A box or detection finds its project through its parent with a per-row primary-key probe
// (`parentProject`), never a join the planner could turn into a hash over every parent.
import type { AccessScope } from '../../auth/scope.js';
import type { Queryable } from '../client.js';
import { Params } from '../params.js';

/** The project of a box (`g`) or detection (`d`) row, as an expression for a scope filter. */
export const parentProject = {
  ofBox: '(SELECT v.project_id FROM videos v WHERE v.id = g.video_id)',
  ofDetection: '(SELECT t.project_id FROM test_sessions t WHERE t.id = d.test_session_id)',
};

export type NodeTable = 'project' | 'video' | 'session' | 'groundTruth' | 'detection';

export async function nodeTablesByIds(db: Queryable, scope: AccessScope, ids: readonly string[]): Promise<{ id: string; table: NodeTable }[]> {
  const p = new Params();
  const wanted = p.uuids(ids);
  // Each branch repeats the array parameter's placeholder: one parameter, five probes.
  return db.query(
    `/* nodeTablesByIds */
     SELECT p.id, 'project' AS "table" FROM projects p WHERE p.id = ANY(${wanted})${p.scope(scope, 'p.id')}
     UNION ALL SELECT v.id, 'video' FROM videos v WHERE v.id = ANY(${wanted})${p.scope(scope, 'v.project_id')}
     UNION ALL SELECT t.id, 'session' FROM test_sessions t WHERE t.id = ANY(${wanted})${p.scope(scope, 't.project_id')}
     UNION ALL SELECT g.id, 'groundTruth' FROM ground_truth_objects g
       WHERE g.id = ANY(${wanted})${p.scope(scope, parentProject.ofBox)}
     UNION ALL SELECT d.id, 'detection' FROM detection_events d
       WHERE d.id = ANY(${wanted})${p.scope(scope, parentProject.ofDetection)}`,
    p.values,
  );
}
