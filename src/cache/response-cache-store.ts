// The contract both response-cache stores keep (Redis for several processes, in-process LRU for one).
// One shared test suite (test/cache/store-contract.ts) runs against both implementations.
//
// Consistency rests on one invariant: an entry present in the store is never staler than the last
// acknowledged write. Two mechanisms keep it:
// - Tag versions. Every invalidation takes the next value of a global sequence and stamps it on each
//   tag it drops. A reader snapshots the sequence in its lookup, before it executes; its later store
//   succeeds only if none of the entry's tags was stamped after the snapshot, checked atomically with
//   the write (so a read that overlapped a write's invalidation never stores its stale result).
// - The epoch. Entries live under the current epoch; starting a new one (after an outage in which an
//   invalidation may have been lost) makes every older entry unreachable at once.

/** What a lookup saw before execution: the epoch and the invalidation sequence. */
export interface Snapshot {
  readonly epoch: string;
  readonly seq: number;
}

export interface LookupResult extends Snapshot {
  /** The serialized response, or null on a miss. */
  readonly body: string | null;
  /**
   * On a miss: whether this caller now holds the short fill lock of the key (always true for the
   * in-process store, where single-flight does the same job). Others briefly wait and re-read.
   */
  readonly locked: boolean;
}

export interface StoreRequest {
  readonly key: string;
  readonly body: string;
  readonly tags: readonly string[];
  readonly ttlS: number;
  readonly snapshot: Snapshot;
  /** The fill lock to release, when this caller took one. */
  readonly lockToken?: string;
}

export interface ResponseCacheStore {
  readonly kind: 'redis' | 'memory';
  /** False while the backing service is unreachable; callers then bypass the cache without waiting. */
  available(): boolean;
  lookup(key: string, lockToken?: string, lockMs?: number): Promise<LookupResult>;
  /** Just the stored body, as bytes (the fast hit path writes them as they are). */
  peek(key: string): Promise<Buffer | null>;
  /**
   * Writes the entry and indexes it under its tags, only if the epoch is unchanged and no tag was
   * invalidated after the snapshot. Resolves whether it was written.
   */
  store(req: StoreRequest): Promise<boolean>;
  /** Releases a fill lock taken by lookup without storing anything. */
  unlock(key: string, epoch: string, lockToken: string): Promise<void>;
  /** Drops every entry carrying one of the tags; resolves the number of entries dropped. */
  invalidate(tags: readonly string[]): Promise<number>;
  /** Starts a new epoch: every entry written before becomes unreachable. */
  bumpEpoch(): Promise<void>;
  /** Bytes this store holds (memory) or has written (Redis, cumulative from this process). */
  bytes(): number;
  /** Whether a body peek() returned came from this process's copy of a large body (Redis). */
  isCopy?(body: Buffer): boolean;
  close(): Promise<void>;
}

/** Thrown by a store whose backing service is down or too slow; the cache treats it as a bypass. */
export class CacheUnavailableError extends Error {
  constructor(reason: string) {
    super(`response cache unavailable: ${reason}`);
  }
}
