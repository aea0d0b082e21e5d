// Server-made ids are UUID version 7: the creation millisecond first, so a batch lands at the end of
// the primary-key index in creation order, and still unique across batches and processes.
import { describe, expect, it } from 'vitest';
import { uuidv7, uuidv7Batch } from '../../src/db/uuid7.js';

const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidv7', () => {
  it('is a version-7, RFC 9562 variant uuid whose first 48 bits are the millisecond', () => {
    const ms = Date.UTC(2026, 11, 2, 17, 0, 0, 123);
    const id = uuidv7(ms);
    expect(id).toMatch(uuidV7);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(ms);
  });

  it('orders a batch of 10,000 in creation order, after every id of an earlier millisecond', () => {
    const earlier = uuidv7Batch(3, 1_000_000);
    const batch = uuidv7Batch(10_000, 1_000_001);
    expect([...batch].sort()).toEqual(batch);
    expect(new Set(batch).size).toBe(10_000);
    expect(earlier.every((e) => e < batch[0])).toBe(true);
    expect(batch.every((id) => uuidV7.test(id))).toBe(true);
  });

  it('keeps two batches of the same millisecond apart by their random bits', () => {
    const a = uuidv7Batch(1000, 42);
    const b = uuidv7Batch(1000, 42);
    expect(new Set([...a, ...b]).size).toBe(2000);
  });
});
