// The store contract on Redis (REDIS_URL, a prefix of this file's own), plus what only Redis does:
// the cross-process fill lock.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { RedisConnection } from '../../src/cache/redis-connection.js';
import { RedisStore } from '../../src/cache/redis-store.js';
import { ResponseCache } from '../../src/cache/response-cache.js';
import type { Socket } from 'node:net';
import { Redis } from 'ioredis';
import { redisUrl, removePrefix, uniquePrefix } from '../support/redis.js';
import { storeContract } from './store-contract.js';

const prefix = uniquePrefix('redis-store');

let opened = 0;

/** Each store gets a prefix of its own under this file's prefix, like a separate deployment. */
async function openStore(opts: { maxTagVersions?: number; bodyApartBytes?: number; localCopyBytes?: number; localCopyMinBytes?: number } = {}) {
  const conn = new RedisConnection({ url: redisUrl!, commandTimeoutMs: 1000, resetMs: 200 });
  await conn.waitUntilReady(2000);
  const own = `${prefix}${++opened}:`;
  const store = new RedisStore(conn, { prefix: own, ...opts });
  return { store, conn, own, close: () => conn.close() };
}

describe.skipIf(!redisUrl)('RedisStore (needs REDIS_URL)', () => {
  afterAll(() => removePrefix(redisUrl!, prefix));

  storeContract('redis', () => openStore());
  // Every fresh body read by a GET of its own after the check, as large ones are.
  storeContract('redis, bodies apart', () => openStore({ bodyApartBytes: 0 }));
  storeContract('redis, local copies', () => openStore({ localCopyBytes: 1 << 20, localCopyMinBytes: 0 }));

  it('serves a body over the apart size byte for byte, by lookup and by peek', async () => {
    const { store, close } = await openStore({ bodyApartBytes: 1000 });
    try {
      const body = `{"data":"${'é€😀x'.repeat(400)}"}`;
      const snapshot = await store.lookup('k');
      expect(await store.store({ key: 'k', body, tags: ['video:a'], ttlS: 60, snapshot })).toBe(true);
      expect((await store.lookup('k')).body).toBe(body);
      expect((await store.peek('k'))?.toString('utf8')).toBe(body);
      await store.invalidate(['video:a']);
      expect((await store.lookup('k')).body).toBeNull();
      expect(await store.peek('k')).toBeNull();
    } finally {
      await close();
    }
  });

  it('misses, and takes the fill lock, when a body found fresh is dropped before its GET', async () => {
    const { store, conn, own, close } = await openStore({ bodyApartBytes: 0 });
    try {
      const snapshot = await store.lookup('k');
      await store.store({ key: 'k', body: 'v', tags: ['video:a'], ttlS: 60, snapshot });
      const run = conn.run.bind(conn);
      let calls = 0;
      const spy = vi.spyOn(conn, 'run').mockImplementation(async (fn, opts) => {
        const result = await run(fn, opts);
        // Between the check and the GET: an invalidation by another process.
        if (++calls === 1) await run((r) => r.eval(`return redis.call('DEL', unpack(redis.call('KEYS', ARGV[1])))`, 0, `${own}rc:e:*`));
        return result;
      });
      const found = await store.lookup('k', 'token-1', 5000);
      spy.mockRestore();
      expect(found.body).toBeNull();
      expect(found.locked).toBe(true);
    } finally {
      await close();
    }
  });

  it('never serves an entry after its invalidation even when its tag set was evicted', async () => {
    const { store, conn, own, close } = await openStore();
    try {
      const snapshot = await store.lookup('k');
      await store.store({ key: 'k', body: 'v', tags: ['video:a'], ttlS: 60, snapshot });
      await conn.redis.del(`${own}rc:t:video:a`); // what maxmemory eviction could do
      await store.invalidate(['video:a']);
      expect((await store.lookup('k')).body).toBeNull();
      expect(await store.peek('k')).toBeNull();
    } finally {
      await close();
    }
  });

  it('checks the tag versions of an entry only once the sequence moved past its snapshot', async () => {
    const { store, conn, own, close } = await openStore();
    try {
      const snapshot = await store.lookup('k');
      await store.store({ key: 'k', body: 'v', tags: ['video:a', 'video:b'], ttlS: 60, snapshot });
      expect(await store.peek('k')).not.toBeNull(); // stored at the current sequence
      await store.invalidate(['video:z']);
      expect((await store.lookup('k')).body).toBe('v'); // the sequence moved; its own tags did not
      await conn.redis.del(`${own}rc:t:video:b`); // what maxmemory eviction could do
      await store.invalidate(['video:b']);
      expect(await store.peek('k')).toBeNull();
    } finally {
      await close();
    }
  });

  it("keeps an entry's tags out of a hit's read", async () => {
    const { store, conn, own, close } = await openStore();
    const tags = Array.from({ length: 200 }, (_, i) => `video:${String(i).padStart(36, '0')}`);
    const redis = conn.redis as unknown as { sendCommand(command: { name: string; args: unknown[] }): unknown };
    const original = redis.sendCommand.bind(redis);
    const read: string[] = [];
    redis.sendCommand = (command) => {
      read.push(...command.args.map(String));
      return original(command);
    };
    try {
      const snapshot = await store.lookup('k');
      await store.store({ key: 'k', body: 'v', tags, ttlS: 60, snapshot });
      const heads = await conn.redis.keys(`${own}rc:h:*`);
      expect(heads).toHaveLength(1);
      // A hit reads the head (sequence and store id), not the 8 kB of tags.
      expect(await conn.redis.strlen(heads[0])).toBeLessThan(64);
      read.length = 0;
      expect((await store.peek('k'))?.toString()).toBe('v');
      expect(read.some((arg) => arg.includes(`${own}rc:h:`))).toBe(true);
      expect(read.some((arg) => arg.includes(`${own}rc:g:`))).toBe(false);
    } finally {
      await close();
    }
  });

  it('serves no entry whose tag list was evicted, once the sequence moved past it', async () => {
    const { store, conn, own, close } = await openStore();
    try {
      const snapshot = await store.lookup('k');
      await store.store({ key: 'k', body: 'v', tags: ['video:a'], ttlS: 60, snapshot });
      await conn.redis.del(`${own}rc:g:${snapshot.epoch}:k`); // what maxmemory eviction could do
      // At the sequence it was stored at, its head alone says fresh: no invalidation has happened since.
      expect((await store.peek('k'))?.toString()).toBe('v');
      await store.invalidate(['video:z']);
      expect(await store.peek('k')).toBeNull();
      expect((await store.lookup('k')).body).toBeNull();
    } finally {
      await close();
    }
  });

  it('refuses a store after Redis lost its invalidation sequence', async () => {
    const { store, conn, own, close } = await openStore();
    try {
      for (let i = 0; i < 3; i++) await store.invalidate([`video:${i}`]);
      const snapshot = await store.lookup('k');
      expect(await store.store({ key: 'old', body: 'v', tags: ['video:0'], ttlS: 60, snapshot: await store.lookup('old') })).toBe(true);
      await conn.redis.del(`${own}rc:seq`, `${own}rc:tv`);
      expect(await store.store({ key: 'k', body: 'v', tags: ['video:0'], ttlS: 60, snapshot })).toBe(false);
      // Stored above the sequence Redis now has: nothing can be verified.
      expect(await store.peek('old')).toBeNull();
      expect((await store.lookup('old')).body).toBeNull();
    } finally {
      await close();
    }
  });

  // The double fault: the sequence lost, then invalidations whose tag sets were evicted climb it back
  // to the number an old entry's head carries. That head must not pass as stored at the current one.
  it.each([
    { lost: ['seq'], recreated: false, name: 'the sequence' },
    { lost: ['seq', 'tv'], recreated: false, name: 'the sequence and the tag versions' },
    // As a process of an earlier version, sharing the Redis during a deploy, would by its INCR.
    { lost: ['seq'], recreated: true, name: 'the sequence (then recreated below a kept tag version)' },
  ])('never serves an entry from before $name was lost, however far the sequence climbs back', async ({ lost, recreated }) => {
    const { store, conn, own, close } = await openStore();
    try {
      for (let i = 0; i < 3; i++) await store.invalidate([`video:${i}`]);
      const before = await store.lookup('old');
      expect(await store.store({ key: 'old', body: 'v', tags: ['video:a'], ttlS: 60, snapshot: before })).toBe(true);
      expect((await store.peek('old'))?.toString()).toBe('v');
      await conn.redis.del(...lost.map((k) => `${own}rc:${k}`));
      if (recreated) await conn.redis.incr(`${own}rc:seq`);
      // No read before the sequence is back at the entry's: a read that finds the head above the
      // sequence drops the entry.
      for (let i = 0; i < 6; i++) {
        await conn.redis.del(`${own}rc:t:video:a`); // what maxmemory eviction could do
        await store.invalidate(['video:a']);
        if (i < (recreated ? 1 : 2)) continue;
        expect(await store.peek('old')).toBeNull();
        expect((await store.lookup('old')).body).toBeNull();
      }
      // The new epoch caches again, tags invalidated before the loss included.
      const after = await store.lookup('new');
      expect(await store.store({ key: 'new', body: 'w', tags: ['video:0', 'video:a'], ttlS: 60, snapshot: after })).toBe(true);
      expect((await store.peek('new'))?.toString()).toBe('w');
      await store.invalidate(['video:a']);
      expect(await store.peek('new')).toBeNull();
    } finally {
      await close();
    }
  });

  it('caches again right after a lost sequence, tags invalidated before the loss included', async () => {
    const { store, conn, own, close } = await openStore();
    try {
      for (let i = 0; i < 3; i++) await store.invalidate([`video:${i}`]);
      await conn.redis.del(`${own}rc:seq`);
      const snapshot = await store.lookup('k');
      // The sequence restarts at the highest kept version (video:2's), not below it.
      expect(snapshot.seq).toBe(3);
      expect(await store.store({ key: 'k', body: 'v', tags: ['video:2'], ttlS: 60, snapshot })).toBe(true);
      expect((await store.peek('k'))?.toString()).toBe('v');
      await store.invalidate(['video:2']);
      expect(await store.peek('k')).toBeNull();
    } finally {
      await close();
    }
  });

  it('distrusts entries and snapshots older than the oldest tag version it still keeps', async () => {
    const { store, close } = await openStore({ maxTagVersions: 2 });
    try {
      const old = await store.lookup('old');
      await store.store({ key: 'old', body: 'v', tags: ['video:a'], ttlS: 60, snapshot: old });
      const late = await store.lookup('late');
      for (const tag of ['video:a', 'video:b', 'video:c']) await store.invalidate([tag]); // forgets video:a's version
      expect(await store.store({ key: 'late', body: 'v', tags: ['video:a'], ttlS: 60, snapshot: late })).toBe(false);
      const fresh = await store.lookup('fresh');
      expect(await store.store({ key: 'fresh', body: 'v', tags: ['video:a'], ttlS: 60, snapshot: fresh })).toBe(true);
      expect((await store.lookup('fresh')).body).toBe('v');
      expect((await store.lookup('old')).body).toBeNull();
    } finally {
      await close();
    }
  });

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
    const { store, conn, own, close } = await openStore();
    try {
      const tagSet = async () => {
        let cursor = '0';
        let n = 0;
        do {
          const [next, keys] = await conn.redis.scan(cursor, 'MATCH', `${own}rc:t:hot`, 'COUNT', 1000);
          cursor = next;
          for (const k of keys) n += await conn.redis.scard(k);
        } while (cursor !== '0');
        return n;
      };
      for (let i = 0; i < 400; i++) {
        const k = `short-${i}`;
        await store.store({ key: k, body: 'x', tags: ['hot'], ttlS: 60, snapshot: await store.lookup(k) });
      }
      expect(await tagSet()).toBe(400);
      // Their entries expire (removed here rather than waited for: to EXISTS the two are the same).
      let cursor = '0';
      do {
        const [next, keys] = await conn.redis.scan(cursor, 'MATCH', `${own}rc:e:*:short-*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await conn.redis.del(...keys);
      } while (cursor !== '0');
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

describe.skipIf(!redisUrl)('RedisStore hits without a script (needs REDIS_URL)', () => {
  it('reads a fresh entry by one MGET, and leaves the rest to the lookup script', async () => {
    const { store, conn, close } = await openStore();
    const sent: string[] = [];
    const redis = conn.redis as unknown as { sendCommand(command: { name: string }): unknown };
    const original = redis.sendCommand.bind(redis);
    redis.sendCommand = (command) => {
      sent.push(command.name);
      return original(command);
    };
    try {
      expect(await store.store({ key: 'k', body: 'v', tags: ['video:a'], ttlS: 60, snapshot: await store.lookup('k') })).toBe(true);
      sent.length = 0;
      expect((await store.peek('k'))?.toString()).toBe('v');
      expect(await store.peek('absent')).toBeNull();
      expect(sent).toEqual(['mget', 'mget']);
      // Stored before the last invalidation: its tags need the script's check, which finds it fresh
      // and records so, and its next read is one MGET again.
      await store.invalidate(['video:z']);
      sent.length = 0;
      expect((await store.peek('k'))?.toString()).toBe('v');
      expect(sent).toEqual(['mget', 'evalsha']);
      sent.length = 0;
      expect((await store.peek('k'))?.toString()).toBe('v');
      expect(sent).toEqual(['mget']);
      // Until one of its own tags is invalidated.
      await store.invalidate(['video:a']);
      expect(await store.peek('k')).toBeNull();
      // An empty body is no entry, by either read.
      expect(await store.store({ key: 'empty', body: '', tags: [], ttlS: 60, snapshot: await store.lookup('empty') })).toBe(true);
      expect(await store.peek('empty')).toBeNull();
      expect((await store.lookup('empty')).body).toBeNull();
    } finally {
      await close();
    }
  });
});

describe.skipIf(!redisUrl)('RedisStore local copies of large bodies (needs REDIS_URL)', () => {
  it('serves its copy while the meta names the store it came from, and reads the body again otherwise', async () => {
    const { store, conn, own, close } = await openStore({ localCopyBytes: 1 << 20, localCopyMinBytes: 4 });
    const other = await openStore({});
    const second = new RedisStore(other.conn, { prefix: own });
    const sent: string[][] = [];
    const redis = conn.redis as unknown as { sendCommand(command: { name: string; args: unknown[] }): unknown };
    const original = redis.sendCommand.bind(redis);
    redis.sendCommand = (command) => {
      sent.push([command.name, String(command.args.length)]);
      return original(command);
    };
    try {
      // `copy`: whether the body peek() answered is the process's copy.
      const peekK = async (copy: boolean) => {
        const body = await store.peek('k');
        expect(body === null ? null : store.isCopy(body)).toBe(copy);
        return body?.toString();
      };
      expect(await store.store({ key: 'k', body: 'first', tags: ['video:a'], ttlS: 60, snapshot: await store.lookup('k') })).toBe(true);
      expect(await peekK(false)).toBe('first');
      sent.length = 0;
      expect(await peekK(true)).toBe('first');
      // The epoch, the sequence, the meta and the body's length, not the body.
      expect(sent).toEqual([['strlen', '1'], ['mget', '3']]);
      // Another process stores another body over it, fresh at the same sequence: the copy is not it.
      expect(await second.store({ key: 'k', body: 'second', tags: ['video:a'], ttlS: 60, snapshot: await second.lookup('k') })).toBe(true);
      expect(await peekK(false)).toBe('second');
      expect(await peekK(true)).toBe('second');
      // After an unrelated write the script decides, and leaves out the body this process holds.
      await second.invalidate(['video:z']);
      sent.length = 0;
      expect(await peekK(true)).toBe('second');
      expect(sent.map(([name]) => name)).toEqual(['strlen', 'mget', 'evalsha']);
      // A body evicted under memory pressure, its head kept: a miss, as the script says.
      await other.conn.redis.del(`${own}rc:e:${(await second.lookup('k')).epoch}:k`);
      expect(await store.peek('k')).toBeNull();
      expect((await second.lookup('k')).body).toBeNull();
      // Dropped by an invalidation.
      expect(await second.store({ key: 'k', body: 'third', tags: ['video:a'], ttlS: 60, snapshot: await second.lookup('k') })).toBe(true);
      expect((await store.peek('k'))?.toString()).toBe('third');
      await second.invalidate(['video:a']);
      expect(await store.peek('k')).toBeNull();
      // Under the copy minimum nothing is copied.
      expect(await store.store({ key: 'small', body: 'abc', tags: [], ttlS: 60, snapshot: await store.lookup('small') })).toBe(true);
      expect((await store.peek('small'))?.toString()).toBe('abc');
      expect((await store.peek('small'))?.toString()).toBe('abc');
      // An entry of the earlier layout (its tags in its meta, `m:`) is not read: a miss, never unchecked.
      const epoch = (await store.lookup('k')).epoch;
      const seq = (await store.lookup('k')).seq;
      await other.conn.redis.set(`${own}rc:e:${epoch}:old`, 'older layout', 'EX', 60);
      await other.conn.redis.set(`${own}rc:m:${epoch}:old`, `${seq}\nvideo:b`, 'EX', 60);
      expect(await store.peek('old')).toBeNull();
      expect((await store.lookup('old')).body).toBeNull();
      // A tag that starts like the head's id line is a tag like any other.
      expect(await store.store({ key: 'hash', body: 'h', tags: ['#video:a'], ttlS: 60, snapshot: await store.lookup('hash') })).toBe(true);
      await second.invalidate(['video:z']);
      expect((await store.peek('hash'))?.toString()).toBe('h');
      // Its tag set gone, so only the read's check of the tag list can drop it.
      await other.conn.redis.del(`${own}rc:t:#video:a`);
      await second.invalidate(['#video:a']);
      expect(await store.peek('hash')).toBeNull();
      // A tag the tag list could not hold as a line of its own is refused, and the fill lock taken for
      // the store is given back.
      for (const tag of ['video:a\nproject:p', '']) {
        const taken = await store.lookup('x', 'token-1', 5000);
        expect(taken.locked).toBe(true);
        await expect(store.store({ key: 'x', body: 'y', tags: [tag], ttlS: 60, snapshot: taken, lockToken: 'token-1' })).rejects.toThrow(/not storable/);
        expect((await second.lookup('x', 'token-2', 5000)).locked).toBe(true);
        await second.unlock('x', taken.epoch, 'token-2');
      }
      // A body that came in one socket read with other bytes is copied out of that read's buffer.
      const big = JSON.stringify({ s: 'b'.repeat(20_000) });
      expect(await second.store({ key: 'big', body: big, tags: [], ttlS: 60, snapshot: await second.lookup('big') })).toBe(true);
      expect((await store.peek('big'))?.toString()).toBe(big);
      const kept = (store as unknown as { copies: Map<string, { body: Buffer }> }).copies.get('big')!.body;
      expect(kept.toString()).toBe(big);
      expect(kept.buffer.byteLength).toBe(kept.length);
    } finally {
      await close();
      await other.close();
    }
  });
});

describe.skipIf(!redisUrl)('RedisConnection writes (needs REDIS_URL)', () => {
  it('sends the commands of one turn in one write, each answered as its own, and a lone one without waiting for the turn to end', async () => {
    const { store, conn, close } = await openStore();
    try {
      const keys = Array.from({ length: 20 }, (_, i) => `w${i}`);
      for (const key of keys.slice(0, 10)) {
        expect(await store.store({ key, body: `{"k":"${key}"}`, tags: ['t'], ttlS: 60, snapshot: await store.lookup(key) })).toBe(true);
      }
      const socket = (conn.redis as unknown as { stream: Socket }).stream;
      let writes = 0;
      for (const method of ['_write', '_writev'] as const) {
        const original = socket[method] as (...args: unknown[]) => void;
        socket[method] = ((...args: unknown[]) => {
          writes++;
          original.apply(socket, args);
        }) as never;
      }
      const afterThisCallback = () => new Promise((r) => process.nextTick(r));
      const bodies = await Promise.all(keys.map((key) => store.peek(key)));
      expect(writes).toBe(1);
      expect(bodies.map((b) => b?.toString() ?? null)).toEqual(keys.map((key, i) => (i < 10 ? `{"k":"${key}"}` : null)));
      // No reply outstanding: a command goes once the callback that issued it is done, not at the turn's end.
      await new Promise((r) => setImmediate(r));
      const first = store.peek('w0');
      expect(writes).toBe(1);
      await afterThisCallback();
      expect(writes).toBe(2);
      // Its reply outstanding (replies are read in the next turn at the earliest), the next one waits
      // for the end of the turn, to share its write with the turn's other requests.
      const second = store.peek('w1');
      await afterThisCallback();
      expect(writes).toBe(2);
      expect((await Promise.all([first, second])).map((b) => b?.toString())).toEqual(['{"k":"w0"}', '{"k":"w1"}']);
      expect(writes).toBe(3);
    } finally {
      await close();
    }
  });
});

describe.skipIf(!redisUrl)('RedisConnection breaker (needs REDIS_URL)', () => {
  const slow = () => new Promise<string>((resolve) => setTimeout(() => resolve('late'), 300));

  /**
   * Five commands that never answer time out back to back on a fake clock (timers and performance.now,
   * so whatever the machine's load); with `answered`, Redis answers a ping after they were sent and
   * before they time out. Resolves whether the breaker is still closed afterwards.
   */
  async function afterFiveTimeouts(answered: boolean): Promise<boolean> {
    const conn = new RedisConnection({ url: redisUrl!, commandTimeoutMs: 30, bulkTimeoutMs: 30, resetMs: 60_000 });
    try {
      expect(await conn.waitUntilReady(2000)).toBe(true);
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
      const late = Array.from({ length: 5 }, () => expect(conn.run(() => new Promise<string>(() => {}))).rejects.toThrow(/timed out after 30 ms/));
      await vi.advanceTimersByTimeAsync(1);
      if (answered) expect(await conn.run((r) => r.ping())).toBe('PONG');
      await vi.advanceTimersByTimeAsync(30);
      await Promise.all(late);
      return conn.available();
    } finally {
      vi.useRealTimers();
      await conn.close();
    }
  }

  it('does not trip on timeouts while Redis keeps answering other commands (congestion)', async () => {
    // Redis is alive, and these commands were only late (as behind 80 MB of queued replies).
    expect(await afterFiveTimeouts(true)).toBe(true);
  });

  it('trips on the same timeouts when Redis answered nothing while they waited (the control)', async () => {
    expect(await afterFiveTimeouts(false)).toBe(false);
  });

  it('does not count a command that throws before it is sent as a Redis failure', async () => {
    const conn = new RedisConnection({ url: redisUrl!, commandTimeoutMs: 30, bulkTimeoutMs: 30, resetMs: 60_000, failureThreshold: 1 });
    try {
      expect(await conn.waitUntilReady(2000)).toBe(true);
      await expect(
        conn.run(() => {
          throw new RangeError('too many arguments');
        }),
      ).rejects.toThrow('too many arguments');
      expect(conn.available()).toBe(true);
      expect(await conn.run((r) => r.ping())).toBe('PONG');
    } finally {
      await conn.close();
    }
  });

  it('trips after three timeouts during which Redis answered nothing (a stall)', async () => {
    const conn = new RedisConnection({ url: redisUrl!, commandTimeoutMs: 30, bulkTimeoutMs: 30, resetMs: 60_000 });
    try {
      expect(await conn.waitUntilReady(2000)).toBe(true);
      for (let i = 0; i < 3; i++) await expect(conn.run(slow)).rejects.toThrow(/timed out/);
      expect(conn.available()).toBe(false);
    } finally {
      await conn.close();
    }
  });

  it('gives commands that carry bodies the bulk timeout', async () => {
    const conn = new RedisConnection({ url: redisUrl!, commandTimeoutMs: 30, bulkTimeoutMs: 1000, resetMs: 60_000 });
    try {
      expect(await conn.waitUntilReady(2000)).toBe(true);
      expect(await conn.run(slow, { bulk: true })).toBe('late');
      await expect(conn.run(slow)).rejects.toThrow(/timed out after 30 ms/);
    } finally {
      await conn.close();
    }
  });
});

describe.skipIf(!redisUrl)('ResponseCache fill lock on Redis (needs REDIS_URL)', () => {
  it('gives back the fill lock a joining request took, so the leader can fill at once', async () => {
    const { store, own, close } = await openStore();
    // A lock wait far beyond the test's timeout: the leader answers only if a poll got the lock.
    const cache = new ResponseCache(store, { ttlS: 60, lockWaitMs: 600_000 });
    const redis = new Redis(redisUrl!);
    try {
      const { epoch } = await store.lookup('warm-up');
      // Another process holds the fill lock of key k: this process's first miss polls.
      const lockKey = `${own}rc:l:${epoch}:k`;
      await redis.set(lockKey, 'other-process', 'PX', 10_000);
      const leader = cache.begin('k');
      await new Promise((r) => setTimeout(r, 30));
      // The other process finishes; an identical request arrives, takes the free lock in its
      // lookup, and joins the leader's flight.
      await redis.del(lockKey);
      const follower = cache.begin('k');
      const led = await leader;
      expect(led.kind).toBe('miss');
      // The leader got the lock on a poll instead of waiting out CACHE_LOCK_WAIT_MS.
      if (led.kind !== 'miss') return;
      expect(led.ticket.lockToken).toBeDefined();
      await cache.complete(led.ticket, { data: { n: 1 } }, ['t']);
      expect(await follower).toMatchObject({ kind: 'hit', coalesced: true, result: { data: { n: 1 } } });
      expect(await redis.exists(lockKey)).toBe(0);
    } finally {
      redis.disconnect();
      await close();
    }
  }, 60_000);
});
