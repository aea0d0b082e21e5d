// Conflicts on client-chosen ids say only that the id is not available: for generated batches and
// positions, a taken id answers the same status and body (the id itself aside) whether the caller's
// own row holds it (under another parent) or another tenant's does, and no answer names the holder.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { insertDetections, insertGroundTruth, insertProject, insertTestSession, insertVideo } from '../support/factories.js';
import { createTestApp, type GraphQLResponse, type TestApp } from '../support/test-app.js';

const box = (id?: string) => ({ ...(id ? { id } : {}), frameNumber: 1, timestamp: 0.1, classLabel: 'car', confidence: 0.5, x: 1, y: 1, width: 2, height: 2 });
const detection = (id?: string) => ({ ...(id ? { id } : {}), frameNumber: 1, timestamp: 0.1, classLabel: 'car', confidence: 0.5, boundingBox: { x: 1, y: 1, width: 2, height: 2 } });

interface Side {
  project: string;
  video: string;
  session: string;
  box: string;
  detection: string;
}

describeEachDatabase('conflicts on client-chosen ids', (database) => {
  let app: TestApp;
  let writer: string;
  /** The caller's target parents, its own rows under other parents, and another tenant's rows. */
  let target: { project: string; video: string; session: string };
  let own: Side;
  let foreign: Side;

  async function side(): Promise<Side> {
    const db = database().db;
    const project = await insertProject(db);
    const video = await insertVideo(db, project);
    const [b] = await insertGroundTruth(db, video, [{ frame_number: 1, confidence: 0.9 }]);
    const session = await insertTestSession(db, project, video, { status: 'running' });
    const [d] = await insertDetections(db, session, [{ frame_number: 1, confidence: 0.7 }]);
    return { project, video, session, box: b, detection: d };
  }

  beforeAll(async () => {
    const db = database().db;
    app = await createTestApp(db);
    own = await side();
    foreign = await side();
    const video = await insertVideo(db, own.project);
    const session = await insertTestSession(db, own.project, video, { status: 'running' });
    target = { project: own.project, video, session };
    writer = await app.createKey({ name: 'writer', role: 'member', write: [own.project] });
  });
  afterAll(() => app?.close());

  const kinds = {
    createVideo: (id: string) => ({
      query: 'mutation($input: CreateVideoInput!) { createVideo(input: $input) { id } }',
      variables: { input: { id, projectId: target.project, filename: 'x.mp4', duration: 1, fileSize: 1 } },
    }),
    createTestSession: (id: string) => ({
      query: 'mutation($input: CreateTestSessionInput!) { createTestSession(input: $input) { id } }',
      variables: { input: { id, projectId: target.project, videoId: target.video } },
    }),
    upsertGroundTruth: (id: string, at: number, size: number) => ({
      query: 'mutation($v: ID!, $o: [GroundTruthInput!]!) { upsertGroundTruth(videoId: $v, objects: $o) { inserted } }',
      variables: { v: target.video, o: Array.from({ length: size }, (_, i) => box(i === at ? id : undefined)) },
    }),
    ingestDetections: (id: string, at: number, size: number) => ({
      query: 'mutation($s: ID!, $d: [DetectionInput!]!) { ingestDetections(testSessionId: $s, detections: $d) { inserted } }',
      variables: { s: target.session, d: Array.from({ length: size }, (_, i) => detection(i === at ? id : undefined)) },
    }),
  };
  const holderOf = { createVideo: 'video', createTestSession: 'session', upsertGroundTruth: 'box', ingestDetections: 'detection' } as const;

  const counts = async () => (await database().db.query(`SELECT (SELECT count(*) FROM videos) v, (SELECT count(*) FROM test_sessions) s, (SELECT count(*) FROM ground_truth_objects) g, (SELECT count(*) FROM detection_events) d`))[0];
  const shape = (r: GraphQLResponse, id: string) => ({ status: r.status, body: JSON.stringify(r.body).split(id).join('<id>') });

  it('answers a taken id the same whoever holds it, names no holder, and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...(Object.keys(kinds) as (keyof typeof kinds)[])),
        fc.integer({ min: 1, max: 4 }).chain((size) => fc.record({ size: fc.constant(size), at: fc.nat({ max: size - 1 }) })),
        fc.boolean(),
        async (kind, { size, at }, upper) => {
          const before = await counts();
          const idOf = (s: Side) => (upper ? s[holderOf[kind]].toUpperCase() : s[holderOf[kind]]);
          const ownId = idOf(own);
          const foreignId = idOf(foreign);
          const mine = await app.execute(kinds[kind](ownId, at, size).query, kinds[kind](ownId, at, size).variables, { as: writer });
          const theirs = await app.execute(kinds[kind](foreignId, at, size).query, kinds[kind](foreignId, at, size).variables, { as: writer });
          expect(shape(theirs, foreignId.toLowerCase()), kind).toEqual(shape(mine, ownId.toLowerCase()));
          expect(['CONFLICT', 'BAD_USER_INPUT']).toContain(theirs.body.errors?.[0]?.extensions?.code);
          const text = JSON.stringify(theirs.body);
          expect(text).toMatch(/not available/);
          expect(text).not.toMatch(/belongs|another|exists/);
          for (const row of Object.values(foreign)) if (row !== foreignId.toLowerCase()) expect(text).not.toContain(row);
          expect(await counts()).toEqual(before);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('still accepts a fresh client id', async () => {
    const res = await app.execute(kinds.createVideo(randomUUID()).query, kinds.createVideo(randomUUID()).variables, { as: writer });
    expect(res.body.errors).toBeUndefined();
  });
});

it('no message in src names the holder of a taken id ("belongs to another", "already exists")', () => {
  const root = join(import.meta.dirname, '..', '..', 'src');
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : n.endsWith('.ts') ? [join(dir, n)] : []));
  const offenders = files(root).flatMap((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .filter((line) => !line.trim().startsWith('//') && !line.trim().startsWith('*') && /['"`][^'"`]*(belongs to another|already exists)/.test(line))
      .map((line) => `${f}: ${line.trim()}`),
  );
  expect(offenders).toEqual([]);
});
