// The store contract on the in-process store, plus its byte bound.
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/cache/memory-store.js';
import { storeContract } from './store-contract.js';

storeContract('memory', async () => {
  const store = new MemoryStore({ maxBytes: 16 * 1024 * 1024 });
  return { store, close: () => store.close() };
});

describe('MemoryStore', () => {
  it('stays within its byte bound, evicting least recently used entries and their tag index', async () => {
    const store = new MemoryStore({ maxBytes: 10_000 });
    const body = 'x'.repeat(1000);
    for (let i = 0; i < 50; i++) {
      const snapshot = await store.lookup(`k${i}`);
      await store.store({ key: `k${i}`, body, tags: ['t'], ttlS: 60, snapshot });
    }
    expect(store.bytes()).toBeLessThanOrEqual(10_000);
    expect((await store.lookup('k0')).body).toBeNull();
    expect((await store.lookup('k49')).body).toBe(body);
    // Only the surviving entries remain indexed under the tag.
    expect(await store.invalidate(['t'])).toBeLessThanOrEqual(10);
  });

  it('holds what it counts: the bytes of an entry are an allocation of their own, whatever their size', async () => {
    const store = new MemoryStore({ maxBytes: 16 * 1024 * 1024 });
    for (const body of ['{"data":1}', '{"data":"é"}', `{"data":"${'y'.repeat(5000)}"}`]) {
      const snapshot = await store.lookup(body);
      expect(await store.store({ key: body, body, tags: ['t'], ttlS: 60, snapshot })).toBe(true);
      const bytes = (await store.peek(body))!;
      // A slice of Node's shared pool would keep the whole 8 KiB slab alive.
      expect(bytes.buffer.byteLength).toBe(bytes.length);
      expect(bytes.toString('utf8')).toBe(body);
    }
  });

  it('refuses a snapshot older than a forgotten tag version (bounded version map)', async () => {
    const store = new MemoryStore({ maxBytes: 1_000_000, maxTagVersions: 2 });
    const snapshot = await store.lookup('k');
    await store.invalidate(['a']);
    await store.invalidate(['b']);
    await store.invalidate(['c']); // evicts the version of 'a'
    expect(await store.store({ key: 'k', body: 'stale', tags: ['a'], ttlS: 60, snapshot })).toBe(false);
  });
});
