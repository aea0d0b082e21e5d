// Redis for tests: the machine's Redis when REDIS_URL is set, always under a key prefix of the test
// file's own (removed afterwards with SCAN, never KEYS), and private redis-server processes that a
// test may stop and restart (never the shared one).
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
export { hasRedisServer, PrivateRedis } from '../../bench/throwaway-redis.js';
export { freePort } from '../../bench/throwaway-postgres.js';

export const redisUrl = process.env.REDIS_URL;

export function uniquePrefix(label: string): string {
  return `tg-test:${label}:${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under `prefix` (SCAN in batches). */
export async function removePrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
