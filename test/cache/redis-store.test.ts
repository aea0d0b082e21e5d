// The store contract on Redis (REDIS_URL, a prefix of this file's own), plus what only Redis does:
// the cross-process fill lock.
import { afterAll, describe, expect, it } from 'vitest';
import { RedisConnection } from '../../src/cache/redis-connection.js';
import { RedisStore } from '../../src/cache/redis-store.js';
import { redisUrl, removePrefix, uniquePrefix } from '../support/redis.js';
import { storeContract } from './store-contract.js';

const prefix = uniquePrefix('redis-store');

let opened = 0;

/** Each store gets a prefix of its own under this file's prefix, like a separate deployment. */
async function openStore() {
  const conn = new RedisConnection({ url: redisUrl!, commandTimeoutMs: 1000, resetMs: 200 });
  await conn.waitUntilReady(2000);
  const store = new RedisStore(conn, { prefix: `${prefix}${++opened}:`, guardWindowS: 900 });
  return { store, conn, close: () => conn.close() };
}

describe.skipIf(!redisUrl)('RedisStore (needs REDIS_URL)', () => {
  afterAll(() => removePrefix(redisUrl!, prefix));

  storeContract('redis', openStore);

  it('gives the fill lock of a missing key to one caller at a time, released by its store', async () => {
    const { store, close } = await openStore();
    try {
      const first = await store.lookup('locked-key', 'token-1', 2000);
      const second = await store.lookup('locked-key', 'token-2', 2000);
      expect(first.locked).toBe(true);
      expect(second.locked).toBe(false);
      await store.store({ key: 'locked-key', body: 'v', tags: [], ttlS: 60, snapshot: first, lockToken: 'token-1' });
      expect((await store.lookup('locked-key', 'token-2', 2000)).body).toBe('v');
      await store.unlock('locked-key', first.epoch, 'token-1');
    } finally {
      await close();
    }
  });

  it('prunes the tag set of a hot, never-invalidated tag as its entries expire', async () => {
    const { store, conn, close } = await openStore();
    try {
      const tagSet = async () => {
        let cursor = '0';
        let n = 0;
        do {
          const [next, keys] = await conn.redis.scan(cursor, 'MATCH', `${prefix}*rc:t:hot`, 'COUNT', 1000);
          cursor = next;
          for (const k of keys) n += await conn.redis.scard(k);
        } while (cursor !== '0');
        return n;
      };
      for (let i = 0; i < 400; i++) {
        const k = `short-${i}`;
        await store.store({ key: k, body: 'x', tags: ['hot'], ttlS: 1, snapshot: await store.lookup(k) });
      }
      expect(await tagSet()).toBe(400);
      await new Promise((r) => setTimeout(r, 1100));
      for (let i = 0; i < 100; i++) {
        const k = `live-${i}`;
        await store.store({ key: k, body: 'x', tags: ['hot'], ttlS: 60, snapshot: await store.lookup(k) });
      }
      expect(await tagSet()).toBeLessThan(350);
    } finally {
      await close();
    }
  });

  it('releases a fill lock on unlock, so the next miss may compute', async () => {
    const { store, close } = await openStore();
    try {
      const first = await store.lookup('unlock-key', 'a', 2000);
      await store.unlock('unlock-key', first.epoch, 'a');
      expect((await store.lookup('unlock-key', 'b', 2000)).locked).toBe(true);
    } finally {
      await close();
    }
  });
});
