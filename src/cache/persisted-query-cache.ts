// Where Apollo's automatic persisted queries (hash → document) live: the shared Redis when there is
// one (every process knows a hash another one registered), in-process otherwise. Redis trouble is a
// miss (the client then sends the full document), never an error, through the same breaker as the
// response cache. In trusted-documents mode the store is the manifest itself and nothing registers.
import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import type { RedisConnection } from './redis-connection.js';

export class RedisPersistedQueryCache implements KeyValueCache<string> {
  constructor(
    private readonly conn: RedisConnection,
    private readonly prefix: string,
  ) {}

  async get(hash: string): Promise<string | undefined> {
    try {
      return (await this.conn.run((r) => r.get(this.prefix + hash))) ?? undefined;
    } catch {
      return undefined;
    }
  }

  async set(hash: string, document: string, opts?: KeyValueCacheSetOptions): Promise<void> {
    try {
      const ttl = opts?.ttl;
      await this.conn.run((r) => (ttl && ttl > 0 ? r.set(this.prefix + hash, document, 'EX', Math.ceil(ttl)) : r.set(this.prefix + hash, document)));
    } catch {
      // Apollo does not await this; a lost registration only costs the client one more round trip.
    }
  }

  async delete(hash: string): Promise<boolean | void> {
    try {
      return (await this.conn.run((r) => r.del(this.prefix + hash))) > 0;
    } catch {
      return false;
    }
  }
}

/** The trusted-documents manifest as a read-only persisted-query store. */
export class ManifestPersistedQueryCache implements KeyValueCache<string> {
  constructor(private readonly manifest: Readonly<Record<string, string>>) {}
  async get(hash: string) {
    return Object.hasOwn(this.manifest, hash) ? this.manifest[hash] : undefined;
  }
  async set() {}
  async delete() {
    return false;
  }
}

export function inProcessPersistedQueryCache(): KeyValueCache<string> {
  // Documents are small; 8 MiB holds thousands of them.
  return new InMemoryLRUCache<string>({ maxSize: 8 * 1024 * 1024 });
}
