// Hostile values never reach a 500 and never leave a request counted as in flight: generated deeply
// nested, huge and odd variables and extensions (declared or not, under hostile names), sent by POST
// and GET, and requests refused before execution (no key, malformed JSON, over the body limit).
// After every answer the in-flight count returns to 0, and /health/database says so.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { sendGraphQL } from '../support/http-request.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { cacheKinds } from '../cache/cache-fixtures.js';
import { nestsDeeperThan } from '../../src/http/input-depth.js';

const nested = (depth: number, open: '[' | '{"a":', close: ']' | '}', leaf = '1') => open.repeat(depth) + leaf + close.repeat(depth);

/** A JSON text (never built by JSON.stringify, which would overflow on the deep ones). */
const deepJson = fc.oneof(
  fc.integer({ min: 1, max: 40 }),
  fc.integer({ min: 40, max: 100_000 }),
).chain((depth) => fc.constantFrom(nested(depth, '[', ']'), nested(depth, '{"a":', '}'), `[${nested(depth, '{"a":', '}', '[]')}]`));
const oddJson = fc.oneof(
  deepJson,
  fc.constantFrom('1e308', '-0', 'null', 'true', '"\\u0000"', '"\\ud800"', '"\\u202e"', `"${'x'.repeat(100_000)}"`, '[' + '1,'.repeat(50_000) + '1]'),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
);
const variableName = fc.oneof(fc.constantFrom('n', 'id', 'x', '__proto__', 'constructor', ''), fc.string({ maxLength: 12 }));

const documents = [
  'query Q($n: Int, $x: [Int]) { projects(first: $n) { totalCount } }',
  'query($id: ID!) { video(id: $id) { id testSessions(first: 2) { id } } }',
  'mutation($ids: [ID!]!) { deleteGroundTruth(ids: $ids) }',
  '{ __typename }',
];

/** One request body as text: variables and extensions built from JSON texts under generated names. */
const hostileRequest = fc.record({
  query: fc.constantFrom(...documents),
  variables: fc.array(fc.tuple(variableName, oddJson), { maxLength: 3 }),
  extensions: fc.option(oddJson, { nil: undefined }),
  get: fc.boolean(),
});

describeEachDatabase('hostile values', (database) => {
  for (const kind of cacheKinds('hostile')) {
    describe(`cache: ${kind.name}`, () => {
      let app: TestApp;
      beforeAll(async () => {
        app = await createTestApp(database().db, { ...kind.env, BODY_LIMIT: '2mb' });
      });
      afterAll(async () => {
        await app?.close();
        await kind.cleanup();
      });

      /** Waits for the in-flight count by event-loop turns (the answer's last callbacks), not by time. */
      async function inFlightAfterAnswer(): Promise<number> {
        for (let i = 0; i < 50 && app.app.inFlight > 0; i++) await new Promise((r) => setImmediate(r));
        return app.app.inFlight;
      }

      const auth = () => ({ authorization: `Bearer ${app.adminKey}`, 'graphql-require-preflight': '1' });

      it('never answers 5xx, refuses values nested deeper than the bound with a 400, and releases every request', async () => {
        await fc.assert(
          fc.asyncProperty(hostileRequest, async (r) => {
            const variablesText = `{${r.variables.map(([name, json]) => `${JSON.stringify(name)}:${json}`).join(',')}}`;
            let status: number;
            let code: string | undefined;
            if (r.get) {
              const search = new URLSearchParams({ query: r.query, variables: variablesText, ...(r.extensions ? { extensions: r.extensions } : {}) });
              // Measured encoded ('[' is '%5B'): a URL that long is the HTTP parser's 431, before the app.
              if (search.toString().length > 8_000) return;
              if (r.query.startsWith('mutation')) return;
              const res = await fetch(`${app.url}?${search}`, { headers: auth() });
              status = res.status;
              code = ((await res.json().catch(() => undefined)) as any)?.errors?.[0]?.extensions?.code;
            } else {
              const body = `{"query":${JSON.stringify(r.query)},"variables":${variablesText}${r.extensions ? `,"extensions":${r.extensions}` : ''}}`;
              const res = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json', ...auth() }, body });
              status = res.status;
              code = ((await res.json().catch(() => undefined)) as any)?.errors?.[0]?.extensions?.code;
            }
            expect(status, `${status} ${code}`).toBeLessThan(500);
            expect(code).not.toBe('INTERNAL_SERVER_ERROR');
            // A variable's value may nest 32 levels: its container (the variables object, or extensions) 33.
            // Parsed as the server parses them: of a repeated name, the last value is the one that counts.
            const tooDeep = [variablesText, ...(r.extensions ? [r.extensions] : [])].some((json) => {
              try {
                return nestsDeeperThan(JSON.parse(json), 33);
              } catch {
                return true; // too deep for JSON.parse itself: the server must refuse it too
              }
            });
            if (tooDeep && status !== 413) expect([status, code]).toEqual([400, 'BAD_USER_INPUT']);
            expect(await inFlightAfterAnswer()).toBe(0);
          }),
          { numRuns: 150 },
        );
        const health = await (await fetch(app.url.replace('/graphql', '/health/database'), { headers: { authorization: `Bearer ${app.adminKey}` } })).json();
        expect(health.inFlightRequests).toBe(0);
      });

      it('releases requests refused before execution: no key, malformed JSON, an oversized body, a client that leaves', async () => {
        const refused = [
          await sendGraphQL(app.url, 'POST', { query: '{ __typename }' }),
          await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json', ...auth() }, body: '{"query": ' }),
          await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json', ...auth() }, body: `{"query":"{ __typename }","x":"${'y'.repeat(3_000_000)}"}` }),
        ];
        expect(refused.map((r) => r.status)).toEqual([401, 400, 413]);
        expect(await inFlightAfterAnswer()).toBe(0);
        const leaving = new AbortController();
        const gone = fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json', ...auth() }, body: '{"query":"{ projects(first: 100) { totalCount } }"}', signal: leaving.signal }).catch(() => 'aborted');
        leaving.abort();
        await gone;
        // The aborted request may still be executing: its count drops once it is answered.
        for (let i = 0; i < 10_000 && app.app.inFlight > 0; i++) await new Promise((r) => setImmediate(r));
        expect(app.app.inFlight).toBe(0);
      });
    });
  }
});
