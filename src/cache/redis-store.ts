// The Redis response-cache store, shared by every server process. Layout under `<prefix>rc:`:
//   epoch            current epoch (random; a new one orphans every older entry)
//   seq              global invalidation sequence
//   tv               ZSET tag → sequence value of its last invalidation (the newest 100k tags; the
//                    score of the last one dropped is kept in `floor`)
//   t:<tag>          SET of the entry keys carrying the tag (expires with its newest entry; members
//                    of expired entries are pruned by sampling on store)
//   e:<epoch>:<key>  the serialized response (expires after the TTL)
//   h:<epoch>:<key>  its head: its snapshot sequence, then `#` and the id of the store that wrote it
//                    (same TTL; the id names the body, so a process may keep a copy of a large one)
//   g:<epoch>:<key>  its tags, one per line (same TTL): read only once the sequence moved past the
//                    head's, so a hit does not carry them (a 20-video page's tags: 32 kB beside 52)
//   l:<epoch>:<key>  short fill lock of a key being computed (stampede protection across processes)
// Each operation is one Lua script (redis-scripts.ts), so checks and writes are atomic; invalidation
// costs O(entries of the tag) and never scans the key space. An entry is checked against the tag
// versions twice: on store (a read that overlapped an invalidation never writes) and on every read (so
// an entry whose tag set was evicted under memory pressure is still never served after its
// invalidation; one whose tag list was evicted is not served at all once the sequence moved). The keys
// without TTL (epoch, seq, tv, floor) must not be evicted: run this Redis with a `volatile-*` maxmemory
// policy (or none), never `allkeys-*`. Scripts build key names from the prefix, so this layout targets
// a single Redis (not Cluster).
import { randomBytes, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { RedisConnection } from './redis-connection.js';
import { defineScripts, type ScriptedRedis } from './redis-scripts.js';
import type { LookupResult, ResponseCacheStore, StoreRequest } from './response-cache-store.js';

/**
 * This layout's number, part of the cache key's salt (cache-key.ts): bump it with any change of the
 * layout above, so processes of two layouts sharing a Redis during a deploy never read, check or
 * overwrite each other's entries, while invalidations (sequence, tag versions, tag sets) reach both.
 */
export const redisStoreLayout = 2;

// A fresh body over this size comes by a GET of its own after the lookup script found it fresh:
// returned from Lua, Redis copies it into a Lua string and out again, which for a 2.6 MB page halved
// the hits Redis could serve (docs/response-cache.md). Reading it after the check is safe: a write
// acknowledged before the check had dropped the entry, and one after it can only drop it (a miss) or
// be followed by a newer, version-checked store. The epoch is not checked again: a read overlapping a
// new epoch may still serve the entry it found fresh, as the check alone a moment earlier would have.
export const bodyApartBytes = 256 * 1024;

export interface RedisStoreOptions {
  /** Key prefix of this deployment (REDIS_KEY_PREFIX); the store adds `rc:`. */
  prefix: string;
  /**
   * How many tags keep their last-invalidation version (default 100,000). Entries and snapshots
   * older than the oldest kept version are not trusted: a miss, never a stale hit.
   */
  maxTagVersions?: number;
  /** Fresh bodies over this many bytes come by a GET of their own (default bodyApartBytes). */
  bodyApartBytes?: number;
  /**
   * Bytes of large bodies this process keeps a copy of (0: none). A hit on a key whose copy is the
   * stored body reads the entry's head, not its body (see peek).
   */
  localCopyBytes?: number;
  /** Bodies under this many bytes are not copied (default localCopyMinBytes). */
  localCopyMinBytes?: number;
}

/**
 * Below this a hit's body costs Redis and the decoder little next to the round trip; above it, reading
 * it again on every hit cost more Node CPU than writing it (a 2.6 MB page: its copy out of the reply
 * and the garbage it leaves, docs/response-cache.md).
 */
export const localCopyMinBytes = 16 * 1024;

interface LocalCopy {
  readonly epoch: string;
  /** The id of the store whose body this is (the head's `#` line). */
  readonly id: string;
  readonly body: Buffer;
}

export class RedisStore implements ResponseCacheStore {
  readonly kind = 'redis' as const;
  private readonly p: string;
  private readonly apart: number;
  private readonly epochKey: string;
  private readonly seqKey: string;
  /** The epoch this process last read or set: the one a hit's MGET assumes (and checks). */
  private epoch: string | undefined;
  private written = 0;
  /** Ids of this process's stores: 96 random bits per process, then a counter. */
  private readonly idPrefix = randomBytes(12).toString('base64url');
  private storeCount = 0;
  private readonly copies: LRUCache<string, LocalCopy> | null;
  private readonly copyMin: number;
  /** The bodies of `copies`: never a Buffer a read from Redis returned, so a body is one of them only if served from a copy. */
  private readonly copyBodies = new WeakSet<Buffer>();
  /**
   * Set when entries may be stale: an invalidation of this process could not reach Redis, or the
   * connection dropped (an outage, in which other processes may have lost theirs). Cleared by a new
   * epoch, which the breaker waits for before it closes.
   */
  private distrust = false;

  constructor(
    private readonly conn: RedisConnection,
    private readonly opts: RedisStoreOptions,
  ) {
    this.p = `${opts.prefix}rc:`;
    this.apart = opts.bodyApartBytes ?? bodyApartBytes;
    this.copyMin = opts.localCopyMinBytes ?? localCopyMinBytes;
    this.copies = opts.localCopyBytes ? new LRUCache({ maxSize: opts.localCopyBytes, sizeCalculation: (c) => c.body.length }) : null;
    this.epochKey = `${this.p}epoch`;
    this.seqKey = `${this.p}seq`;
    const r = conn.redis;
    defineScripts(r);
    // After an outage never trust older entries: whichever process reconnects first starts a new
    // epoch. A breaker trip on slow commands alone (connection kept, nothing lost) needs none — a late
    // store is still version-checked — so a latency blip does not flush the whole cache.
    r.on('close', () => {
      this.distrust = true;
    });
    conn.onRecover(async () => {
      if (!this.distrust) return;
      await this.bumpEpochNow(r);
      this.distrust = false;
    });
  }

  available() {
    return this.conn.available();
  }

  async lookup(key: string, lockToken = '', lockMs = 5000, apart = this.apart): Promise<LookupResult> {
    const [epoch, seq, body, locked, isApart] = await this.conn.run(
      (r) => (r as ScriptedRedis).tgLookup(this.p, key, lockToken, String(lockMs), String(apart)),
      { bulk: true },
    );
    this.epoch = String(epoch);
    if (isApart === '1') {
      const apartBody = await this.conn.run((r) => r.get(this.entryKey(epoch, key)), { bulk: true });
      // Dropped since it was found fresh: look again, body included, so a miss takes its fill lock.
      if (apartBody === null) return this.lookup(key, lockToken, lockMs, Number.MAX_SAFE_INTEGER);
      return { epoch: String(epoch), seq: Number(seq), body: apartBody, locked: false };
    }
    return { epoch: String(epoch), seq: Number(seq), body: body ? String(body) : null, locked: locked === '1' };
  }

  /**
   * A hit's read: one MGET of the epoch, the sequence, the entry's head and its body, under the epoch
   * this process last saw. MGET is atomic, so this is the lookup script's first check (an entry stored
   * at the current sequence, in the current epoch, is fresh) without running a script: a small hit
   * cost Redis ~16–33 µs in Lua against ~1 µs for this. Anything else — another epoch, an entry
   * stored before the last invalidation (its tags need checking) — is decided by the script.
   * With a local copy of the key's body, the read leaves the body out: the copy is served when the
   * fresh entry's body is there and its head names the store the copy came from.
   */
  async peek(key: string): Promise<Buffer | null> {
    const epoch = this.epoch;
    if (epoch === undefined) return this.peekByScript(key);
    const copies = this.copies;
    const copy = copies?.get(key);
    if (copy !== undefined && copy.epoch !== epoch) copies!.delete(key);
    else if (copies && copy !== undefined) {
      // The body's length instead of the body: a body evicted under memory pressure is a miss here as it
      // is for the script, and reading it keeps the entry recently used for Redis's eviction. Not atomic
      // with the MGET (a MULTI cost ~40 µs of Node CPU per hit), and need not be: the copy is served only
      // while the MGET finds its store the fresh entry. Bulk: queued behind other hits' bodies.
      const [size, [current, seq, head]] = await this.conn.run(
        (r) => Promise.all([r.strlen(this.entryKey(epoch, key)), r.mgetBuffer(this.epochKey, this.seqKey, this.headKey(epoch, key))]),
        { bulk: true },
      );
      if (current === null || current.toString() !== epoch) return this.peekByScript(key, copy.id);
      if (head === null || size === 0) {
        copies.delete(key);
        return null;
      }
      if (!storedAtCurrent(head, seq)) return this.peekByScript(key, copy.id);
      if (idOf(head) === copy.id) return copy.body;
      // Fresh, but another store's body.
      copies.delete(key);
    }
    const [current, seq, head, body] = await this.conn.run((r) => r.mgetBuffer(this.epochKey, this.seqKey, this.headKey(epoch, key), this.entryKey(epoch, key)), { bulk: true });
    if (current === null || current.toString() !== epoch) return this.peekByScript(key);
    if (head === null || body === null || body.length === 0) return null;
    if (!storedAtCurrent(head, seq)) return this.peekByScript(key);
    this.keepCopy(key, epoch, idOf(head), body);
    return body;
  }

  /** `copyId`: the store whose body this process holds; the script then leaves that body out. */
  private async peekByScript(key: string, copyId = ''): Promise<Buffer | null> {
    // The Buffer variant skips decoding a large body into a string and encoding it again to write it.
    const [epochBytes, , inline, , left, idBytes] = await this.conn.run((r) => (r as ScriptedRedis).tgLookupBuffer(this.p, key, '', '0', String(this.apart), copyId), {
      bulk: true,
    });
    const epoch = (this.epoch = epochBytes.toString());
    const id = idBytes?.toString() ?? '';
    const leftOut = left?.toString() === '1';
    const copy = this.copies?.get(key);
    if (copy !== undefined && (copy.epoch !== epoch || copy.id !== id)) this.copies!.delete(key);
    else if (copy !== undefined && leftOut) return copy.body;
    if (leftOut) {
      // Read after the check, so it may be a newer store's body (as fresh): not copied under this id.
      return this.conn.run((r) => r.getBuffer(this.entryKey(epoch, key)), { bulk: true });
    }
    const body = inline && inline.length > 0 ? inline : null;
    if (body !== null) this.keepCopy(key, epoch, id, body);
    return body;
  }

  /** Keeps a large body with the id of the store it came from. */
  private keepCopy(key: string, epoch: string, id: string, body: Buffer) {
    if (!this.copies || body.length < this.copyMin || body.length > this.copies.maxSize || !storeId.test(id)) return;
    // A body that fit in one socket read is a view of that read's buffer: kept as is, it would hold the
    // whole read (and the replies that came with it) beyond what the bound counts. Any other is kept
    // under a Buffer of its own over the same bytes: the one this read returns is not the copy (isCopy).
    let own: Buffer;
    if (body.byteOffset !== 0 || body.buffer.byteLength !== body.length) {
      own = Buffer.allocUnsafeSlow(body.length);
      body.copy(own);
    } else own = Buffer.from(body.buffer, 0, body.length);
    this.copyBodies.add(own);
    this.copies.set(key, { epoch, id, body: own });
  }

  /** Whether a body peek() returned is this process's copy (read: only its freshness came from Redis). */
  isCopy(body: Buffer): boolean {
    return this.copyBodies.has(body);
  }

  private entryKey(epoch: string, key: string): string {
    return `${this.p}e:${epoch}:${key}`;
  }

  private headKey(epoch: string, key: string): string {
    return `${this.p}h:${epoch}:${key}`;
  }

  async store(req: StoreRequest): Promise<boolean> {
    // The tag list is non-empty lines.
    const unstorable = req.tags.find((tag) => tag === '' || tag.includes('\n'));
    if (unstorable !== undefined) {
      if (req.lockToken) await this.unlock(req.key, req.snapshot.epoch, req.lockToken);
      throw new Error(`cache tag not storable: ${JSON.stringify(unstorable)}`);
    }
    const ok = await this.conn.run((r) =>
      (r as ScriptedRedis).tgStore(
        this.p,
        req.key,
        req.snapshot.epoch,
        String(req.snapshot.seq),
        String(req.ttlS),
        req.body,
        req.lockToken ?? '',
        `${this.idPrefix}.${++this.storeCount}`,
        ...req.tags,
      ),
      { bulk: true },
    );
    if (ok === 1) this.written += Buffer.byteLength(req.body);
    return ok === 1;
  }

  async unlock(key: string, epoch: string, lockToken: string) {
    await this.conn.run((r) => (r as ScriptedRedis).tgUnlock(`${this.p}l:${epoch}:${key}`, lockToken));
  }

  async invalidate(tags: readonly string[]): Promise<number> {
    if (tags.length === 0) return 0;
    // Bulk: a timed-out invalidation may still run later, so it counts as lost and costs an epoch.
    return this.conn.run((r) => (r as ScriptedRedis).tgInvalidate(this.p, String(this.opts.maxTagVersions ?? 100_000), ...tags), {
      bulk: true,
    });
  }

  /** Records that an invalidation failed: the breaker closes only after a new epoch. */
  invalidationLost() {
    this.distrust = true;
  }

  async bumpEpoch() {
    await this.conn.run((r) => this.bumpEpochNow(r));
  }

  bytes() {
    return this.written;
  }

  async close() {}

  private async bumpEpochNow(r: Redis) {
    this.copies?.clear();
    await r.set(this.epochKey, randomUUID());
  }
}

/**
 * Whether the entry was stored or last found fresh (the head's first line) at the current sequence:
 * then no invalidation has happened since.
 */
function storedAtCurrent(head: Buffer, seq: Buffer | null): boolean {
  // No sequence: it was lost, and the script starts a new epoch.
  if (seq === null) return false;
  const nl = head.indexOf(10);
  return Number(head.toString('latin1', 0, nl < 0 ? head.length : nl)) === Number(seq.toString());
}

/** The form of the store ids this layout writes: a body under any other `#` line is not copied. */
const storeId = /^[A-Za-z0-9_-]{16}\.\d+$/;

/** The id of the store that wrote the entry: the head's `#` line after the first. */
function idOf(head: Buffer): string {
  const nl = head.indexOf(10);
  if (nl < 0 || head[nl + 1] !== 35) return '';
  const end = head.indexOf(10, nl + 2);
  return head.toString('latin1', nl + 2, end < 0 ? head.length : end);
}
