// SQL for Relay's node lookups: which table holds each id. Ids are row UUIDs, unique across tables,
// so one statement asks every table at once, each branch a primary-key probe filtered by the scope.
// A box or detection finds its project through its parent with a per-row primary-key probe
// (`parentProject`), never a join the planner could turn into a hash over every parent.
import type { AccessScope } from '../../auth/scope.js';
import { sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { readableBy, scopeValues, uuidArray } from '../params.js';
import { detectionEvents as d, groundTruthObjects as g, projects as p, testSessions as t, videos as v } from '../schema.js';
import { Statement } from '../statement.js';

/**
 * The project of a box or detection row, as an expression for a scope filter; the statement reads
 * the row's table by its name (no alias), as drizzle names columns.
 */
export const parentProject = {
  ofBox: sql`(SELECT ${v.projectId} FROM ${v} WHERE ${v.id} = ${g.videoId})`,
  ofDetection: sql`(SELECT ${t.projectId} FROM ${t} WHERE ${t.id} = ${d.testSessionId})`,
};

export type NodeTable = 'project' | 'video' | 'session' | 'groundTruth' | 'detection';

const wanted = sql`ANY(${sql.placeholder('ids')}::uuid[])`;

const tables = new Statement(sql`/* nodeTablesByIds */
  SELECT ${p.id}, 'project' AS "table" FROM ${p} WHERE ${p.id} = ${wanted} AND ${readableBy(p.id)}
  UNION ALL SELECT ${v.id}, 'video' FROM ${v} WHERE ${v.id} = ${wanted} AND ${readableBy(v.projectId)}
  UNION ALL SELECT ${t.id}, 'session' FROM ${t} WHERE ${t.id} = ${wanted} AND ${readableBy(t.projectId)}
  UNION ALL SELECT ${g.id}, 'groundTruth' FROM ${g} WHERE ${g.id} = ${wanted} AND ${readableBy(parentProject.ofBox)}
  UNION ALL SELECT ${d.id}, 'detection' FROM ${d} WHERE ${d.id} = ${wanted} AND ${readableBy(parentProject.ofDetection)}`);

export function nodeTablesByIds(db: Queryable, scope: AccessScope, ids: readonly string[]): Promise<{ id: string; table: NodeTable }[]> {
  const { admin, readable } = scopeValues(scope);
  return tables.run(db, { ids: uuidArray(ids), admin, readable });
}
