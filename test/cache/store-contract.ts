// One contract for every response-cache store (Redis and in-process): the same behaviours, the same
// assertions. Thin files run it against each implementation.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResponseCacheStore } from '../../src/cache/response-cache-store.js';

export interface StoreFixture {
  store: ResponseCacheStore;
  close(): Promise<void>;
}

export function storeContract(name: string, open: () => Promise<StoreFixture>) {
  describe(`ResponseCacheStore contract [${name}]`, () => {
    let fx: StoreFixture;
    let store: ResponseCacheStore;
    let n = 0;
    const key = () => `key-${++n}-${Math.random().toString(36).slice(2)}`;
    const put = async (k: string, body: string, tags: string[], snapshot?: { epoch: string; seq: number }) =>
      store.store({ key: k, body, tags, ttlS: 60, snapshot: snapshot ?? (await store.lookup(k)) });

    beforeEach(async () => {
      fx = await open();
      store = fx.store;
    });
    afterEach(() => fx.close());

    it('misses an unknown key, then returns what was stored', async () => {
      const k = key();
      const first = await store.lookup(k);
      expect(first.body).toBeNull();
      expect(await put(k, '{"data":1}', ['video:a'], first)).toBe(true);
      expect((await store.lookup(k)).body).toBe('{"data":1}');
    });

    it('peeks at the stored body without taking a lock', async () => {
      const k = key();
      expect(await store.peek(k)).toBeNull();
      await put(k, '{"data":"é"}', ['video:a']);
      expect(String(await store.peek(k))).toBe('{"data":"é"}');
      await store.invalidate(['video:a']);
      expect(await store.peek(k)).toBeNull();
    });

    it('refuses a store when one of its tags was invalidated after the snapshot (read/write race)', async () => {
      const k = key();
      const snapshot = await store.lookup(k); // the read starts
      await store.invalidate(['video:a']); // a write commits and invalidates meanwhile
      expect(await put(k, '{"stale":true}', ['project:p', 'video:a'], snapshot)).toBe(false);
      expect((await store.lookup(k)).body).toBeNull();
    });

    it('stores when only unrelated tags were invalidated after the snapshot', async () => {
      const k = key();
      const snapshot = await store.lookup(k);
      await store.invalidate(['video:other']);
      expect(await put(k, '{"ok":true}', ['video:a'], snapshot)).toBe(true);
      expect((await store.lookup(k)).body).toBe('{"ok":true}');
    });

    it('drops exactly the entries carrying an invalidated tag', async () => {
      const [a, b, both] = [key(), key(), key()];
      await put(a, 'A', ['video:a']);
      await put(b, 'B', ['video:b']);
      await put(both, 'AB', ['video:a', 'video:b']);
      expect(await store.invalidate(['video:a'])).toBe(2);
      expect((await store.lookup(a)).body).toBeNull();
      expect((await store.lookup(both)).body).toBeNull();
      expect((await store.lookup(b)).body).toBe('B');
    });

    it('invalidates a tag carried by many entries', async () => {
      const keys = Array.from({ length: 1200 }, key);
      for (const k of keys) await put(k, 'x', ['videos-of:p']);
      expect(await store.invalidate(['videos-of:p'])).toBe(1200);
      for (const k of [keys[0], keys[599], keys[1199]]) expect((await store.lookup(k)).body).toBeNull();
    });

    it('accepts a store after the invalidation that preceded its snapshot', async () => {
      const k = key();
      await store.invalidate(['video:a']);
      const snapshot = await store.lookup(k);
      expect(await put(k, 'fresh', ['video:a'], snapshot)).toBe(true);
    });

    it('makes every entry unreachable, and older snapshots unusable, after a new epoch', async () => {
      const k = key();
      const snapshot = await store.lookup(k);
      await put(k, 'old', ['video:a'], snapshot);
      await store.bumpEpoch();
      expect((await store.lookup(k)).body).toBeNull();
      expect(await put(k, 'late', ['video:a'], snapshot)).toBe(false);
      expect((await store.lookup(k)).body).toBeNull();
    });

    it('expires entries after their TTL', async () => {
      const k = key();
      const snapshot = await store.lookup(k);
      await store.store({ key: k, body: 'short', tags: [], ttlS: 1, snapshot });
      expect((await store.lookup(k)).body).toBe('short');
      await new Promise((r) => setTimeout(r, 1100));
      expect((await store.lookup(k)).body).toBeNull();
    });

    it('counts the bytes it stored', async () => {
      const before = store.bytes();
      await put(key(), 'x'.repeat(1000), []);
      expect(store.bytes()).toBeGreaterThanOrEqual(before + 1000);
    });
  });
}
