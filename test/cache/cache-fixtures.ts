// Shared pieces of the response-cache HTTP tests: the cache configurations to run against (in-process
// always, Redis when REDIS_URL is set, each under a prefix of its own), the operations a dashboard
// sends, the tags a ground-truth write changes, and a gate that holds a computed response just
// before it is stored.
import type { IncomingMessage } from 'node:http';
import { adminScope, memberScope, type AccessScope } from '../../src/auth/scope.js';
import { writeTags } from '../../src/cache/cache-tags.js';
import type { ResponseCacheHooks } from '../../src/cache/response-cache.js';
import { redisUrl, removePrefix, uniquePrefix } from '../support/redis.js';

/**
 * Tests that are not about outages give Redis a generous command timeout: on a loaded CI machine the
 * production 100 ms can pass, and the cache then (correctly) bypasses, which these tests would
 * misread as a failed hit.
 */
export const patientRedis = { CACHE_REDIS_TIMEOUT_MS: '2000', CACHE_REDIS_BULK_TIMEOUT_MS: '2000' };

export interface CacheKind {
  name: 'memory' | 'redis';
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export function cacheKinds(label: string): CacheKind[] {
  const kinds: CacheKind[] = [{ name: 'memory', env: { CACHE: 'on' }, cleanup: async () => {} }];
  if (redisUrl) {
    const prefix = uniquePrefix(label);
    kinds.push({
      name: 'redis',
      env: { CACHE: 'on', REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix, ...patientRedis },
      cleanup: () => removePrefix(redisUrl!, prefix),
    });
  }
  return kinds;
}

/** Tests pick the caller's scope with `x-test-scope: admin` or a comma-separated project list. */
export function scopeFromHeader(req: IncomingMessage): AccessScope {
  const h = req.headers['x-test-scope'] as string | undefined;
  return !h || h === 'admin' ? adminScope : memberScope(h.split(','), []);
}

export const asMember = (...projectIds: string[]) => ({ headers: { 'x-test-scope': projectIds.join(',') } });

/** What a ground-truth write to a video changes: the write path's own set. */
export const groundTruthWriteTags = (projectId: string, videoId: string) => writeTags.groundTruth({ id: videoId, projectId });

export const videoListQuery = /* GraphQL */ `
  query VideoList($projectId: ID!, $first: Int) {
    project(id: $projectId) { id name videos(first: $first) { totalCount nodes { id filename groundTruthCount } } }
  }
`;

export const groundTruthQuery = /* GraphQL */ `
  query GroundTruth($videoId: ID!, $first: Int, $minConfidence: Float) {
    video(id: $videoId) { id groundTruthCount groundTruth(first: $first, minConfidence: $minConfidence) { totalCount nodes { id frameNumber confidence } } }
  }
`;

export interface StoreGate {
  hooks: ResponseCacheHooks;
  /** Holds the next store; `reached` resolves once a computed response waits there. */
  arm(): { reached: Promise<void>; release(): void };
}

export function storeGate(): StoreGate {
  let armed: { reached(): void; released: Promise<void> } | null = null;
  return {
    hooks: {
      async beforeStore() {
        const a = armed;
        if (!a) return;
        armed = null;
        a.reached();
        await a.released;
      },
    },
    arm() {
      let reached!: () => void;
      let release!: () => void;
      const reachedP = new Promise<void>((r) => (reached = r));
      const released = new Promise<void>((r) => (release = r));
      armed = { reached, released };
      return { reached: reachedP, release };
    },
  };
}
