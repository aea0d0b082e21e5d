// Foreign ≡ unknown, through the response cache and over time: for generated operations (reads with
// random nesting, and writes a read-only key may attempt), a caller's answers, status codes, error
// bodies and x-cache sequences for another tenant's id equal those for a random unknown id, while the
// other tenant writes — to that very row among others. And no write of the other tenant ever drops
// one of the caller's own cached answers (its project list included). Real API keys, the cached
// server; PGlite with the in-process store and, with DATABASE_URL and REDIS_URL, PostgreSQL with Redis.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import {
  readArb,
  ref,
  resolve,
  seedGraph,
  sessionSel,
  projectSel,
  videoSel,
  writeArb,
  type Pools,
  type Write,
} from '../support/graph-operations.js';
import { redisUrl, removePrefix, uniquePrefix } from '../support/redis.js';
import { createTestApp, type GraphQLResponse, type TestApp } from '../support/test-app.js';
import { patientRedis } from '../cache/cache-fixtures.js';

const runs = Number(process.env.PROPERTY_RUNS ?? 60);
// Per entity kind; bounded in time on a loaded machine (a failure found in time is still shrunk).
const timeLimitMs = Number(process.env.PROPERTY_TIME_LIMIT_MS ?? 18_000);

type Kind = 'project' | 'video' | 'session';
type Render = (p: Pools) => string;

/** An operation on one id `$x`: a read of it with a generated selection, or a write attempt on it. */
const opOn = (kind: Kind): fc.Arbitrary<(p: Pools) => { query: string; variables: (x: string) => Record<string, unknown> }> => {
  const reads: Record<Kind, fc.Arbitrary<Render>> = {
    project: projectSel(2).map((sel) => (p: Pools) => `query($x: ID!) { project(id: $x) { ${sel(p)} } }`),
    video: videoSel(2).map((sel) => (p: Pools) => `query($x: ID!) { video(id: $x) { ${sel(p)} } }`),
    session: sessionSel(2).map((sel) => (p: Pools) => `query($x: ID!) { testSession(id: $x) { ${sel(p)} } }`),
  };
  const box = `{ frameNumber: 1, timestamp: 0.1, classLabel: "car", confidence: 0.5, x: 1, y: 2, width: 3, height: 4 }`;
  const writes: Record<Kind, string[]> = {
    project: [
      `mutation($x: ID!) { createVideo(input: { projectId: $x, filename: "a.mp4", duration: 1, fileSize: 1 }) { id } }`,
    ],
    video: [
      `mutation($x: ID!) { updateVideo(id: $x, input: { processingStatus: "a" }) { id } }`,
      `mutation($x: ID!) { deleteVideo(id: $x) }`,
      `mutation($x: ID!) { upsertGroundTruth(videoId: $x, objects: [${box}]) { inserted } }`,
    ],
    session: [
      `mutation($x: ID!) { completeTestSession(id: $x, status: COMPLETED) { id } }`,
      `mutation($x: ID!) { ingestDetections(testSessionId: $x, detections: [{ frameNumber: 1, timestamp: 0.1, classLabel: "car", confidence: 0.5, boundingBox: { x: 1, y: 2, width: 3, height: 4 } }]) { inserted } }`,
    ],
  };
  return fc.oneof(
    { weight: 4, arbitrary: reads[kind].map((r) => (p: Pools) => ({ query: r(p), variables: (x: string) => ({ x }) })) },
    { weight: 1, arbitrary: fc.constantFrom(...writes[kind]).map((query) => () => ({ query, variables: (x: string) => ({ x }) })) },
  );
};

/** A sequence repeats a few operations, so the same entries are read again (hits) across writes. */
type Step = { kind: 'probe'; i: number } | { kind: 'own'; i: number } | { kind: 'other'; write: (p: Pools) => Write };

const scenarioOn = (kind: Kind) =>
  fc.record({
    probes: fc.array(opOn(kind), { minLength: 1, maxLength: 3 }),
    own: fc.array(readArb, { minLength: 1, maxLength: 2 }),
    steps: fc.array(
      fc.oneof(
        { weight: 3, arbitrary: fc.nat({ max: 2 }).map((i): Step => ({ kind: 'probe', i })) },
        { weight: 1, arbitrary: fc.nat({ max: 1 }).map((i): Step => ({ kind: 'own', i })) },
        { weight: 3, arbitrary: writeArb.map((write): Step => ({ kind: 'other', write })) },
      ),
      { minLength: 4, maxLength: 12 },
    ),
  });

describeEachDatabase('foreign ≡ unknown through the cache', (database, dbKind) => {
  const prefix = uniquePrefix('foreign-equals-unknown');
  const useRedis = dbKind === 'postgres' && !!redisUrl;
  const cacheEnv = useRedis ? { CACHE: 'on', REDIS_URL: redisUrl!, REDIS_KEY_PREFIX: prefix, ...patientRedis } : { CACHE: 'on' };
  let app: TestApp;

  beforeAll(async () => {
    app = await createTestApp(database().db, cacheEnv);
  });
  afterAll(async () => {
    await app?.close();
    if (useRedis) await removePrefix(redisUrl!, prefix);
  });

  const xcache = (r: GraphQLResponse) => r.headers.get('x-cache');
  const shape = (r: GraphQLResponse, id: string) => ({
    status: r.status,
    cache: xcache(r),
    body: JSON.stringify(r.body).split(id).join('<id>'),
  });

  /** Two tenants on a graph of their own: the caller reads project A, the other tenant writes project B. */
  async function tenants() {
    const graph = await seedGraph(database().db, 2);
    const [a, b] = graph.projects;
    const own = (projectId: string): Pools => {
      const index = graph.projects.indexOf(projectId);
      return {
        projects: [projectId],
        // seedGraph's pools hold each project in turn: 3 videos, 6 boxes, 2 sessions, 4 detections.
        videos: graph.videos.slice(index * 3, index * 3 + 3),
        sessions: graph.sessions.slice(index * 2, index * 2 + 2),
        boxes: graph.boxes.slice(index * 6, index * 6 + 6),
        detections: graph.detections.slice(index * 4, index * 4 + 4),
        projectOfVideo: graph.projectOfVideo,
        cursors: graph.cursors,
      };
    };
    const caller = await app.createKey({ name: `reader-${randomUUID()}`, role: 'member', read: [a] });
    const other = await app.createKey({ name: `writer-${randomUUID()}`, role: 'member', write: [b] });
    return { callerPools: own(a), otherPools: own(b), caller, other };
  }

  for (const kind of ['video', 'session', 'project'] as const) {
    it(`answers a ${kind} id of another tenant exactly like an unknown one, hit for hit, while that tenant writes`, async () => {
      await fc.assert(
        fc.asyncProperty(ref(kind === 'video' ? 'videos' : kind === 'session' ? 'sessions' : 'projects'), scenarioOn(kind), async (target, { probes, own, steps }) => {
          const { callerPools, otherPools, caller, other } = await tenants();
          // The other tenant's row (never the unknown slot), and an id no row has.
          const list = otherPools[target.pool];
          const foreign = list[target.i % list.length];
          const unknown = randomUUID();
          const seenOwn = new Set<string>();
          const log: string[] = [];
          for (const step of steps) {
            if (step.kind === 'other') {
              const w = step.write(otherPools);
              const res = await app.execute(w.query, w.variables, { as: other });
              if (res.status === 200 && !res.body.errors?.length) w.created?.(res.body.data, otherPools);
              log.push(`other: ${w.name}(${JSON.stringify(w.variables)}) → ${res.body.errors?.[0]?.extensions?.code ?? 'ok'}`);
            } else if (step.kind === 'own') {
              const { query } = own[step.i % own.length](callerPools);
              const res = await app.execute(query, {}, { as: caller });
              const cacheable = res.status === 200 && !res.body.errors?.length;
              if (cacheable && seenOwn.has(query)) {
                expect(xcache(res), `own read dropped by the other tenant's writes:\n  ${log.join('\n  ')}\n${query}`).toBe('HIT');
              }
              if (cacheable) seenOwn.add(query);
            } else {
              const op = probes[step.i % probes.length](callerPools);
              const f = await app.execute(op.query, op.variables(foreign), { as: caller });
              const u = await app.execute(op.query, op.variables(unknown), { as: caller });
              log.push(`probe: ${op.query.slice(0, 80)}… → ${xcache(f)}/${xcache(u)}`);
              expect(shape(f, foreign), `foreign ≠ unknown after:\n  ${log.join('\n  ')}\n${op.query}`).toEqual(shape(u, unknown));
            }
          }
        }),
        { numRuns: runs, interruptAfterTimeLimit: timeLimitMs },
      );
    }, timeLimitMs * 5);
  }
});
