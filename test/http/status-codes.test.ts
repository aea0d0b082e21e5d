// GraphQL-over-HTTP status codes for both media types, and one error vocabulary on every path: a
// result with data is 200 even with field errors, request errors are 4xx with a code of the
// ErrorCode enum — under both executors — and no error body, built by Apollo or outside it, carries
// extensions.http. Unknown routes answer JSON too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { describeEachDatabase } from '../support/databases.js';
import { insertProject } from '../support/factories.js';
import { codeOf, sendGraphQL, type RawAnswer } from '../support/http-request.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const mediaTypes = ['application/json', 'application/graphql-response+json'] as const;
const enumCodes = new Set<string>(Object.values(ErrorCode));

/** Every error of an answer: a code of the enum, and no server-side bookkeeping. */
function expectCleanErrors(a: RawAnswer) {
  const errors: { extensions?: Record<string, unknown>; code?: string }[] = a.json?.errors ?? (a.json?.error ? [a.json.error] : []);
  for (const e of errors) {
    const code = e.extensions?.code ?? e.code;
    expect(enumCodes.has(String(code)), `code ${String(code)} of ${a.text}`).toBe(true);
    expect(e.extensions ?? {}).not.toHaveProperty('http');
  }
}

describeEachDatabase('GraphQL-over-HTTP status codes', (database) => {
  for (const executor of ['jit', 'graphql-js'] as const) {
    describe(`EXECUTOR=${executor}`, () => {
      let app: TestApp;
      let auth: Record<string, string>;
      beforeAll(async () => {
        await insertProject(database().db, { name: 'Status Project' });
        app = await createTestApp(database().db, { EXECUTOR: executor });
        auth = { authorization: `Bearer ${app.adminKey}` };
      });
      afterAll(() => app?.close());

      for (const accept of mediaTypes) {
        describe(`accept: ${accept}`, () => {
          it('answers partial data with field errors as 200 in the accepted media type', async () => {
            for (const method of ['POST', 'GET'] as const) {
              const a = await sendGraphQL(app.url, method, { query: `{ projects(first: 1) { totalCount } project(id: "nope") { name } }` }, { ...auth, accept });
              expect(a.status).toBe(200);
              expect(a.headers.get('content-type')).toBe(`${accept}; charset=utf-8`);
              expect(a.json.data.projects.totalCount).toBeGreaterThan(0);
              expect(a.json.data.project).toBeNull();
              expect(codeOf(a)).toBe('BAD_USER_INPUT');
              expectCleanErrors(a);
            }
          });

          it('answers an unknown operationName with 400 OPERATION_RESOLUTION_FAILURE, never an internal error', async () => {
            for (const method of ['POST', 'GET'] as const) {
              const a = await sendGraphQL(app.url, method, { query: `query A { __typename } query B { __typename }`, operationName: 'C' }, { ...auth, accept });
              expect(a.status).toBe(400);
              expect(codeOf(a)).toBe('OPERATION_RESOLUTION_FAILURE');
              expect(a.json.errors[0].message).toBe('Unknown operation named "C".');
              const single = await sendGraphQL(app.url, method, { query: `query A { __typename }`, operationName: 'C' }, { ...auth, accept });
              expect([single.status, codeOf(single)]).toEqual([400, 'OPERATION_RESOLUTION_FAILURE']);
              const unnamed = await sendGraphQL(app.url, method, { query: `query A { __typename } query B { __typename }` }, { ...auth, accept });
              expect(unnamed.status).toBe(400);
              expect(codeOf(unnamed)).toBe('OPERATION_RESOLUTION_FAILURE');
              expectCleanErrors(a);
            }
          });

          it('answers parse, validation and variable errors with 400 and their codes', async () => {
            const parse = await sendGraphQL(app.url, 'POST', { query: '{ projects(' }, { ...auth, accept });
            const invalid = await sendGraphQL(app.url, 'POST', { query: '{ nothing }' }, { ...auth, accept });
            const variables = await sendGraphQL(app.url, 'POST', { query: 'query($n: Int) { projects(first: $n) { totalCount } }', variables: { n: 'x' } }, { ...auth, accept });
            expect([parse.status, invalid.status, variables.status]).toEqual([400, 400, 400]);
            expect([codeOf(parse), codeOf(invalid), codeOf(variables)]).toEqual(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);
            for (const a of [parse, invalid, variables]) expectCleanErrors(a);
          });

          it('answers a wrong APQ hash and an unsupported APQ version with 400 and stable codes', async () => {
            const query = '{ __typename }';
            for (const method of ['POST', 'GET'] as const) {
              const mismatch = await sendGraphQL(app.url, method, { query, extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }, { ...auth, accept });
              expect(mismatch.status).toBe(400);
              expect(codeOf(mismatch)).toBe('PERSISTED_QUERY_HASH_MISMATCH');
              expect(mismatch.headers.get('content-type')).toBe(`${accept}; charset=utf-8`);
              const version = await sendGraphQL(app.url, method, { query, extensions: { persistedQuery: { version: 7, sha256Hash: 'a'.repeat(64) } } }, { ...auth, accept });
              expect(version.status).toBe(400);
              expect(codeOf(version)).toBe('PERSISTED_QUERY_VERSION_UNSUPPORTED');
              const documentId = await sendGraphQL(app.url, method, { documentId: 'md5:abc' }, { ...auth, accept });
              expect(documentId.status).toBe(400);
              expect(codeOf(documentId)).toBe('BAD_REQUEST');
              for (const a of [mismatch, version, documentId]) expectCleanErrors(a);
            }
          });
        });
      }

      it('refuses mutations over GET with 405 and Allow: POST', async () => {
        const a = await sendGraphQL(app.url, 'GET', { query: 'mutation { createProject(input: { name: "x" }) { id } }' }, auth);
        expect(a.status).toBe(405);
        expect(a.headers.get('allow')).toBe('POST');
        expectCleanErrors(a);
      });
    });
  }

  describe('errors outside Apollo', () => {
    let app: TestApp;
    let origin: string;
    beforeAll(async () => {
      app = await createTestApp(database().db, { BODY_LIMIT: '1kb', TRUSTED_DOCUMENTS_ONLY: 'false' });
      origin = new URL(app.url).origin;
    });
    afterAll(() => app?.close());

    it('answers unknown routes and /favicon.ico with a JSON 404', async () => {
      for (const path of ['/favicon.ico', '/nope', '/admin/nothing-here']) {
        const res = await fetch(origin + path, { headers: { authorization: `Bearer ${app.adminKey}` } });
        expect(res.status, path).toBe(404);
        expect(res.headers.get('content-type'), path).toContain('application/json');
        const body = await res.json();
        expect(body.error?.code ?? body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      }
    });

    it('answers authentication, body and admin errors with enum codes and no extensions.http', async () => {
      const noKey = await sendGraphQL(app.url, 'POST', { query: '{ __typename }' });
      expect(noKey.status).toBe(401);
      expect(noKey.headers.get('www-authenticate')).toBe('Bearer');
      expect(codeOf(noKey)).toBe('UNAUTHENTICATED');
      const auth = { authorization: `Bearer ${app.adminKey}` };
      const big = await sendGraphQL(app.url, 'POST', { query: `{ __typename }`, variables: { pad: 'x'.repeat(2000) } }, auth);
      expect(big.status).toBe(413);
      expect(codeOf(big)).toBe('PAYLOAD_TOO_LARGE');
      const broken = await fetch(app.url, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', accept: 'application/graphql-response+json' }, body: '{"query":' });
      const brokenAnswer: RawAnswer = { status: broken.status, headers: broken.headers, text: '', json: await broken.json() };
      expect(brokenAnswer.status).toBe(400);
      expect(broken.headers.get('content-type')).toBe('application/graphql-response+json; charset=utf-8');
      const reader = await app.createKey({ name: 'reader', role: 'member' });
      const admin = await fetch(`${origin}/admin/db-report`, { headers: { authorization: `Bearer ${reader}` } });
      expect(admin.status).toBe(403);
      const adminAnswer: RawAnswer = { status: admin.status, headers: admin.headers, text: '', json: await admin.json() };
      expect(codeOf(adminAnswer)).toBe('FORBIDDEN');
      for (const a of [noKey, big, brokenAnswer, adminAnswer]) expectCleanErrors(a);
    });

    it('gives every code of the enum one HTTP status', async () => {
      const { httpStatusOf } = await import('../../src/errors.js');
      expect(Object.keys(httpStatusOf).sort()).toEqual([...enumCodes].sort());
    });
  });
});
