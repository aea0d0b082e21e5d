// GET and POST of /graphql skip express's router (src/http/graphql-route.ts) and run on node's own
// request and response objects; `/graphql/` is still express's, through the same steps with express's
// helpers. Generated requests — good and bad keys, media types, bodies (broken, oversized, too deep,
// batched, persisted, mutations by GET), conditional and CSRF headers — must get the same answer both
// ways: status, header names as sent and values, and body bytes, the error answers written outside Apollo
// included. The two are sent in either order, so neither is always the first of a body (see known runs).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { StepRequest, StepResponse } from '../../src/http/step.js';
import { describeEachDatabase } from '../support/databases.js';
import { insertProject } from '../support/factories.js';
import { sendRaw } from '../support/http-request.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const runs = Number(process.env.PROPERTY_RUNS ?? 150);
/** Headers that differ between any two answers. */
const perAnswer = new Set(['date', 'x-request-id']);

const deep = (n: number): unknown => (n === 0 ? 1 : { a: deep(n - 1) });
const query = '{ projects(first: 2) { totalCount nodes { id name } } }';
const bodies = {
  query: { query },
  named: { query: 'query P($n: Int) { projects(first: $n) { totalCount } }', variables: { n: 1 }, operationName: 'P' },
  wrongName: { query: 'query P { projects(first: 1) { totalCount } }', operationName: 'Q' },
  fieldError: { query: '{ project(id: "nope") { name } }' },
  invalid: { query: '{ nothing }' },
  parseError: { query: '{ projects(' },
  badVariables: { query: 'query($n: Int) { projects(first: $n) { totalCount } }', variables: { n: 'x' } },
  deepVariables: { query: 'query($v: JSON) { __typename }', variables: { v: deep(40) } },
  mutation: { query: 'mutation { createProject(input: { name: "" }) { id } }' },
  hashOnly: { extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } },
  notAString: { query: 5 },
  empty: {},
} as const;

const allowedOrigin = 'https://app.example';

type Auth = 'admin' | 'member' | 'none' | 'garbage' | 'basic';
interface Generated {
  method: 'GET' | 'POST';
  auth: Auth;
  accept?: string;
  contentType?: string;
  body: keyof typeof bodies | 'brokenJson' | 'batch' | 'oversized' | 'blank';
  conditional?: Record<string, string>;
  origin?: string;
  preflight: boolean;
  routeFirst: boolean;
}

const generated: fc.Arbitrary<Generated> = fc.record(
  {
    method: fc.constantFrom('POST', 'GET'),
    auth: fc.constantFrom<Auth>('admin', 'admin', 'member', 'none', 'garbage', 'basic'),
    accept: fc.constantFrom(
      undefined,
      'application/json',
      'application/graphql-response+json',
      'application/graphql-response+json, application/json;q=0.9',
      'text/plain',
      '*/*',
      'text/html',
    ),
    contentType: fc.constantFrom(
      'application/json',
      'application/json',
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      undefined,
      'text/plain',
      'application/graphql',
      'application/x-www-form-urlencoded',
    ),
    body: fc.constantFrom(...(Object.keys(bodies) as (keyof typeof bodies)[]), 'brokenJson', 'batch', 'oversized', 'oversized', 'blank'),
    conditional: fc.constantFrom<Record<string, string> | undefined>(undefined, { 'if-none-match': '*' }, { 'if-none-match': '"x"' }, { 'if-modified-since': new Date(0).toUTCString() }),
    origin: fc.constantFrom(undefined, allowedOrigin, 'https://elsewhere.example'),
    preflight: fc.boolean(),
    routeFirst: fc.boolean(),
  },
  { requiredKeys: ['method', 'auth', 'body', 'preflight', 'routeFirst'] },
);

/** One request per kind of answer, compared before the generated ones, whatever the seed and run count. */
const post = { method: 'POST', auth: 'admin', contentType: 'application/json', preflight: false, routeFirst: true } as const;
const kinds: Generated[] = [
  { ...post, body: 'query' },
  { ...post, body: 'brokenJson' },
  { ...post, auth: 'none', body: 'query' },
  { ...post, accept: 'text/plain', body: 'query' },
  { ...post, body: 'oversized' },
  { ...post, contentType: 'application/json; charset=latin1', body: 'query' },
];

describeEachDatabase('the /graphql route and express\'s router', (database) => {
  let app: TestApp;
  let member: string;
  beforeAll(async () => {
    const projectId = await insertProject(database().db, { name: 'Route Project' });
    app = await createTestApp(database().db, { BODY_LIMIT: '2kb', CORS_ORIGINS: allowedOrigin });
    member = await app.createKey({ name: 'route-member', role: 'member', read: [projectId] });
  });
  afterAll(() => app?.close());

  const send = async (path: '/graphql' | '/graphql/', g: Generated) => {
    const headers: Record<string, string> = {};
    if (g.auth === 'admin') headers.authorization = `Bearer ${app.adminKey}`;
    if (g.auth === 'member') headers.authorization = `Bearer ${member}`;
    if (g.auth === 'garbage') headers.authorization = 'Bearer not-a-key';
    if (g.auth === 'basic') headers.authorization = 'Basic dXNlcjpwYXNz';
    if (g.accept) headers.accept = g.accept;
    if (g.origin) headers.origin = g.origin;
    if (g.preflight) headers['apollo-require-preflight'] = 'true';
    Object.assign(headers, g.conditional);
    const params: Record<string, unknown> =
      g.body === 'brokenJson' || g.body === 'batch' || g.body === 'blank' ? {} : g.body === 'oversized' ? { query, variables: { pad: 'x'.repeat(3000) } } : bodies[g.body];
    let target: string = path;
    let body: Buffer | undefined;
    if (g.method === 'POST') {
      if (g.contentType) headers['content-type'] = g.contentType;
      const text = g.body === 'brokenJson' ? '{"query": ' : g.body === 'batch' ? JSON.stringify([bodies.query, bodies.query]) : g.body === 'blank' ? '' : JSON.stringify(params);
      body = Buffer.from(text);
      headers['content-length'] = String(body.length);
    } else {
      const search = new URLSearchParams();
      for (const [name, value] of Object.entries(params)) search.set(name, typeof value === 'string' ? value : JSON.stringify(value));
      target = `${path}?${search}`;
    }
    const answer = await sendRaw(new URL(app.url).port, { method: g.method, path: target, headers, body }, perAnswer);
    // Sorted: the order of distinct headers means nothing, and a body's first run (Apollo's) and its later
    // ones (the operation path) set them in different orders, whichever way it came in.
    return { ...answer, headers: answer.headers.sort() };
  };

  it('gives every generated request the same answer on /graphql as on /graphql/', async () => {
    const seen = new Set<number>();
    const compare = async (g: Generated) => {
      const [route, router] = g.routeFirst
        ? [await send('/graphql', g), await send('/graphql/', g)]
        : await send('/graphql/', g).then(async (router) => [await send('/graphql', g), router]);
      expect(route).toEqual(router);
      seen.add(route.status);
    };
    for (const g of kinds) await compare(g);
    await fc.assert(fc.asyncProperty(generated, compare), { numRuns: runs });
    // Answers and errors of every kind were compared, not only one status.
    for (const status of [200, 400, 401, 406, 413, 415]) expect(seen, `no ${status} among ${[...seen].join(', ')}`).toContain(status);
  });
});

// The route's objects have none of express's helpers, so the steps' types must not offer them: a step
// calling one would pass express's /graphql/ and fail on the route. Checked by the type check (CI's
// `npm run typecheck`), where a helper added to these types fails to compile.
describe('the steps\' request and response types', () => {
  it("have none of express's helpers", () => {
    expectTypeOf<StepResponse>().not.toHaveProperty('status');
    expectTypeOf<StepResponse>().not.toHaveProperty('send');
    expectTypeOf<StepResponse>().not.toHaveProperty('json');
    expectTypeOf<StepResponse>().not.toHaveProperty('set');
    expectTypeOf<StepResponse>().not.toHaveProperty('type');
    expectTypeOf<StepRequest>().not.toHaveProperty('get');
    expectTypeOf<StepRequest>().not.toHaveProperty('path');
    expectTypeOf<StepRequest>().not.toHaveProperty('query');
    expectTypeOf<StepRequest>().not.toHaveProperty('accepts');
  });
});
