// Redis for tests: the machine's Redis when REDIS_URL is set, always under a key prefix of the test
// file's own (removed afterwards with SCAN, never KEYS), and private redis-server processes that a
// test may stop and restart (never the shared one).
import { randomBytes } from 'node:crypto';
export { hasRedisServer, PrivateRedis, removePrefix } from '../../bench/throwaway-redis.js';
export { freePort } from '../../bench/throwaway-postgres.js';

export const redisUrl = process.env.REDIS_URL;

export function uniquePrefix(label: string): string {
  return `tg-test:${label}:${randomBytes(4).toString('hex')}:`;
}
