// Refresh-ahead for hot entries: when a write drops an entry that readers hit often, recompute it right
// after the commit so the next reader hits instead of paying the miss. The recomputation is an ordinary
// execution of the original operation with the original caller's scope (the runner app.ts installs),
// through the same pipeline as any miss — so its key, its tags and the version guard of its store are
// exactly a miss's: a write that lands while it runs refuses its store, and two scopes never share an
// entry. Runs are queued, deduplicated per key, bounded in concurrency and never awaited by the write.
//
// What this process knows is what it stored: each entry's operation, variables, scope and tags, and how
// often it was hit since it was stored (in-process, bounded). With several processes each one refreshes
// the entries it stored and whose tags its own writes dropped.
import { EventEmitter } from 'node:events';
import { LRUCache } from 'lru-cache';
import type { AccessScope } from '../auth/scope.js';

/** How to run the operation again: the request as the client sent it, and whose scope it ran with. */
export interface RefreshSource {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string | null;
  scope: AccessScope;
}

export interface RefreshAheadOptions {
  /** Recomputations running at once. */
  concurrency: number;
  /** An entry is hot, and refreshed when dropped, once it was hit this many times since it was stored. */
  minHits: number;
  /** Entries tracked (least recently stored or hit forgotten first). */
  maxTracked?: number;
  /** Recomputations waiting; beyond it, dropped hot entries are left to their next reader. */
  maxQueued?: number;
}

interface Tracked {
  src: RefreshSource;
  tags: readonly string[];
  hits: number;
}

export interface RefreshStats {
  /** Recomputations started. */
  refreshes: number;
  /** Queued recomputations a reader's miss took over (it computes the entry itself; no second run). */
  refreshesTakenOver: number;
  /** Hot entries dropped while the queue was full (their next reader misses). */
  refreshesSkipped: number;
  refreshesFailed: number;
}

/** Events: 'idle' when no recomputation runs or waits. */
export class RefreshAhead extends EventEmitter {
  private readonly tracked: LRUCache<string, Tracked>;
  private readonly byTag = new Map<string, Set<string>>();
  private readonly queue: { key: string; src: RefreshSource }[] = [];
  private readonly pending = new Set<string>();
  /** Recomputations running, by key: a reader that misses one of these keys waits for it. */
  private readonly runningKeys = new Map<string, Promise<void>>();
  private running = 0;
  private runner?: (src: RefreshSource) => Promise<void>;
  readonly stats: RefreshStats = { refreshes: 0, refreshesTakenOver: 0, refreshesSkipped: 0, refreshesFailed: 0 };

  constructor(private readonly opts: RefreshAheadOptions) {
    super();
    this.tracked = new LRUCache({ max: opts.maxTracked ?? 10_000, dispose: (t, key) => this.unindex(key, t.tags) });
  }

  /** Installs how an operation is run again (app.ts: Apollo's executeOperation with the scope's context). */
  setRunner(run: (src: RefreshSource) => Promise<void>): void {
    this.runner = run;
  }

  /** An entry was written under these tags (by a reader's miss or by a refresh). */
  stored(key: string, tags: readonly string[], src: RefreshSource): void {
    this.tracked.delete(key);
    this.tracked.set(key, { src, tags: [...tags], hits: 0 });
    for (const tag of tags) {
      const keys = this.byTag.get(tag);
      if (keys) keys.add(key);
      else this.byTag.set(tag, new Set([key]));
    }
  }

  hit(key: string): void {
    const t = this.tracked.get(key);
    if (t) t.hits++;
  }

  /** A committed write dropped every entry carrying one of `tags`: queue the hot ones. */
  dropped(tags: readonly string[]): void {
    const keys = new Set<string>();
    for (const tag of tags) for (const key of this.byTag.get(tag) ?? []) keys.add(key);
    for (const key of keys) {
      const t = this.tracked.get(key);
      this.tracked.delete(key);
      if (!t || t.hits < this.opts.minHits || !this.runner || this.pending.has(key)) continue;
      if (this.queue.length >= (this.opts.maxQueued ?? 1000)) {
        this.stats.refreshesSkipped++;
        continue;
      }
      this.pending.add(key);
      this.queue.push({ key, src: t.src });
    }
    // After the current tick: the write answers first, the recomputations follow.
    if (this.queue.length) setImmediate(() => this.pump());
  }

  /**
   * A reader missed `key`. While a recomputation of it runs, the reader waits for it (the promise
   * settles once it stored or gave up) instead of executing the same operation beside it. One still
   * queued is handed to the reader, which computes the entry anyway: it leaves the queue (undefined).
   */
  claim(key: string): Promise<void> | undefined {
    const running = this.runningKeys.get(key);
    if (running) return running;
    if (!this.pending.has(key)) return undefined;
    const i = this.queue.findIndex((q) => q.key === key);
    if (i >= 0) {
      this.queue.splice(i, 1);
      this.pending.delete(key);
      this.stats.refreshesTakenOver++;
      if (this.running === 0 && this.queue.length === 0) this.emit('idle');
    }
    return undefined;
  }

  /** Resolves once no recomputation runs or waits (tests wait on it instead of on time). */
  idle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.once('idle', resolve));
  }

  /** Forgets everything (the store was flushed, or a new epoch began). */
  clear(): void {
    this.tracked.clear();
    this.queue.length = 0;
    for (const key of this.pending) if (!this.runningKeys.has(key)) this.pending.delete(key);
  }

  private pump() {
    while (this.running < this.opts.concurrency && this.queue.length) {
      const { key, src } = this.queue.shift()!;
      this.running++;
      this.stats.refreshes++;
      const run = this.runner!(src)
        .catch(() => {
          this.stats.refreshesFailed++;
        })
        .finally(() => {
          this.running--;
          this.pending.delete(key);
          this.runningKeys.delete(key);
          if (this.queue.length) this.pump();
          else if (this.running === 0) this.emit('idle');
        });
      this.runningKeys.set(key, run);
    }
  }

  private unindex(key: string, tags: readonly string[]) {
    for (const tag of tags) {
      const keys = this.byTag.get(tag);
      if (!keys) continue;
      keys.delete(key);
      if (keys.size === 0) this.byTag.delete(tag);
    }
  }
}
