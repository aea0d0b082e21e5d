// CORS_ORIGINS: a browser page on an allowed origin gets its preflight answered before
// authentication, may send the key and JSON, and reads the answer with x-cache and x-request-id; a
// preflight from any other origin is a JSON 403 and no answer carries Access-Control-Allow-Origin for
// it. No credentials mode (bearer keys, no cookies). The real browser: test/clients/browser.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { codeOf, sendGraphQL } from '../support/http-request.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const allowed = 'http://localhost:5173';
const foreign = 'https://evil.example';

function preflight(url: string, origin: string, method = 'POST', headers = 'authorization,content-type') {
  return fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers } });
}

describeEachDatabase('CORS', (database) => {
  describe(`CORS_ORIGINS=${allowed},https://app.example.com`, () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await createTestApp(database().db, { CORS_ORIGINS: `${allowed},https://app.example.com`, CACHE: 'on' });
    });
    afterAll(() => app?.close());

    it('answers a preflight from an allowed origin without a key, allowing Authorization and content-type', async () => {
      for (const method of ['POST', 'GET']) {
        const res = await preflight(app.url, allowed, method, 'authorization,content-type,graphql-require-preflight');
        expect(res.status).toBe(204);
        expect(res.headers.get('access-control-allow-origin')).toBe(allowed);
        const allowHeaders = res.headers.get('access-control-allow-headers')!.split(',');
        expect(allowHeaders).toEqual(expect.arrayContaining(['authorization', 'content-type', 'graphql-require-preflight']));
        expect(res.headers.get('access-control-allow-methods')).toBe('GET,POST');
        expect(res.headers.get('access-control-max-age')).toBe('600');
        expect(res.headers.get('access-control-allow-credentials')).toBeNull();
        expect(res.headers.get('vary')).toContain('Origin');
      }
    });

    it('lets the page read the answer and its x-cache and x-request-id, on a miss and on a hit', async () => {
      const headers = { origin: allowed, authorization: `Bearer ${app.adminKey}` };
      for (const expected of ['MISS', 'HIT']) {
        for (const method of ['POST', 'GET'] as const) {
          if (method === 'GET' && expected === 'MISS') continue;
          const a = await sendGraphQL(app.url, method, { query: '{ projects(first: 3) { totalCount } }' }, headers);
          expect(a.status).toBe(200);
          expect(a.headers.get('x-cache')).toBe(method === 'GET' ? 'HIT' : expected);
          expect(a.headers.get('access-control-allow-origin')).toBe(allowed);
          expect(a.headers.get('access-control-expose-headers')).toBe('x-cache,x-request-id');
          expect(a.headers.get('vary')).toContain('Origin');
        }
      }
    });

    it('refuses a preflight from another origin with a JSON 403, and never allows it on an answer', async () => {
      const res = await preflight(app.url, foreign);
      expect(res.status).toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect((await res.json()).errors[0].extensions.code).toBe('CORS_ORIGIN_NOT_ALLOWED');
      const a = await sendGraphQL(app.url, 'POST', { query: '{ __typename }' }, { origin: foreign, authorization: `Bearer ${app.adminKey}` });
      expect(a.headers.get('access-control-allow-origin')).toBeNull();
      // An unauthenticated request from an allowed origin is still a 401 the page can read.
      const noKey = await sendGraphQL(app.url, 'POST', { query: '{ __typename }' }, { origin: allowed });
      expect(noKey.status).toBe(401);
      expect(codeOf(noKey)).toBe('UNAUTHENTICATED');
      expect(noKey.headers.get('access-control-allow-origin')).toBe(allowed);
    });
  });

  it('shares only the API: operator routes answer no CORS headers', async () => {
    const app = await createTestApp(database().db, { CORS_ORIGINS: allowed });
    try {
      const origin = new URL(app.url).origin;
      for (const path of ['/metrics', '/health/live']) {
        const res = await fetch(origin + path, { headers: { origin: allowed } });
        expect(res.headers.get('access-control-allow-origin'), path).toBeNull();
      }
    } finally {
      await app.close();
    }
  });

  it('allows no other origin by default (GraphiQL is served from the server itself), and any with *', async () => {
    const closed = await createTestApp(database().db, {});
    const open = await createTestApp(database().db, { CORS_ORIGINS: '*' });
    try {
      expect((await preflight(closed.url, allowed)).status).toBe(403);
      const res = await preflight(open.url, foreign);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
    } finally {
      await Promise.all([closed.close(), open.close()]);
    }
  });
});
