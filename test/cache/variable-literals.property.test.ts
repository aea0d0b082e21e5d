// Variables as the JSON text writes them: every literal a client may send — numbers JSON.parse turns
// into ±Infinity (1e400) or rounds, -0, strings, lists, null, an absent variable — gets from the
// cached server (operation path on and off) exactly the answer the uncached server gives. Keys built
// with JSON.stringify wrote Infinity as null, so `first: 1e400`, which GraphQL refuses, was answered
// 200 from the entry of `first: null`. Requests are generated sequences, so every literal is also
// tried after every other one filled the cache (and the price memo).
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { insertGroundTruth, insertProject, insertVideo } from '../support/factories.js';
import { redisUrl, removePrefix, uniquePrefix } from '../support/redis.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { patientRedis } from './cache-fixtures.js';

const runs = Number(process.env.PROPERTY_RUNS ?? 60);

const literals = [
  'absent', 'null', '0', '-0', '0.0', '1e-400', '1', '1.0', '2', '0.5', '1e2', '2147483648', '9007199254740993',
  '1e400', '-1e400', '1e309', '-1e309', '"1"', '"a"', '""', 'true', '[]', '[1]', '{}',
];

describeEachDatabase('variable literals: cached ≡ uncached', (database, dbKind) => {
  const prefix = uniquePrefix('variable-literals');
  const useRedis = dbKind === 'postgres' && !!redisUrl;
  const cacheEnv = useRedis ? { CACHE: 'on', REDIS_URL: redisUrl!, REDIS_KEY_PREFIX: prefix, ...patientRedis } : { CACHE: 'on' };
  let uncached: TestApp;
  let cachedServers: TestApp[];
  let documents: string[];

  beforeAll(async () => {
    const db = database().db;
    const project = await insertProject(db, { name: 'literals' });
    const video = await insertVideo(db, project);
    await insertGroundTruth(db, video, [
      { frame_number: 1, confidence: 0.9, class_label: 'a' },
      { frame_number: 2, confidence: 0.2, class_label: '1' },
    ]);
    documents = [
      'query Q($v: Int) { projects(first: $v) { totalCount nodes { name } } }',
      `query Q($v: Float) { video(id: "${video}") { groundTruth(minConfidence: $v) { totalCount } } }`,
      `query Q($v: String) { video(id: "${video}") { groundTruth(classLabel: $v) { totalCount } } }`,
      'query Q($v: ID!) { video(id: $v) { id } }',
      // Priced by its literal page sizes whatever $v is: over the limit, so refused, never run.
      'query Q($v: Float) { projects(first: 100) { nodes { videos(first: 100) { nodes { groundTruth(first: 10000, minConfidence: $v) { nodes { id } } } } } } }',
    ];
    uncached = await createTestApp(db, { CACHE: 'off' });
    cachedServers = [await createTestApp(db, { ...cacheEnv, OPERATION_PATH: 'true' }), await createTestApp(db, { ...cacheEnv, OPERATION_PATH: 'false' })];
  });
  afterAll(async () => {
    await uncached?.close();
    for (const s of cachedServers ?? []) await s.close();
    if (useRedis) await removePrefix(redisUrl!, prefix);
  });

  async function send(t: TestApp, document: string, literal: string, method: 'GET' | 'POST') {
    const variables = literal === 'absent' ? '{}' : `{"v":${literal}}`;
    const headers = { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' };
    const res =
      method === 'POST'
        ? await fetch(t.url, { method, headers, body: `{"query":${JSON.stringify(document)},"variables":${variables}}` })
        : await fetch(`${t.url}?query=${encodeURIComponent(document)}&variables=${encodeURIComponent(variables)}`, { headers: { authorization: headers.authorization } });
    return { status: res.status, body: JSON.parse(await res.text()) as unknown, cache: res.headers.get('x-cache') };
  }

  it('answers every literal of every variable as the uncached server does, after any other literals', async () => {
    let hits = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ d: fc.nat({ max: 4 }), literal: fc.constantFrom(...literals), method: fc.constantFrom('GET' as const, 'POST' as const) }), { minLength: 1, maxLength: 8 }),
        async (requests) => {
          for (const { d, literal, method } of requests) {
            const expected = await send(uncached, documents[d], literal, method);
            for (const server of cachedServers) {
              const got = await send(server, documents[d], literal, method);
              if (got.cache === 'HIT') hits++;
              const same = got.status === expected.status && isDeepStrictEqual(got.body, expected.body);
              expect(same, `${method} ${documents[d]} with v = ${literal}: ${got.status} ${got.cache} ${JSON.stringify(got.body)} ≠ ${expected.status} ${JSON.stringify(expected.body)}`).toBe(true);
            }
          }
        },
      ),
      { numRuns: runs },
    );
    expect(hits).toBeGreaterThan(0);
  }, 120_000);
});
