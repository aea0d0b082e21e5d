// The operation path answers exactly as Apollo's pipeline. Two servers share one database: one with
// the path off (every request through Apollo), one with it on. Each generated request goes to both,
// after the same warm-up request (so the path knows the document), and the two answers must be equal:
// status, body bytes and every header but the per-request ones (x-request-id, date) — x-cache and
// x-sql-statements included — and each must have sent as many SQL statements and moved the cache's
// counters alike (an operation run twice, or a lookup counted twice, shows there). Each request goes
// twice, so POST bodies the path ran come again as known bodies (src/cache/known-requests.ts). Variants: GET/POST, Accept headers, persisted-query forms, documents with
// one, several and anonymous operations, right/absent/unknown operation names, variables that coerce
// or not, prices under and over the limit, field errors (a bad cursor, a page over the maximum),
// conditional headers, and keys of three scopes (admin, a member of one project, a member of none).
// Run without the cache, with the in-process store and with Redis (when REDIS_URL is set).
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheKinds, type CacheKind } from '../cache/cache-fixtures.js';
import { describeEachDatabase } from '../support/databases.js';
import { insertGroundTruth, insertProject, insertVideo } from '../support/factories.js';
import { paramsInForm, sendGraphQL, type DocumentForm, type GraphQLParams, type RawAnswer } from '../support/http-request.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { sendToTwins } from '../support/twin-servers.js';
import { uniquePrefix, removePrefix, redisUrl } from '../support/redis.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

const documents = {
  list: {
    query: 'query List($first: Int, $after: String) { projects(first: $first, after: $after) { totalCount nodes { name videos(first: 2) { totalCount nodes { filename status } } } } }',
    name: 'List',
  },
  one: { query: 'query One($id: ID!) { project(id: $id) { name videos(first: 3) { nodes { filename } } } }', name: 'One' },
  multi: { query: 'query A($first: Int) { projects(first: $first) { totalCount } } query B { __typename }', name: 'A' },
  anonymous: { query: '{ projects(first: 2) { totalCount nodes { name } } }', name: undefined },
  // Never the path's: mutations go through Apollo (authorization, invalidation, a 405 for GET).
  touch: { query: 'mutation Touch($id: ID!) { updateVideo(id: $id, input: { processingStatus: "path-test" }) { processingStatus } }', name: 'Touch' },
  // 1 + first × 200,202: first ≤ 1 runs under QUERY_MAX_COST below, first ≥ 2 is refused.
  dear: {
    query: 'query Dear($first: Int) { projects(first: $first) { nodes { videos(first: 100) { nodes { groundTruth(first: 1000) { nodes { id } } } } } } }',
    name: 'Dear',
  },
};
type DocKey = keyof typeof documents;
const maxCost = '300000';

const variantArb = fc.record({
  method: fc.constantFrom('GET' as const, 'POST' as const),
  accept: fc.constantFrom(undefined, 'application/json', 'application/graphql-response+json', '*/*', 'application/xml', 'application/json;q=0.2, application/graphql-response+json'),
  form: fc.constantFrom<DocumentForm>('query', 'query', 'query', 'apq-register', 'apq-hash-only', 'apq-hash-only', 'apq-wrong-hash', 'apq-version-7', 'apq-hash-upper', 'apq-hash-joined'),
  doc: fc.constantFrom<DocKey>('list', 'list', 'list', 'one', 'one', 'multi', 'anonymous', 'dear', 'touch'),
  operationName: fc.constantFrom('right', 'right', 'right', 'none', 'unknown', 'empty'),
  first: fc.constantFrom<unknown>(0, 1, 1, 2, 2, 3, 150, -1, 'x', null, undefined),
  after: fc.constantFrom<string | undefined>(undefined, undefined, 'garbage'),
  project: fc.constantFrom(0, 1, 2, -1),
  key: fc.constantFrom('admin' as const, 'member' as const, 'stranger' as const),
  conditional: fc.constantFrom(false, false, false, true),
  preflightHeader: fc.boolean(),
});
type Variant = typeof variantArb extends fc.Arbitrary<infer T> ? T : never;

const perRequest = new Set(['x-request-id', 'date']);

const comparable = (a: RawAnswer) => ({
  status: a.status,
  body: a.text,
  headers: Object.fromEntries([...a.headers].filter(([name]) => !perRequest.has(name))),
});

describeEachDatabase('the operation path answers as Apollo', (database) => {
  const kinds: (CacheKind | { name: 'off'; env: Record<string, string>; cleanup(): Promise<void> })[] = [
    { name: 'off', env: {}, cleanup: async () => {} },
    ...cacheKinds('operation-path'),
  ];
  let projects: string[] = [];
  let videos: string[] = [];
  beforeAll(async () => {
    const db = database().db;
    projects = [];
    videos = [];
    for (let i = 0; i < 3; i++) {
      // Multi-byte text (two- and three-byte characters, a surrogate pair): the answers' byte lengths differ from their text lengths.
      const p = await insertProject(db, { name: `Path ${i} — caméra 東京 🚗` });
      projects.push(p);
      for (let v = 0; v < 3; v++) {
        const video = await insertVideo(db, p, { status: v === 0 ? 'processing' : 'completed', filename: `vidéo_${i}_${v}_🎥.mp4` });
        if (v === 0) videos.push(video);
        await insertGroundTruth(db, video, [{ frame_number: 1, confidence: 0.9 }]);
      }
    }
  });

  for (const kind of kinds) {
    describe(`cache: ${kind.name}`, () => {
      let apollo: TestApp;
      let direct: TestApp;
      let keys: Record<Variant['key'], string>;
      // Each server its own cache (its own Redis prefix), so both see the same sequence of hits and misses.
      let secondPrefix: string | undefined;
      beforeAll(async () => {
        const env: Record<string, string> = { ...kind.env, QUERY_MAX_COST: maxCost };
        apollo = await createTestApp(database().db, { ...env, OPERATION_PATH: 'false' });
        secondPrefix = env.REDIS_KEY_PREFIX ? uniquePrefix('operation-path-direct') : undefined;
        direct = await createTestApp(database().db, { ...env, ...(secondPrefix ? { REDIS_KEY_PREFIX: secondPrefix } : {}) });
        keys = {
          admin: direct.adminKey!,
          member: await direct.createKey({ name: 'path member', role: 'member', read: [projects[0]] }),
          stranger: await direct.createKey({ name: 'path stranger', role: 'member', read: [] }),
        };
      });
      afterAll(async () => {
        await apollo?.close();
        await direct?.close();
        await kind.cleanup();
        if (secondPrefix && redisUrl) await removePrefix(redisUrl, secondPrefix);
      });

      function paramsOf(v: Variant): GraphQLParams {
        const doc = documents[v.doc];
        const operationName = v.operationName === 'right' ? doc.name : v.operationName === 'unknown' ? 'Nope' : v.operationName === 'empty' ? '' : undefined;
        const variables: Record<string, unknown> = {};
        if (v.doc === 'touch') variables.id = videos[Math.max(v.project, 0)];
        else if (v.doc === 'one') variables.id = v.project >= 0 ? projects[v.project] : 'f0000000-0000-4000-8000-000000000000';
        else if (v.first !== undefined) variables.first = v.first;
        if (v.doc === 'list' && v.after !== undefined) variables.after = v.after;
        return paramsInForm(v.form, doc.query, operationName, variables);
      }

      it('gives identical answers with and without it, for generated requests', async () => {
        const outcomes = new Map<string, number>();
        const servedBefore = direct.app.operationPathServed;
        let runs = 0;
        await fc.assert(
          fc.asyncProperty(variantArb, async (v) => {
            runs++;
            const headers: Record<string, string> = { authorization: `Bearer ${keys[v.key]}` };
            if (v.method === 'POST') headers['content-type'] = 'application/json';
            if (v.accept) headers.accept = v.accept;
            if (v.preflightHeader) headers['graphql-require-preflight'] = '1';
            if (v.conditional) headers['if-none-match'] = '"x"';
            // The same warm-up on both: the document is accepted (and its hash registered) with these variables' key.
            const doc = documents[v.doc];
            const warm = { query: doc.query, operationName: doc.name, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(doc.query) } } };
            const warmHeaders = { authorization: headers.authorization };
            const params = paramsOf(v);
            const [a, b] = [await sendGraphQL(apollo.url, 'POST', warm, warmHeaders), await sendGraphQL(direct.url, 'POST', warm, warmHeaders)];
            expect(comparable(b)).toEqual(comparable(a));
            // Twice: the second time a POST body the path ran cleanly is a known one (src/cache/known-requests.ts).
            for (let round = 0; round < 2; round++) {
              const served = direct.app.operationPathServed;
              const knownRuns = direct.app.knownRunsServed;
              const [viaApollo, viaPath] = await sendToTwins(database().db, apollo, direct, v.method, params, headers);
              expect(comparable(viaPath)).toEqual(comparable(viaApollo));
              const how = direct.app.knownRunsServed > knownRuns ? 'known' : direct.app.operationPathServed > served ? 'path' : 'other';
              const label = `${how}:${viaPath.status}:${viaPath.headers.get('x-cache') ?? '-'}`;
              outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
            }
          }),
          { numRuns: Number(process.env.EQUIVALENCE_RUNS ?? 150) },
        );
        console.log(`operation path equivalence [${kind.name}]: ${JSON.stringify(Object.fromEntries(outcomes))}`);
        // Both ways were taken: the path answered a good share, the cache's hit path or Apollo the rest.
        const byPath = direct.app.operationPathServed - servedBefore;
        expect(byPath).toBeGreaterThanOrEqual(Math.min(10, runs / 10));
        expect([...outcomes.keys()].some((k) => k.startsWith('other:'))).toBe(true);
        // With a cache the second request of a body is a hit; without one, a known body's run.
        if (kind.name === 'off') expect([...outcomes.keys()].some((k) => k.startsWith('known:'))).toBe(true);
      }, 180_000);
    });
  }
});
