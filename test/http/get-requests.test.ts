// Queries over GET from standard clients: a request that carries the API key (or a preflight header:
// GraphQL-over-HTTP's GraphQL-Require-Preflight, Apollo's apollo-require-preflight and
// x-apollo-operation-name) cannot be a browser's simple cross-site request, so it runs — served from
// the cache as well. A GET with none of them is refused as a CSRF candidate, cached or not.
// Mutations over GET stay refused (405).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/databases.js';
import { insertProject } from '../support/factories.js';
import { codeOf, sendGraphQL } from '../support/http-request.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const query = 'query Count { projects(first: 5) { totalCount } }';

describeEachDatabase('GET queries', (database, kind) => {
  describe('with an API key', () => {
    let app: TestApp;
    beforeAll(async () => {
      await insertProject(database().db);
      app = await createTestApp(database().db, { CACHE: 'on' });
    });
    afterAll(() => app?.close());

    it('runs a GET that carries only the key, first as a miss and then from the cache', async () => {
      const auth = { authorization: `Bearer ${app.adminKey}` };
      const first = await sendGraphQL(app.url, 'GET', { query }, auth);
      const second = await sendGraphQL(app.url, 'GET', { query }, auth);
      expect([first.status, second.status]).toEqual([200, 200]);
      expect([first.headers.get('x-cache'), second.headers.get('x-cache')]).toEqual(['MISS', 'HIT']);
      expect(second.text).toBe(first.text);
    });

    it('refuses a mutation over GET with 405, key or not', async () => {
      const a = await sendGraphQL(app.url, 'GET', { query: 'mutation { createProject(input: { name: "via GET" }) { id } }' }, { authorization: `Bearer ${app.adminKey}`, 'graphql-require-preflight': '1' });
      expect(a.status).toBe(405);
      const [{ n }] = await database().db.query<{ n: number }>(`SELECT count(*)::int AS n FROM projects WHERE name = 'via GET'`);
      expect(n).toBe(0);
    });
  });

  describe('without a key (development open mode)', () => {
    let app: TestApp;
    let keyless: TestDatabase;
    beforeAll(async () => {
      // Open mode needs an empty key table: a database of its own.
      keyless = await createTestDatabase(kind);
      app = await createTestApp(keyless.db, { NODE_ENV: 'development', CACHE: 'on' }, { adminKey: false });
    });
    afterAll(async () => {
      await app?.close();
      await keyless?.drop();
    });

    it('refuses a GET with no preflight header as a CSRF candidate, even when the answer is cached', async () => {
      const warm = await sendGraphQL(app.url, 'GET', { query }, { 'graphql-require-preflight': '1' });
      expect(warm.status).toBe(200);
      const plain = await sendGraphQL(app.url, 'GET', { query });
      expect(plain.status).toBe(400);
      expect(plain.headers.get('x-cache')).toBeNull();
      expect(codeOf(plain)).toBe('BAD_REQUEST');
      expect(plain.json.errors[0].message).toContain('Cross-Site Request Forgery');
    });

    it('runs a GET with any of the preflight headers', async () => {
      for (const header of ['graphql-require-preflight', 'apollo-require-preflight', 'x-apollo-operation-name']) {
        const a = await sendGraphQL(app.url, 'GET', { query }, { [header]: 'Count' });
        expect(a.status, header).toBe(200);
        expect(a.json.data.projects.totalCount).toBeGreaterThanOrEqual(0);
      }
    });

    it('refuses simple-request POSTs (text/plain) without executing', async () => {
      const res = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query }) });
      expect(res.status).toBe(400);
      expect(res.headers.get('x-cache')).toBeNull();
    });
  });
});
