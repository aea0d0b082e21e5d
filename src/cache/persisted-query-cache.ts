// Where Apollo's automatic persisted queries (hash → document) live: the shared Redis when there is
// one (every process knows a hash another one registered), in-process otherwise. Redis trouble is a
// miss (the client then sends the full document), never an error, through the same breaker as the
// response cache. The codegen manifest is answered first, from memory, so its hashes are registered
// from the start and never expire (a client that sends only manifest hashes never sees
// PERSISTED_QUERY_NOT_FOUND); in trusted-documents mode the store is the manifest alone.
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

/**
 * The manifest as a read-only persisted-query store; with `registered`, the store of everything else
 * (APQ registrations), consulted only for hashes the manifest does not hold.
 */
export class ManifestPersistedQueryCache implements KeyValueCache<string> {
  constructor(
    private readonly manifest: Readonly<Record<string, string>>,
    private readonly registered?: KeyValueCache<string>,
  ) {}
  async get(hash: string) {
    if (Object.hasOwn(this.manifest, hash)) return this.manifest[hash];
    return this.registered?.get(hash);
  }
  async set(hash: string, document: string, opts?: KeyValueCacheSetOptions) {
    if (!Object.hasOwn(this.manifest, hash)) await this.registered?.set(hash, document, opts);
  }
  async delete(hash: string) {
    if (Object.hasOwn(this.manifest, hash)) return false;
    return (await this.registered?.delete(hash)) ?? false;
  }
}

export function inProcessPersistedQueryCache(): KeyValueCache<string> {
  // Documents are small; 8 MiB holds thousands of them.
  return new InMemoryLRUCache<string>({ maxSize: 8 * 1024 * 1024 });
}
