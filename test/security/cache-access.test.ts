// A response cached for one key is never served to a key with other access, and revoking a key
// takes effect on the next request even when its response is cached (authentication runs before
// Apollo and so before the cache).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { revokeKey } from '../../src/auth/api-keys.js';
import { upsertApiKeyGrants } from '../../src/db/queries/api-key.queries.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestApp, dataOf, type TestApp } from '../support/test-app.js';
import { insertProject } from '../support/factories.js';

const list = '{ projects(first: 10) { totalCount nodes { id name } } }';

describeEachDatabase('response cache and API keys', (database) => {
  let app: TestApp;
  let a: string;
  let b: string;

  beforeAll(async () => {
    const db = database().db;
    a = await insertProject(db, { name: 'alpha' });
    b = await insertProject(db, { name: 'bravo' });
    app = await createTestApp(db, { CACHE: 'on' });
  });
  afterAll(() => app?.close());

  it('never serves a response cached for one key to a key with other access', async () => {
    const readA = await app.createKey({ name: 'cache-a', role: 'member', read: [a] });
    const readB = await app.createKey({ name: 'cache-b', role: 'member', read: [b] });
    const sameAsA = await app.createKey({ name: 'cache-a2', role: 'member', read: [a] });
    for (let i = 0; i < 2; i++) {
      expect(dataOf(await app.execute(list, {}, { as: readA })).projects.nodes.map((p: any) => p.id)).toEqual([a]);
    }
    expect(dataOf(await app.execute(list, {}, { as: readB })).projects.nodes.map((p: any) => p.id)).toEqual([b]);
    expect(dataOf(await app.execute(list)).projects.totalCount).toBe(2);
    // Same access set, same scope id: may share the entry, and gets the same answer.
    expect(dataOf(await app.execute(list, {}, { as: sameAsA })).projects.nodes.map((p: any) => p.id)).toEqual([a]);
  });

  it('refuses a revoked key at once although its response is cached', async () => {
    const key = await app.createKey({ name: 'cache-revoked', role: 'member', read: [a] });
    dataOf(await app.execute(list, {}, { as: key }));
    dataOf(await app.execute(list, {}, { as: key }));
    await revokeKey(database().db, 'cache-revoked');
    const res = await app.execute(list, {}, { as: key });
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('serves a new grant on the next request, not the cached narrower answer', async () => {
    const key = await app.createKey({ name: 'cache-grow', role: 'member', read: [a] });
    expect(dataOf(await app.execute(list, {}, { as: key })).projects.totalCount).toBe(1);
    const [{ id }] = await database().db.query<{ id: string }>(`SELECT id FROM api_keys WHERE name = 'cache-grow'`);
    // Through the statement every grant path uses: it announces the change to the key cache of this
    // instance at once (a grant written by hand reaches it within the revocation bound, see key-cache.test.ts).
    await upsertApiKeyGrants(database().db, id, [{ projectId: b, canWrite: false }]);
    expect(dataOf(await app.execute(list, {}, { as: key })).projects.totalCount).toBe(2);
  });

  it("keeps a member's cached project list when another tenant creates a project, and drops the admin's", async () => {
    const reader = await app.createKey({ name: 'cache-list-reader', role: 'member', read: [a] });
    const xcache = (r: { headers: Headers }) => r.headers.get('x-cache');
    await app.execute(list, {}, { as: reader });
    expect(xcache(await app.execute(list, {}, { as: reader }))).toBe('HIT');
    const adminBefore = dataOf(await app.execute(list)).projects.totalCount;
    expect(xcache(await app.execute(list))).toBe('HIT');
    // Created by the admin key (whoever may create projects, the new one is not the reader's).
    const created = await app.execute(`mutation { createProject(input: { name: "another tenant's" }) { id } }`);
    expect(created.body.errors).toBeUndefined();
    expect(xcache(await app.execute(list, {}, { as: reader }))).toBe('HIT');
    const admin = await app.execute(list);
    expect(xcache(admin)).toBe('MISS');
    expect(dataOf(admin).projects.totalCount).toBe(adminBefore + 1);
  });
});
