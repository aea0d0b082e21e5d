// The evaluation reads come from indexes: a session's detections through its session index, its
// video's boxes through the video index, the completed sessions of projects through the project index
// — no sequential scan of a large table (sequential scans are switched off to expose a missing index).
import { beforeAll, expect, it } from 'vitest';
import { adminScope } from '../../src/auth/scope.js';
import type { Param, Queryable } from '../../src/db/client.js';
import { completedSessionsByProjects, evaluationInputsBySessions } from '../../src/db/queries/evaluation.queries.js';
import { seedData } from '../../src/db/seed-data.js';
import { describeEachDatabase } from '../support/databases.js';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

const flatten = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(flatten)];
const bigTables = ['videos', 'ground_truth_objects', 'test_sessions', 'detection_events'];

describeEachDatabase('query plans of the evaluation reads', (database) => {
  let sessions: string[];
  let projects: string[];

  beforeAll(async () => {
    const db = database().db;
    await seedData(db, { projects: 2, videosPerProject: 100, groundTruthMean: 40, bigVideoEvery: 100, sessionEvery: 10, detectionsMean: 500, seed: 14 });
    await db.query('ANALYZE');
    sessions = (await db.query<{ id: string }>('SELECT id FROM test_sessions ORDER BY id LIMIT 3')).map((r) => r.id);
    projects = (await db.query<{ id: string }>('SELECT id FROM projects ORDER BY id')).map((r) => r.id);
  });

  /** EXPLAIN of the statement `run` would send, parameters inlined (executions get custom plans). */
  async function plan(run: (db: Queryable) => Promise<unknown>): Promise<PlanNode[]> {
    let captured: { text: string; params: readonly Param[] } | undefined;
    await run({ query: async (text, params = []) => ((captured = { text, params }), []) });
    const literal = (v: Param) => (v === null ? 'NULL' : typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v));
    const inlined = captured!.text.replace(/\$(\d+)/g, (_, n) => literal(captured!.params[Number(n) - 1]));
    return database().db.transaction(async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off');
      const [row] = await tx.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${inlined}`);
      const json = row['QUERY PLAN'];
      return flatten((typeof json === 'string' ? JSON.parse(json) : json)[0].Plan);
    });
  }

  const described = (nodes: PlanNode[]) => JSON.stringify(nodes.map((n) => [n['Node Type'], n['Index Name'] ?? n['Relation Name']]));
  const seqScans = (nodes: PlanNode[]) => nodes.filter((n) => n['Node Type'] === 'Seq Scan' && bigTables.includes(n['Relation Name']!));
  const indexesOf = (nodes: PlanNode[], table: string) => nodes.filter((n) => n['Relation Name'] === table && n['Index Name']).map((n) => n['Index Name']);

  it('reads the detections of the sessions and the boxes of their videos through indexes', async () => {
    for (const ids of [sessions.slice(0, 1), sessions]) {
      const nodes = await plan((db) => evaluationInputsBySessions(db, adminScope, ids));
      expect(seqScans(nodes), described(nodes)).toEqual([]);
      expect(indexesOf(nodes, 'detection_events').length, described(nodes)).toBeGreaterThan(0);
      expect(indexesOf(nodes, 'ground_truth_objects').length, described(nodes)).toBeGreaterThan(0);
    }
  });

  it('reads the completed sessions of projects through the project index', async () => {
    const nodes = await plan((db) => completedSessionsByProjects(db, projects));
    expect(seqScans(nodes), described(nodes)).toEqual([]);
  });
});
