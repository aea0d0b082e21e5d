// The API-key cache and its revocation bound (docs/security.md): a cached key skips the lookup
// statement; a change of keys or grants made through an instance acts at once there; another
// instance drops its entries when the notification arrives, or — when none arrives — on its next
// fingerprint read; and nothing is served from the cache once the last confirmation is older than
// the bound. Every step waits for the cache's own events, never for time to pass.
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyCache, type KeyCacheInvalidation } from '../../src/auth/api-key-cache.js';
import { createApiKey, revokeKey } from '../../src/auth/api-keys.js';
import { createPostgresDb, defaultPoolOptions, type Db } from '../../src/db/client.js';
import { createTestDatabase, describeEachDatabase, postgresUrl, type TestDatabase } from '../support/databases.js';
import { insertProject } from '../support/factories.js';
import { recording } from '../support/recording-db.js';
import { createTestApp, dataOf, type TestApp } from '../support/test-app.js';

const lookups = (names: string[]) => names.filter((n) => n === 'activeApiKeyByHash').length;

/** Resolves at the cache's first invalidation for `reason` (others, e.g. a poll's, may come first). */
function invalidation(cache: ApiKeyCache, reason: KeyCacheInvalidation): Promise<void> {
  return new Promise((resolve) => {
    const on = (r: KeyCacheInvalidation) => {
      if (r !== reason) return;
      cache.off('invalidate', on);
      resolve();
    };
    cache.on('invalidate', on);
  });
}

describeEachDatabase('ApiKeyCache', (database) => {
  let project: string;
  beforeAll(async () => {
    project = await insertProject(database().db, { name: 'cached-keys' });
  });

  /** A cache on a recording view of the test database, with a clock the test moves. */
  function cacheWith(opts: { listen?: boolean } = {}) {
    const names: string[] = [];
    const clock = { t: 0 };
    const db = recording(database().db, names);
    const cache = new ApiKeyCache(db, { boundMs: 1000, now: () => clock.t, listen: opts.listen ?? false });
    return { cache, names, clock, db };
  }

  it('serves a key it resolved without another lookup while the bound is confirmed', async () => {
    const { cache, names } = cacheWith();
    const { secret } = await createApiKey(database().db, { name: 'steady', role: 'member', read: [project] });
    await cache.poll();
    const first = await cache.resolve(secret);
    expect(first?.readable).toEqual([project]);
    expect(await cache.resolve(secret)).toEqual(first);
    expect(lookups(names)).toBe(1);
    await cache.close();
  });

  it('looks the key up again once the last confirmation is as old as the bound', async () => {
    const names: string[] = [];
    const base = recording(database().db, names);
    // A database that stops answering the fingerprint read (slow or unreachable).
    let release!: () => void;
    const stalled = new Promise<void>((r) => (release = r));
    let stall = false;
    const db: Db = {
      ...base,
      query: async (text, params) => {
        if (stall && text.includes('apiKeyFingerprint')) await stalled;
        return base.query(text, params) as never;
      },
    };
    const clock = { t: 0 };
    const cache = new ApiKeyCache(db, { boundMs: 1000, now: () => clock.t, listen: false });
    const { secret } = await createApiKey(database().db, { name: 'aging', role: 'admin' });
    await cache.poll();
    await cache.resolve(secret);
    stall = true;
    clock.t = 999;
    await cache.resolve(secret);
    expect(lookups(names)).toBe(1);
    // No fingerprint read has confirmed anything for 1000 ms: the cache is not trusted.
    clock.t = 1000;
    await cache.resolve(secret);
    expect(lookups(names)).toBe(2);
    release();
    await cache.close();
  });

  it('drops its entries at once when this instance revokes a key or changes a grant', async () => {
    const { cache, db } = cacheWith();
    const { secret } = await createApiKey(database().db, { name: 'revoked-here', role: 'member', read: [project] });
    await cache.poll();
    expect(await cache.resolve(secret)).not.toBeNull();
    const dropped = once(cache, 'invalidate');
    await revokeKey(db, 'revoked-here');
    expect(await dropped).toEqual(['local-write']);
    expect(await cache.resolve(secret)).toBeNull();
    await cache.close();
  });

  it('drops its entries on the next fingerprint read when a change announced nothing', async () => {
    const { cache } = cacheWith();
    const { secret } = await createApiKey(database().db, { name: 'revoked-by-hand', role: 'admin' });
    await cache.poll();
    expect(await cache.resolve(secret)).not.toBeNull();
    // A revocation by hand: no statement this instance knows, no notification.
    await database().db.query(`/* operatorFix */ UPDATE api_keys SET revoked_at = now() WHERE name = 'revoked-by-hand'`);
    expect(await cache.resolve(secret)).not.toBeNull();
    const dropped = once(cache, 'invalidate');
    await cache.poll();
    expect(await dropped).toEqual(['fingerprint-changed']);
    expect(await cache.resolve(secret)).toBeNull();
    await cache.close();
  });

  it('does not store a lookup that overlapped an invalidation', async () => {
    const names: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const base = recording(database().db, names);
    const gated: Db = {
      ...base,
      query: async (text, params) => {
        const rows = await base.query(text, params);
        if (text.includes('activeApiKeyByHash') && names.filter((n) => n === 'activeApiKeyByHash').length === 1) await gate;
        return rows as never;
      },
    };
    const cache = new ApiKeyCache(gated, { boundMs: 1000, now: () => 0, listen: false });
    const { secret } = await createApiKey(database().db, { name: 'overlapped', role: 'admin' });
    await cache.poll();
    const pending = cache.resolve(secret);
    cache.invalidate('local-write');
    release();
    expect(await pending).not.toBeNull();
    await cache.resolve(secret);
    expect(lookups(names)).toBe(2);
    await cache.close();
  });
});

describe.runIf(postgresUrl)('API-key revocation across two instances [postgres]', () => {
  let database: TestDatabase;
  let dbB: Db;
  let a: TestApp;
  let b: TestApp;
  let project: string;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    project = await insertProject(database.db, { name: 'shared' });
    // Two instances: their own pools on one database, as two server processes would have.
    dbB = createPostgresDb(database.url!, { ...defaultPoolOptions, max: 4 });
    a = await createTestApp(database.db);
    b = await createTestApp(dbB, {}, { adminKey: false });
    await b.app.authenticator.keys.ready();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await dbB?.close();
    await database?.drop();
  });

  const query = '{ projects { totalCount } }';

  it('refuses a key at once on the revoking instance and after the notification on the other', async () => {
    const key = await a.createKey({ name: 'two-instances', role: 'member', read: [project] });
    await b.app.authenticator.keys.poll();
    expect(dataOf(await b.execute(query, {}, { as: key })).projects.totalCount).toBe(1);
    expect(dataOf(await a.execute(query, {}, { as: key })).projects.totalCount).toBe(1);

    const notified = invalidation(b.app.authenticator.keys, 'notification');
    await revokeKey(database.db, 'two-instances');
    expect((await a.execute(query, {}, { as: key })).status).toBe(401);
    await notified;
    expect((await b.execute(query, {}, { as: key })).status).toBe(401);
  });

  it('refuses it on an instance without LISTEN after its next fingerprint read', async () => {
    const cache = new ApiKeyCache(dbB, { boundMs: 1000, now: () => 0, listen: false });
    const key = await a.createKey({ name: 'no-listen', role: 'admin' });
    await cache.poll();
    expect(await cache.resolve(key)).not.toBeNull();
    await revokeKey(database.db, 'no-listen');
    const dropped = once(cache, 'invalidate');
    await cache.poll();
    expect(await dropped).toEqual(['fingerprint-changed']);
    expect(await cache.resolve(key)).toBeNull();
    await cache.close();
  });
});
