// The in-process response-cache store, used without REDIS_URL: an LRU bounded in bytes, a tag index
// kept in step with evictions, and the same tag-version guard as the Redis store (see
// response-cache-store.ts), so one contract test suite holds for both.
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { LookupResult, ResponseCacheStore, StoreRequest } from './response-cache-store.js';

interface Entry {
  /** Encoded once when stored: a hit writes these bytes as they are (src/cache/response-cache.middleware.ts). */
  bytes: Buffer;
  tags: readonly string[];
  size: number;
}

export interface MemoryStoreOptions {
  maxBytes: number;
  /** How many recently invalidated tags keep their version; older ones raise a floor instead. */
  maxTagVersions?: number;
}

const entryOverhead = 128;

export class MemoryStore implements ResponseCacheStore {
  readonly kind = 'memory' as const;
  private epoch = randomUUID();
  private seq = 0;
  /**
   * Snapshots older than the floor are refused on store: when a tag version is evicted from the
   * bounded map we no longer know whether that tag changed after such a snapshot, so we assume it did.
   */
  private floor = 0;
  private readonly tagIndex = new Map<string, Set<string>>();
  private readonly tagVersions: LRUCache<string, number>;
  private readonly entries: LRUCache<string, Entry>;

  constructor(opts: MemoryStoreOptions) {
    this.tagVersions = new LRUCache<string, number>({
      max: opts.maxTagVersions ?? 100_000,
      dispose: (version, _tag, reason) => {
        if (reason === 'evict') this.floor = Math.max(this.floor, version);
      },
    });
    this.entries = new LRUCache<string, Entry>({
      maxSize: opts.maxBytes,
      sizeCalculation: (e) => e.size,
      dispose: (e, key) => this.unindex(key, e.tags),
    });
  }

  available() {
    return true;
  }

  async lookup(key: string): Promise<LookupResult> {
    const entry = this.entries.get(this.entryKey(this.epoch, key));
    return { epoch: this.epoch, seq: this.seq, body: entry ? entry.bytes.toString('utf8') : null, locked: true };
  }

  async peek(key: string): Promise<Buffer | null> {
    return this.entries.get(this.entryKey(this.epoch, key))?.bytes ?? null;
  }

  async store(req: StoreRequest): Promise<boolean> {
    const { epoch, seq } = req.snapshot;
    if (epoch !== this.epoch || seq < this.floor) return false;
    for (const tag of req.tags) {
      if ((this.tagVersions.get(tag) ?? 0) > seq) return false;
    }
    // An allocation of its own: Buffer.from would cut a small body from Node's shared 8 KiB pool, and
    // the entry would keep the whole slab alive, beyond what maxBytes counts.
    const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(req.body));
    bytes.write(req.body, 'utf8');
    const size = bytes.length + entryOverhead;
    if (size > this.entries.maxSize) return false;
    const key = this.entryKey(epoch, req.key);
    this.entries.set(key, { bytes, tags: [...req.tags], size }, { ttl: req.ttlS * 1000 });
    if (!this.entries.has(key)) return false;
    for (const tag of req.tags) {
      const set = this.tagIndex.get(tag);
      if (set) set.add(key);
      else this.tagIndex.set(tag, new Set([key]));
    }
    return true;
  }

  async unlock() {}

  async invalidate(tags: readonly string[]): Promise<number> {
    const seq = ++this.seq;
    let dropped = 0;
    for (const tag of tags) {
      this.tagVersions.set(tag, seq);
      const keys = this.tagIndex.get(tag);
      if (!keys) continue;
      this.tagIndex.delete(tag);
      for (const key of keys) if (this.entries.delete(key)) dropped++;
    }
    return dropped;
  }

  async bumpEpoch() {
    this.epoch = randomUUID();
    this.entries.clear();
  }

  bytes() {
    return this.entries.calculatedSize;
  }

  async close() {
    this.entries.clear();
  }

  private entryKey(epoch: string, key: string) {
    return `${epoch}:${key}`;
  }

  private unindex(key: string, tags: readonly string[]) {
    for (const tag of tags) {
      const set = this.tagIndex.get(tag);
      if (!set) continue;
      set.delete(key);
      if (set.size === 0) this.tagIndex.delete(tag);
    }
  }
}
