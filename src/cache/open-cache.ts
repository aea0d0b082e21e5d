// Builds the caches the configuration asks for: with REDIS_URL one fail-fast Redis connection shared
// by the response cache and the persisted-query store; without it both in-process. CACHE=off turns
// the response cache off (persisted queries keep working). The codegen manifest answers persisted
// queries first; trusted-documents mode serves them from the manifest only.
import { PrefixingKeyValueCache, type KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { Config } from '../config.js';
import type { Logger } from '../observability/logger.js';
import { MemoryStore } from './memory-store.js';
import { inProcessPersistedQueryCache, ManifestPersistedQueryCache, RedisPersistedQueryCache } from './persisted-query-cache.js';
import { RedisConnection } from './redis-connection.js';
import { RefreshAhead } from './refresh-ahead.js';
import { RedisStore } from './redis-store.js';
import { ResponseCache, type ResponseCacheHooks } from './response-cache.js';
import type { ResponseCacheStore } from './response-cache-store.js';

export interface OpenedCache {
  cache: ResponseCache;
  persistedQueries: KeyValueCache<string>;
  close(): Promise<void>;
}

export type CacheConfig = Pick<
  Config,
  | 'REDIS_URL'
  | 'CACHE'
  | 'CACHE_TTL_S'
  | 'CACHE_MAX_BYTES'
  | 'CACHE_MAX_ENTRY_BYTES'
  | 'CACHE_REDIS_TIMEOUT_MS'
  | 'CACHE_REDIS_BULK_TIMEOUT_MS'
  | 'CACHE_BREAKER_RESET_MS'
  | 'CACHE_LOCK_WAIT_MS'
  | 'CACHE_REFRESH_AHEAD'
  | 'CACHE_REFRESH_MIN_HITS'
  | 'CACHE_LOCAL_COPY_BYTES'
  | 'REDIS_KEY_PREFIX'
>;

export async function openCache(
  config: CacheConfig,
  opts: {
    logger?: Logger;
    hooks?: ResponseCacheHooks;
    /** The trusted-documents manifest, pre-registered as persisted queries. */
    manifest?: Readonly<Record<string, string>>;
    /** Trusted-documents mode: the manifest is the whole store, nothing registers. */
    manifestOnly?: boolean;
  } = {},
): Promise<OpenedCache> {
  const conn = config.REDIS_URL
    ? new RedisConnection({
        url: config.REDIS_URL,
        commandTimeoutMs: config.CACHE_REDIS_TIMEOUT_MS,
        bulkTimeoutMs: config.CACHE_REDIS_BULK_TIMEOUT_MS,
        resetMs: config.CACHE_BREAKER_RESET_MS,
        logger: opts.logger,
      })
    : undefined;
  // Start with the cache up when Redis is there; a dead Redis only delays startup by this bound.
  if (conn) await conn.waitUntilReady(Math.max(1000, config.CACHE_REDIS_TIMEOUT_MS * 10));

  let store: ResponseCacheStore | null = null;
  let redisStore: RedisStore | undefined;
  if (config.CACHE === 'on') {
    if (conn) redisStore = new RedisStore(conn, { prefix: config.REDIS_KEY_PREFIX, localCopyBytes: config.CACHE_LOCAL_COPY_BYTES });
    store = redisStore ?? new MemoryStore({ maxBytes: config.CACHE_MAX_BYTES });
  }
  const cache = new ResponseCache(store, {
    ttlS: config.CACHE_TTL_S,
    maxEntryBytes: config.CACHE_MAX_ENTRY_BYTES,
    lockWaitMs: conn ? config.CACHE_LOCK_WAIT_MS : 0,
    hooks: opts.hooks,
    logger: opts.logger,
    refreshAhead:
      store && config.CACHE_REFRESH_AHEAD > 0
        ? new RefreshAhead({ concurrency: config.CACHE_REFRESH_AHEAD, minHits: config.CACHE_REFRESH_MIN_HITS })
        : undefined,
  });
  if (conn && redisStore) {
    const lostTo = redisStore;
    cache.onLostInvalidation = () => {
      lostTo.invalidationLost();
      conn.trip('invalidation lost');
    };
  }

  // Apollo would prefix every key with "apq:"; ours are already namespaced (and the manifest is keyed
  // by the bare hash), so tell it not to.
  const registered = opts.manifestOnly
    ? undefined
    : conn
      ? new RedisPersistedQueryCache(conn, `${config.REDIS_KEY_PREFIX}apq:`)
      : inProcessPersistedQueryCache();
  const persistedQueries = PrefixingKeyValueCache.cacheDangerouslyDoesNotNeedPrefixesForIsolation(
    opts.manifest ? new ManifestPersistedQueryCache(opts.manifest, registered) : (registered ?? inProcessPersistedQueryCache()),
  );

  return {
    cache,
    persistedQueries,
    async close() {
      await cache.close();
      await conn?.close();
    },
  };
}
