// Every mutation refuses a foreign project exactly like an unknown one (NOT_FOUND, or 0 for the
// id-list mutations that ignore unknown ids) and writes nothing; creating projects is for admins.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { createTestApp, dataOf, type TestApp } from '../support/test-app.js';
import { insertDetections, insertGroundTruth, insertProject, insertTestSession, insertVideo } from '../support/factories.js';
import type { Db } from '../../src/db/client.js';

const tables = ['projects', 'videos', 'ground_truth_objects', 'test_sessions', 'detection_events', 'api_key_projects'];

async function snapshot(db: Db) {
  const out: Record<string, unknown> = {};
  for (const t of tables) out[t] = (await db.query(`SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) AS h FROM ${t} x`))[0];
  return out;
}

describeEachDatabase('mutations respect the key scope', (database) => {
  let app: TestApp;
  let a: { project: string; video: string; session: string; boxes: string[]; detections: string[] };
  let readA: string;
  let writeB: string;
  let projectB: string;

  beforeAll(async () => {
    const db = database().db;
    const project = await insertProject(db, { name: 'alpha' });
    const video = await insertVideo(db, project);
    const boxes = await insertGroundTruth(db, video, [{ frame_number: 1, confidence: 0.9 }]);
    const session = await insertTestSession(db, project, video, { status: 'running' });
    const detections = await insertDetections(db, session, [{ frame_number: 1, confidence: 0.7 }]);
    a = { project, video, session, boxes, detections };
    projectB = await insertProject(db, { name: 'bravo' });
    app = await createTestApp(db);
    readA = await app.createKey({ name: 'reader-a', role: 'member', read: [project] });
    writeB = await app.createKey({ name: 'writer-b', role: 'member', write: [projectB] });
  });
  afterAll(() => app?.close());

  const box = { frameNumber: 1, timestamp: 0.1, classLabel: 'car', confidence: 0.5, x: 1, y: 1, width: 2, height: 2 };
  const detection = { frameNumber: 1, timestamp: 0.1, classLabel: 'car', confidence: 0.5, boundingBox: { x: 1, y: 1, width: 2, height: 2 } };

  /** Mutations keyed by the id they target: [document, variables for an id]. */
  const byId: [string, string, (id: string) => Record<string, unknown>, keyof typeof a][] = [
    ['createVideo', 'mutation($p: ID!) { createVideo(input: { projectId: $p, filename: "x.mp4", duration: 1, fileSize: 1 }) { id } }', (id) => ({ p: id }), 'project'],
    ['createTestSession', 'mutation($p: ID!, $v: ID!) { createTestSession(input: { projectId: $p, videoId: $v }) { id } }', (id) => ({ p: id, v: id }), 'project'],
    ['updateVideo', 'mutation($id: ID!) { updateVideo(id: $id, input: { status: FAILED }) { id } }', (id) => ({ id }), 'video'],
    ['deleteVideo', 'mutation($id: ID!) { deleteVideo(id: $id) }', (id) => ({ id }), 'video'],
    ['upsertGroundTruth', 'mutation($id: ID!, $o: [GroundTruthInput!]!) { upsertGroundTruth(videoId: $id, objects: $o) { inserted updated } }', (id) => ({ id, o: [box] }), 'video'],
    ['completeTestSession', 'mutation($id: ID!) { completeTestSession(id: $id, status: FAILED) { id } }', (id) => ({ id }), 'session'],
    ['ingestDetections', 'mutation($id: ID!, $d: [DetectionInput!]!) { ingestDetections(testSessionId: $id, detections: $d) { inserted updated } }', (id) => ({ id, d: [detection] }), 'session'],
    ['applyEvaluation', 'mutation($id: ID!) { applyEvaluation(testSessionId: $id, overwrite: true) { updated } }', (id) => ({ id }), 'session'],
  ];

  it('refuses every id-targeted mutation on a foreign project exactly like an unknown id, writing nothing', async () => {
    const db = database().db;
    const before = await snapshot(db);
    for (const [name, doc, vars, target] of byId) {
      for (const key of [readA, writeB]) {
        const foreignId = a[target] as string;
        const unknownId = randomUUID();
        const foreign = await app.execute(doc, vars(foreignId), { as: key });
        const unknown = await app.execute(doc, vars(unknownId), { as: key });
        expect(foreign.body.data ?? null, name).toBeNull();
        expect(foreign.status, name).toBe(unknown.status);
        // A read-only key is refused by its role before the target is looked at.
        expect(foreign.body.errors?.[0].extensions?.code, name).toBe(key === readA ? 'FORBIDDEN' : 'NOT_FOUND');
        const scrub = (r: typeof foreign, id: string) => JSON.stringify(r.body.errors).split(id).join('<id>');
        expect(scrub(foreign, foreignId), name).toBe(scrub(unknown, unknownId));
      }
    }
    expect(await snapshot(db)).toEqual(before);
  });

  it('changes nothing through id-list mutations given foreign ids (they count as unknown)', async () => {
    const db = database().db;
    const before = await snapshot(db);
    const lists: [string, string, Record<string, unknown>][] = [
      ['setGroundTruthValidated', 'mutation($ids: [ID!]!) { setGroundTruthValidated(ids: $ids, validated: true) }', { ids: a.boxes }],
      ['deleteGroundTruth', 'mutation($ids: [ID!]!) { deleteGroundTruth(ids: $ids) }', { ids: a.boxes }],
      ['setValidationResults', 'mutation($ids: [ID!]!) { setValidationResults(detectionIds: $ids, result: TP) }', { ids: a.detections }],
    ];
    for (const [name, doc, vars] of lists) {
      expect(dataOf(await app.execute(doc, vars, { as: writeB }))[name], name).toBe(0);
      expect((await app.execute(doc, vars, { as: readA })).body.errors?.[0].extensions?.code, name).toBe('FORBIDDEN');
    }
    expect(await snapshot(db)).toEqual(before);
  });

  it('lets a writer write its own project', async () => {
    const res = await app.execute('mutation($p: ID!) { createVideo(input: { projectId: $p, filename: "b.mp4", duration: 1, fileSize: 1 }) { id project { id } } }', { p: projectB }, { as: writeB });
    expect(dataOf(res).createVideo.project.id).toBe(projectB);
  });

  it('refuses createProject from a member key (admin only), creating nothing', async () => {
    const db = database().db;
    const before = await snapshot(db);
    const res = await app.execute('mutation { createProject(input: { name: "mine" }) { id } }', {}, { as: writeB });
    expect(res.status).toBe(403);
    expect(res.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(await snapshot(db)).toEqual(before);
  });
});
