// Operational endpoints in production: /health/live and /health/ready stay open; /metrics and
// /health/database answer only an admin key on the API's port, or — with OPS_PORT — only on the
// operator address, without a key. The operation-name label takes only known operations' names.
// Development open mode never applies to a request a proxy forwarded.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { operationNames } from '../../src/http/trusted-documents.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const manifestNames = operationNames(Object.values(JSON.parse(readFileSync(resolve(import.meta.dirname, '../../operations/__generated__/persisted-documents.json'), 'utf8')) as Record<string, string>));

describeEachDatabase('operator endpoints', (database) => {
  describe('on the API port (no OPS_PORT)', () => {
    let app: TestApp;
    let member: string;
    beforeAll(async () => {
      app = await createTestApp(database().db, { NODE_ENV: 'production' });
      member = await app.createKey({ name: 'ops-member', role: 'member', read: [] });
    });
    afterAll(() => app?.close());
    const get = (path: string, key?: string | null) =>
      fetch(app.url.replace('/graphql', path), { headers: key ? { authorization: `Bearer ${key}` } : {} });

    it('answers /metrics and /health/database to an admin key only', async () => {
      for (const path of ['/metrics', '/health/database']) {
        expect((await get(path)).status, path).toBe(401);
        const forbidden = await get(path, member);
        expect(forbidden.status, path).toBe(403);
        expect((await forbidden.json()).error.code).toBe('FORBIDDEN');
        expect((await get(path, app.adminKey)).status, path).toBe(200);
      }
    });

    it('keeps /health/live and /health/ready open for probes', async () => {
      expect((await get('/health/live')).status).toBe(200);
      expect((await get('/health/ready')).status).toBe(200);
    });

    it('labels operations by known names only: any name a client invents is "other"', async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,30}$/), fc.constantFrom(...manifestNames)), async (name) => {
          await app.execute(`query ${name} { __typename }`);
        }),
        { numRuns: 60 },
      );
      const text = await (await get('/metrics', app.adminKey)).text();
      const labels = new Set([...text.matchAll(/truthgraph_graphql_requests_total\{operation="([^"]*)"/g)].map((m) => m[1]));
      for (const label of labels) expect([...manifestNames, 'anonymous', 'unknown', 'other']).toContain(label);
      expect(labels.has('other')).toBe(true);
    });
  });

  describe('with OPS_PORT', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await createTestApp(database().db, { NODE_ENV: 'production', OPS_PORT: '0' });
    });
    afterAll(() => app?.close());

    it('serves /metrics and /health/database on the operator address without a key, and not on the API port', async () => {
      expect(app.app.opsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      for (const path of ['/metrics', '/health/database']) {
        expect((await fetch(`${app.app.opsUrl}${path}`)).status, path).toBe(200);
        const onApi = await fetch(app.url.replace('/graphql', path), { headers: { authorization: `Bearer ${app.adminKey}` } });
        expect(onApi.status, path).toBe(404);
      }
      expect((await fetch(app.url.replace('/graphql', '/health/ready'))).status).toBe(200);
      expect((await fetch(`${app.app.opsUrl}/graphql`)).status).toBe(404);
    });
  });
});

describeEachDatabase('development open mode and proxies', (database) => {
  let dev: TestApp;
  beforeAll(async () => {
    dev = await createTestApp(database().db, { NODE_ENV: 'development' }, { adminKey: false });
  });
  afterAll(() => dev?.close());

  it('never runs a forwarded request as the open-mode admin', async () => {
    expect((await dev.execute('{ __typename }', {}, { as: null })).status).toBe(200);
    const proxied: Record<string, string>[] = [{ 'x-forwarded-for': '203.0.113.7' }, { forwarded: 'for=203.0.113.7;proto=https' }, { 'x-real-ip': '203.0.113.7' }];
    for (const headers of proxied) {
      const res = await dev.execute('{ __typename }', {}, { as: null, headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    // Operator endpoints too: the open mode is the admin's scope, and a proxy is not the developer.
    expect((await fetch(dev.url.replace('/graphql', '/metrics'), { headers: { 'x-forwarded-for': '203.0.113.7' } })).status).toBe(401);
  });
});
