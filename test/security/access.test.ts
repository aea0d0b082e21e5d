// Project-scoped access through API keys: a member key sees exactly the projects it was granted, on
// every path (root lookups, lists, back-references, stats); a foreign id answers byte-for-byte like
// an unknown one; revocation and new grants take effect on the very next request.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantProjectWrite, revokeKey } from '../../src/auth/api-keys.js';
import { createTestDatabase, describeEachDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';
import { createTestApp, dataOf, type TestApp } from '../support/test-app.js';
import { insertDetections, insertGroundTruth, insertProject, insertTestSession, insertVideo } from '../support/factories.js';
import type { Db } from '../../src/db/client.js';

interface Seeded {
  project: string;
  video: string;
  session: string;
}

async function seedProject(db: Db, name: string): Promise<Seeded> {
  const project = await insertProject(db, { name });
  const video = await insertVideo(db, project);
  await insertGroundTruth(db, video, [{ frame_number: 1, confidence: 0.9 }, { frame_number: 2, confidence: 0.8 }]);
  const session = await insertTestSession(db, project, video);
  await insertDetections(db, session, [{ frame_number: 1, confidence: 0.7, validation_result: 'TP' }]);
  return { project, video, session };
}

const projectQuery = `query($id: ID!) { project(id: $id) { id name stats { videoCount groundTruthTotal detectionsByResult { total } }
  videos(first: 10) { totalCount nodes { id project { id } groundTruth(first: 10, minConfidence: 0) { nodes { id video { id project { id } } } } } }
  testSessions(first: 10) { totalCount nodes { id video { id } detections(first: 10) { nodes { id testSession { id project { id } } } } } } } }`;
const videoQuery = `query($id: ID!) { video(id: $id) { id project { id stats { videoCount } } groundTruthStats { totalObjects }
  testSessions { id video { id } detectionStats { total } } } }`;
const sessionQuery = `query($id: ID!) { testSession(id: $id) { id project { id } video { id project { id } } detectionStats { total } } }`;
const listQuery = `{ projects(first: 100) { totalCount nodes { id stats { videoCount } videos(first: 10) { nodes { project { id } } } } } }`;

describeEachDatabase('access by API key', (database) => {
  let app: TestApp;
  let a: Seeded;
  let b: Seeded;
  let readA: string;
  let writeB: string;

  beforeAll(async () => {
    const db = database().db;
    a = await seedProject(db, 'alpha');
    b = await seedProject(db, 'bravo');
    app = await createTestApp(db);
    readA = await app.createKey({ name: 'reader-a', role: 'member', read: [a.project] });
    writeB = await app.createKey({ name: 'writer-b', role: 'member', write: [b.project] });
  });
  afterAll(() => app?.close());

  describe('authentication', () => {
    it('answers 401 UNAUTHENTICATED as a JSON GraphQL error without a key', async () => {
      const res = await app.execute('{ projects { totalCount } }', {}, { as: null });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(res.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(res.body.data).toBeUndefined();
    });

    it('answers 401 for an unknown, malformed or non-Bearer key', async () => {
      for (const headers of [
        { authorization: `Bearer tg_${'A'.repeat(43)}` },
        { authorization: 'Bearer nonsense' },
        { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
        { authorization: 'Bearer' },
      ]) {
        const res = await app.execute('{ projects { totalCount } }', {}, { as: null, headers });
        expect(res.status, JSON.stringify(headers)).toBe(401);
        expect(res.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      }
    });

    it('accepts the scheme name in any case', async () => {
      const res = await app.execute('{ projects { totalCount } }', {}, { as: null, headers: { authorization: `bearer ${readA}` } });
      expect(dataOf(res).projects.totalCount).toBe(1);
    });
  });

  describe('Query.project / video / testSession', () => {
    it('returns granted projects with every nested path', async () => {
      const data = dataOf(await app.execute(projectQuery, { id: a.project }, { as: readA }));
      expect(data.project.id).toBe(a.project);
      expect(data.project.stats.groundTruthTotal).toBe(2);
      const video = data.project.videos.nodes[0];
      expect(video.project.id).toBe(a.project);
      expect(video.groundTruth.nodes.map((n: any) => n.video.project.id)).toEqual([a.project, a.project]);
      expect(data.project.testSessions.nodes[0].detections.nodes[0].testSession.project.id).toBe(a.project);
    });

    it('answers a foreign id exactly like an unknown id (null, same body, same status)', async () => {
      const unknown = randomUUID();
      for (const [query, foreign] of [
        [projectQuery, b.project],
        [videoQuery, b.video],
        [sessionQuery, b.session],
      ] as const) {
        const f = await app.execute(query, { id: foreign }, { as: readA });
        const u = await app.execute(query, { id: unknown }, { as: readA });
        expect(f.status).toBe(200);
        expect(f.body).toEqual(u.body);
        expect(Object.values(f.body.data!)[0]).toBeNull();
      }
    });

    it('lets a writer read the project it writes, and nothing else', async () => {
      expect(dataOf(await app.execute(videoQuery, { id: b.video }, { as: writeB })).video.project.id).toBe(b.project);
      expect(dataOf(await app.execute(sessionQuery, { id: b.session }, { as: writeB })).testSession.video.project.id).toBe(b.project);
      expect(dataOf(await app.execute(videoQuery, { id: a.video }, { as: writeB })).video).toBeNull();
    });

    it('gives admin keys every project', async () => {
      for (const s of [a, b]) {
        const data = dataOf(await app.execute(sessionQuery, { id: s.session }));
        expect(data.testSession.project.id).toBe(s.project);
      }
    });
  });

  describe('Query.projects', () => {
    it('never lists a project the key may not read, in nodes or in totalCount', async () => {
      const asA = dataOf(await app.execute(listQuery, {}, { as: readA })).projects;
      expect(asA.totalCount).toBe(1);
      expect(asA.nodes.map((p: any) => p.id)).toEqual([a.project]);
      const asB = dataOf(await app.execute(listQuery, {}, { as: writeB })).projects;
      expect(asB.nodes.map((p: any) => p.id)).toEqual([b.project]);
      const asAdmin = dataOf(await app.execute(listQuery)).projects;
      expect(asAdmin.nodes.map((p: any) => p.id).sort()).toEqual([a.project, b.project].sort());
    });

    it('lists nothing for a member key whose project grants are all gone', async () => {
      const db = database().db;
      const doomed = await insertProject(db, { name: 'doomed' });
      const key = await app.createKey({ name: 'doomed-reader', role: 'member', read: [doomed] });
      await db.query(`DELETE FROM projects WHERE id = $1`, [doomed]);
      const data = dataOf(await app.execute(listQuery, {}, { as: key })).projects;
      expect(data).toEqual({ totalCount: 0, nodes: [] });
    });
  });

  describe('key lifecycle', () => {
    it('refuses a revoked key on the very next request', async () => {
      const key = await app.createKey({ name: 'short-lived', role: 'member', read: [a.project] });
      expect(dataOf(await app.execute(listQuery, {}, { as: key })).projects.totalCount).toBe(1);
      expect(await revokeKey(database().db, 'short-lived')).toHaveLength(1);
      const res = await app.execute(listQuery, {}, { as: key });
      expect(res.status).toBe(401);
      expect(res.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('applies a new write grant (createProject path) on the next request', async () => {
      const key = await app.createKey({ name: 'creator', role: 'member', read: [a.project] });
      expect(dataOf(await app.execute(projectQuery, { id: b.project }, { as: key })).project).toBeNull();
      const db = database().db;
      const [{ id: keyId }] = await db.query<{ id: string }>(`SELECT id FROM api_keys WHERE name = 'creator'`);
      await db.transaction((tx) => grantProjectWrite(tx, keyId, b.project));
      expect(dataOf(await app.execute(projectQuery, { id: b.project }, { as: key })).project.id).toBe(b.project);
      const list = dataOf(await app.execute(listQuery, {}, { as: key })).projects;
      expect(list.totalCount).toBe(2);
    });

    it('stores only the sha256 of a key, never the key itself', async () => {
      const rows = await database().db.query<{ key_hash: string }>(`SELECT key_hash FROM api_keys`);
      for (const r of rows) expect(r.key_hash).toMatch(/^[0-9a-f]{64}$/);
      const dump = JSON.stringify(rows);
      for (const secret of [readA, writeB, app.adminKey!]) expect(dump).not.toContain(secret);
    });
  });
});

describe.each(databaseKinds)('development open mode [%s]', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    await insertProject(database.db, { name: 'open' });
  });
  afterAll(() => database?.drop());

  it('runs keyless requests as admin only in development on loopback while no key exists', async () => {
    const dev = await createTestApp(database.db, { NODE_ENV: 'development' }, { adminKey: false });
    const prod = await createTestApp(database.db, { NODE_ENV: 'production' }, { adminKey: false });
    const testEnv = await createTestApp(database.db, {}, { adminKey: false });
    try {
      expect(dataOf(await dev.execute('{ projects { totalCount } }', {}, { as: null })).projects.totalCount).toBe(1);
      expect((await prod.execute('{ projects { totalCount } }', {}, { as: null })).status).toBe(401);
      expect((await testEnv.execute('{ projects { totalCount } }', {}, { as: null })).status).toBe(401);
      // A wrong key is still refused in open mode.
      expect((await dev.execute('{ projects { totalCount } }', {}, { as: 'tg_wrong' })).status).toBe(401);

      // The first key ends open mode at once, without a restart.
      const key = await dev.createKey({ name: 'first', role: 'admin' });
      expect((await dev.execute('{ projects { totalCount } }', {}, { as: null })).status).toBe(401);
      expect(dataOf(await dev.execute('{ projects { totalCount } }', {}, { as: key })).projects.totalCount).toBe(1);
    } finally {
      await Promise.all([dev.close(), prod.close(), testEnv.close()]);
    }
  });
});
