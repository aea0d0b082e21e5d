// Relay's conventions through HTTP: node / nodes for every entity type (through the scoped by-id
// loaders, foreign ≡ unknown), backward pages with last / before on every connection (the same list
// as the forward walk, reversed page by page), and cursors bound to the list that issued them.
// Properties over every connection field, under both executors.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { insertDetections, insertGroundTruth, insertProject, insertTestSession, insertVideo } from '../support/factories.js';
import { createTestApp, dataOf, type GraphQLResponse, type TestApp } from '../support/test-app.js';

const pageInfo = 'pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';
const pageArgs = '$first: Int, $after: String, $last: Int, $before: String';
const pageVars = 'first: $first, after: $after, last: $last, before: $before';

/** One connection field under one parent: how to read a page of it and where the page sits in the answer. */
interface ListCase {
  name: string;
  query: string;
  vars: Record<string, unknown>;
  pick: (data: any) => any;
}

describeEachDatabase('Relay conventions', (database) => {
  const apps = new Map<string, TestApp>();
  const ids = {} as {
    projects: string[];
    videos: string[][];
    sessions: string[][];
    boxes: string[];
    detections: string[];
  };
  let readerA: string;

  beforeAll(async () => {
    const db = database().db;
    ids.projects = [];
    ids.videos = [];
    ids.sessions = [];
    for (const [p, name] of ['A', 'B'].entries()) {
      const project = await insertProject(db, { name, createdAt: `2026-0${p + 1}-01T00:00:00Z` });
      ids.projects.push(project);
      const videos: string[] = [];
      for (let v = 0; v < 5 - p; v++) {
        // Two videos share a created_at: the id breaks the tie in both directions.
        const createdAt = v === 3 ? '2026-03-03T00:00:00Z' : `2026-03-0${v + 1}T00:00:00Z`;
        videos.push(await insertVideo(db, project, { createdAt }));
      }
      ids.videos.push(videos);
      const sessions: string[] = [];
      for (let s = 0; s < 4 - p; s++) sessions.push(await insertTestSession(db, project, videos[0], { status: 'completed', startedAt: `2026-04-0${s + 1}T00:00:00Z` }));
      ids.sessions.push(sessions);
    }
    // Boxes with ties on frame and on confidence, so every part of the mixed-direction order is paged.
    const boxes = [
      [1, 0.9], [1, 0.5], [1, 0.5], [2, 0.7], [2, 0.3], [3, 0.8], [3, 0.8], [5, 0.4],
    ].map(([frame_number, confidence]) => ({ frame_number, confidence, class_label: 'car' }));
    ids.boxes = await insertGroundTruth(db, ids.videos[0][0], boxes);
    await insertGroundTruth(db, ids.videos[1][0], boxes.slice(0, 3));
    ids.detections = await insertDetections(
      db,
      ids.sessions[0][0],
      [0.1, 0.2, 0.2, 0.3, 0.5, 0.5, 0.8].map((timestamp, i) => ({ frame_number: i, timestamp, confidence: 0.5, validation_result: 'TP', class_label: 'car' })),
    );
    await insertDetections(db, ids.sessions[1][0], [{ frame_number: 1, timestamp: 0.1, confidence: 0.5, validation_result: 'FP', class_label: 'car' }]);
    for (const executor of ['jit', 'graphql-js']) apps.set(executor, await createTestApp(db, { EXECUTOR: executor }));
    readerA = await apps.get('jit')!.createKey({ name: 'reader-a', role: 'member', read: [ids.projects[0]] });
  });
  afterAll(async () => {
    for (const app of apps.values()) await app.close();
  });

  /** Every connection field, under each of two parents (a cursor must not cross either). */
  const lists = (): ListCase[] => [
    { name: 'Query.projects', query: `query(${pageArgs}) { c: projects(${pageVars}) { ${pageInfo} edges { cursor node { id } } } }`, vars: {}, pick: (d) => d.c },
    ...[0, 1].flatMap((p): ListCase[] => [
      {
        name: `Project.videos of ${'AB'[p]}`,
        query: `query($id: ID!, ${pageArgs}) { x: project(id: $id) { c: videos(${pageVars}) { ${pageInfo} edges { cursor node { id } } } } }`,
        vars: { id: ids.projects[p] },
        pick: (d) => d.x?.c,
      },
      {
        name: `Project.testSessions of ${'AB'[p]}`,
        query: `query($id: ID!, ${pageArgs}) { x: project(id: $id) { c: testSessions(${pageVars}) { ${pageInfo} edges { cursor node { id } } } } }`,
        vars: { id: ids.projects[p] },
        pick: (d) => d.x?.c,
      },
      {
        name: `Video.groundTruth of ${'AB'[p]}`,
        query: `query($id: ID!, ${pageArgs}) { x: video(id: $id) { c: groundTruth(minConfidence: 0, ${pageVars}) { ${pageInfo} edges { cursor node { id } } } } }`,
        vars: { id: ids.videos[p][0] },
        pick: (d) => d.x?.c,
      },
      {
        name: `TestSession.detections of ${'AB'[p]}`,
        query: `query($id: ID!, ${pageArgs}) { x: testSession(id: $id) { c: detections(${pageVars}) { ${pageInfo} edges { cursor node { id } } } } }`,
        vars: { id: ids.sessions[p][0] },
        pick: (d) => d.x?.c,
      },
    ]),
  ];

  // Client-chosen ids: a null node(id) must not outlive the write that creates the row (boxes and
  // detections have no tag of their own), nor a found one the write that deletes it.
  describe('node answers through the response cache', () => {
    let cached: TestApp;
    let readerKey: string;
    let running: string;
    beforeAll(async () => {
      cached = await createTestApp(database().db, { CACHE: 'on' });
      readerKey = await cached.createKey({ name: 'cached-reader-a', role: 'member', read: [ids.projects[0]] });
      running = await insertTestSession(database().db, ids.projects[0], ids.videos[0][1], { status: 'running' });
    });
    afterAll(() => cached?.close());

    const nodeQuery = 'query($id: ID!) { node(id: $id) { __typename id } }';
    const read = async (id: string, as?: string) => {
      const res = await cached.execute(nodeQuery, { id }, as ? { as } : {});
      return { node: dataOf(res).node, xCache: res.headers.get('x-cache') };
    };
    const box = (id: string) => ({ id, frameNumber: 9, timestamp: 0.3, classLabel: 'car', confidence: 0.7, x: 1, y: 1, width: 2, height: 2 });

    it('a box or detection created with a client-chosen id appears to the admin and to a member at once, and leaves when deleted', async () => {
      const [boxId, detectionId] = [randomUUID(), randomUUID()];
      for (const id of [boxId, detectionId]) {
        for (const as of [undefined, readerKey]) {
          expect(await read(id, as)).toEqual({ node: null, xCache: 'MISS' });
          expect(await read(id, as)).toEqual({ node: null, xCache: 'HIT' });
        }
      }
      // One write at a time: each must drop the nulls of its own kind of row.
      dataOf(await cached.execute('mutation($v: ID!, $o: [GroundTruthInput!]!) { upsertGroundTruth(videoId: $v, objects: $o) { inserted } }', { v: ids.videos[0][1], o: [box(boxId)] }));
      for (const as of [undefined, readerKey]) expect((await read(boxId, as)).node).toEqual({ __typename: 'GroundTruthObject', id: boxId });
      dataOf(await cached.execute(
        'mutation($s: ID!, $d: [DetectionInput!]!) { ingestDetections(testSessionId: $s, detections: $d) { inserted } }',
        { s: running, d: [{ id: detectionId, frameNumber: 1, timestamp: 0.1, classLabel: 'car', confidence: 0.5, boundingBox: { x: 1, y: 1, width: 1, height: 1 } }] },
      ));
      for (const as of [undefined, readerKey]) {
        expect((await read(boxId, as)).node).toEqual({ __typename: 'GroundTruthObject', id: boxId });
        expect((await read(detectionId, as)).node).toEqual({ __typename: 'DetectionEvent', id: detectionId });
        expect((await read(boxId, as)).xCache).toBe('HIT');
      }
      dataOf(await cached.execute('mutation($ids: [ID!]!) { deleteGroundTruth(ids: $ids) }', { ids: [boxId] }));
      for (const as of [undefined, readerKey]) expect((await read(boxId, as)).node).toBeNull();
    });
  });

  describe('the cost limit', () => {
    it('prices last like first, and nodes(ids:) at its bound of 100, whatever the ids sent', async () => {
      const q = (query: string, variables?: Record<string, unknown>) => apps.get('jit')!.execute(query, variables);
      const backward = await q('{ projects(last: 100) { nodes { videos(last: 100) { nodes { groundTruth(last: 10000) { nodes { id } } } } } } }');
      expect(backward.body.errors?.[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', cost: 200_020_201 }); // its forward twin's price (docs/security.md)
      const nodes = await q('query($ids: [ID!]!) { nodes(ids: $ids) { ... on Video { groundTruth(first: 10000) { nodes { id x } } } } }', { ids: [ids.videos[0][0]] });
      expect(nodes.body.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
      expect(nodes.body.errors?.[0].extensions?.cost).toBeGreaterThan(100 * 10_000 * 2);
    });
  });

  describe.each(['jit', 'graphql-js'])('executor %s', (executor) => {
    const q = (query: string, variables?: Record<string, unknown>, as?: string) => apps.get(executor)!.execute(query, variables, as ? { as } : {});
    const page = async (list: ListCase, args: Record<string, unknown>) => list.pick(dataOf(await q(list.query, { ...list.vars, ...args })));

    describe('Query.node', () => {
      it('answers every entity type by its id, with the same fields as its own root field', async () => {
        const [project] = ids.projects;
        const data = dataOf(await q(
          `query($p: ID!, $v: ID!, $s: ID!, $b: ID!, $d: ID!) {
            p: node(id: $p) { __typename id ... on Project { name } }
            v: node(id: $v) { __typename id ... on Video { createdAt project { id } } }
            s: node(id: $s) { __typename id ... on TestSession { startedAt video { id } } }
            b: node(id: $b) { __typename id ... on GroundTruthObject { frameNumber video { id } } }
            d: node(id: $d) { __typename id ... on DetectionEvent { timestamp testSession { id } } }
            project(id: $p) { name stats { id videoCount } }
          }`,
          { p: project, v: ids.videos[0][1], s: ids.sessions[0][1], b: ids.boxes[0], d: ids.detections[0] },
        ));
        expect(data.p).toEqual({ __typename: 'Project', id: project, name: 'A' });
        expect(data.v).toEqual({ __typename: 'Video', id: ids.videos[0][1], createdAt: '2026-03-02T00:00:00.000Z', project: { id: project } });
        expect(data.s).toEqual({ __typename: 'TestSession', id: ids.sessions[0][1], startedAt: '2026-04-02T00:00:00.000Z', video: { id: ids.videos[0][0] } });
        expect(data.b).toEqual({ __typename: 'GroundTruthObject', id: ids.boxes[0], frameNumber: 1, video: { id: ids.videos[0][0] } });
        expect(data.d).toEqual({ __typename: 'DetectionEvent', id: ids.detections[0], timestamp: 0.1, testSession: { id: ids.sessions[0][0] } });
        expect(data.project.stats).toEqual({ id: `stats:${project}`, videoCount: 5 });
        const stats = dataOf(await q('query($id: ID!) { node(id: $id) { __typename id ... on ProjectStats { videoCount } } }', { id: `stats:${project}` }));
        expect(stats.node).toEqual({ __typename: 'ProjectStats', id: `stats:${project}`, videoCount: 5 });
      });

      it('answers null for an unknown id and BAD_USER_INPUT for one that is no id at all', async () => {
        expect(dataOf(await q('query($id: ID!) { node(id: $id) { id } }', { id: randomUUID() })).node).toBeNull();
        expect(dataOf(await q('query($id: ID!) { node(id: $id) { id } }', { id: `stats:${randomUUID()}` })).node).toBeNull();
        for (const id of ['42', 'stats:', 'stats:42', `video:${randomUUID()}`]) {
          const res = await q('query($id: ID!) { node(id: $id) { id } }', { id });
          expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'id' });
        }
      });

      it('answers a foreign id exactly like an unknown one, for every type (property)', async () => {
        const foreign = [ids.projects[1], ...ids.videos[1], ...ids.sessions[1], `stats:${ids.projects[1]}`];
        const shape = 'query($id: ID!, $ids: [ID!]!) { node(id: $id) { __typename id } nodes(ids: $ids) { __typename id } }';
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...foreign), fc.uuid({ version: 4 }), async (id, unknown) => {
            const a = await q(shape, { id, ids: [ids.videos[0][0], id] }, readerA);
            const b = await q(shape, { id: unknown, ids: [ids.videos[0][0], unknown] }, readerA);
            expect({ status: a.status, body: a.body }).toEqual({ status: b.status, body: b.body });
            expect(a.body.data).toEqual({ node: null, nodes: [{ __typename: 'Video', id: ids.videos[0][0] }, null] });
          }),
          { numRuns: 25 },
        );
      });
    });

    describe('Query.nodes', () => {
      it('answers in the order asked, null where node would, in two statements however many ids', async () => {
        const asked = [ids.detections[2], ids.videos[0][0], randomUUID(), ids.boxes[3], ids.sessions[1][0], ids.projects[1], ...ids.videos[1]];
        const res = await q('query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }', { ids: asked });
        expect(dataOf(res).nodes.map((n: any) => n?.id ?? null)).toEqual(asked.map((id, i) => (i === 2 ? null : id)));
        // One statement finds the tables; then one per type found (5 here), each batched over its ids.
        expect(Number(res.headers.get('x-sql-statements'))).toBe(6);
        const videosOnly = await q('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: [...ids.videos[0], ...ids.videos[1]] });
        expect(Number(videosOnly.headers.get('x-sql-statements'))).toBe(2);
      });

      it('refuses more than 100 ids with BAD_USER_INPUT', async () => {
        const res = await q('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: Array.from({ length: 101 }, () => randomUUID()) });
        expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'ids' });
      });
    });

    describe('backward pages (last / before)', () => {
      it('walks every connection backward page by page to the same list as forward (property)', async () => {
        const all = lists();
        const forward = new Map<string, string[]>();
        for (const list of all) forward.set(list.name, (await page(list, { first: 100 })).edges.map((e: any) => e.node.id));
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...all), fc.integer({ min: 1, max: 4 }), async (list, size) => {
            const seen: string[][] = [];
            let before: string | undefined;
            for (;;) {
              const c = await page(list, { last: size, before });
              expect(c.pageInfo.hasNextPage).toBe(false);
              expect(c.edges.length).toBeLessThanOrEqual(size);
              expect(c.pageInfo.startCursor).toBe(c.edges[0]?.cursor ?? null);
              seen.unshift(c.edges.map((e: any) => e.node.id));
              if (!c.pageInfo.hasPreviousPage) break;
              before = c.pageInfo.startCursor;
            }
            expect(seen.flat()).toEqual(forward.get(list.name));
          }),
          { numRuns: 30 },
        );
      });

      it('pages forward from a backward page and back again to the same rows', async () => {
        for (const list of lists()) {
          const full = (await page(list, { first: 100 })).edges.map((e: any) => e.node.id);
          if (full.length < 3) continue;
          const middle = await page(list, { first: 2 });
          expect(middle.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
          const back = await page(list, { last: 1, before: middle.pageInfo.endCursor });
          expect(back.edges.map((e: any) => e.node.id)).toEqual([full[0]]);
          const next = await page(list, { first: 1, after: back.pageInfo.endCursor });
          expect(next.edges.map((e: any) => e.node.id)).toEqual([full[1]]);
        }
      });

      it.each([
        ['first and last together', { first: 2, last: 2 }, 'last'],
        ['last with after', { last: 2, after: 'x' }, 'after'],
        ['last above its maximum', { last: 101 }, 'last'],
        ['last below 1', { last: 0 }, 'last'],
      ])('rejects %s with BAD_USER_INPUT naming the argument', async (_, args, argument) => {
        const res = await q(`query(${pageArgs}) { projects(${pageVars}) { totalCount } }`, args);
        expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
      });
    });

    describe('cursors', () => {
      it("accepts a cursor only on the list and parent that issued it, as after and as before (property over every connection field)", async () => {
        const all = lists();
        const cursors = new Map<string, string[]>();
        for (const list of all) cursors.set(list.name, (await page(list, { first: 100 })).edges.map((e: any) => e.cursor));
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...all), fc.constantFrom(...all), fc.boolean(), fc.nat(), async (from, to, backward, i) => {
            const issued = cursors.get(from.name)!;
            const cursor = issued[i % issued.length];
            const res: GraphQLResponse = await q(to.query, { ...to.vars, ...(backward ? { last: 2, before: cursor } : { first: 2, after: cursor }) });
            if (from.name === to.name) {
              expect(res.body.errors).toBeUndefined();
              expect(res.status).toBe(200);
            } else {
              expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: backward ? 'before' : 'after' });
              expect(res.body.errors?.[0].message).toContain('is not a cursor of this list');
              // A root list fails the whole answer (400); a nested one is a field error beside data (200).
              expect(res.status).toBe(to.name === 'Query.projects' ? 400 : 200);
            }
          }),
          { numRuns: 150 },
        );
      });

      it('refuses forged cursors: not base64 JSON, wrong shape, or a list name with the right shape', async () => {
        const [list] = lists().filter((l) => l.name === 'Project.videos of A');
        const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
        const forged = [
          'bm90LWEtY3Vyc29y',
          b64([1, ids.videos[0][0]]),
          b64(['videos', 1, ids.videos[0][0]]),
          b64([`videos/${ids.projects[1]}`, 1, ids.videos[0][0]]),
          b64([`sessions/${ids.projects[0]}`, 1, ids.videos[0][0]]),
          b64([`videos/${ids.projects[0]}`, 'x', ids.videos[0][0]]),
        ];
        for (const cursor of forged) {
          const res = await q(list.query, { ...list.vars, after: cursor });
          expect(res.body.errors?.[0].extensions, cursor).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
        }
        expect(dataOf(await q(list.query, { ...list.vars, after: b64([`videos/${ids.projects[0]}`, 1, ids.videos[0][0]]) }))).toBeTruthy();
      });
    });
  });
});
