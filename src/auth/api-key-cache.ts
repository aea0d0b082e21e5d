// The in-process cache of API-key lookups: a request whose key was resolved recently skips the
// per-request lookup statement. Its promise (docs/security.md → "Revocation bound"): a revocation or
// a grant change acts at once on the instance that made it, and within `boundMs` (1 s) on every
// other instance.
//
// How the bound holds:
// - Local writes: a statement listener on this instance's database handle sees every statement that
//   changes keys or grants (revocations, grants) and empties the cache when it completes.
// - Other instances: those statements also NOTIFY (src/db/queries/api-key.queries.ts); on PostgreSQL
//   each instance LISTENs and empties its cache when a notification arrives (milliseconds after
//   the commit). A LISTEN connection that (re)connects empties it too, since notifications may have
//   been lost meanwhile.
// - The fallback poll, which alone keeps the bound: a fingerprint of both key tables (row count and
//   the sum of row versions, so any insert, update or delete changes it) is re-read whenever the
//   last confirmed one is older than a quarter of the bound, and a change empties the cache. A cached
//   scope is served only while the last fingerprint confirmed unchanged was read less than `boundMs`
//   ago: a revocation committed before that read is seen by it, so a request served from the cache
//   at time t reflects every change committed before t − boundMs. When the database is slow or down
//   the confirmation ages and every request looks its key up again.
// A lookup that overlapped an invalidation is not stored (a generation counter), and only valid keys
// are cached: an unknown or revoked key is looked up every time.
import { EventEmitter } from 'node:events';
import { LRUCache } from 'lru-cache';
import type { Db } from '../db/client.js';
import { apiKeyChannel, apiKeyFingerprint, isApiKeyWrite } from '../db/queries/api-key.queries.js';
import { resolveApiKey } from './api-keys.js';
import type { AccessScope } from './scope.js';

export type KeyCacheInvalidation = 'local-write' | 'notification' | 'listen-reconnect' | 'fingerprint-changed';

export interface ApiKeyCacheOptions {
  /** The revocation bound in ms; 0 turns the cache off (every request looks its key up). */
  boundMs: number;
  maxEntries?: number;
  /** LISTEN for other instances' changes (PostgreSQL only; default true there). */
  listen?: boolean;
  /** The clock (tests replace it). */
  now?: () => number;
}

/**
 * Events (for tests and logs): 'invalidate' (reason), 'poll' ({ changed }), 'poll-failed' (err),
 * 'listening'.
 */
export class ApiKeyCache extends EventEmitter {
  private readonly entries: LRUCache<string, AccessScope>;
  private readonly now: () => number;
  private generation = 0;
  /** Start time of the last fingerprint read that found no unseen change. */
  private confirmedAt = -Infinity;
  private fingerprint: string | null = null;
  private polling: Promise<void> | null = null;
  private readonly stops: (() => void | Promise<void>)[] = [];
  private closed = false;
  private listening: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly opts: ApiKeyCacheOptions,
  ) {
    super();
    this.now = opts.now ?? (() => performance.now());
    this.entries = new LRUCache({ max: opts.maxEntries ?? 10_000 });
    if (!this.enabled) return;
    this.stops.push(
      db.addStatementListener((name, _ms, ok) => {
        if (ok && isApiKeyWrite(name)) this.invalidate('local-write');
      }),
    );
    // PGlite is one process: the statement listener above sees every change.
    if (db.kind === 'postgres' && opts.listen !== false) this.listen();
  }

  get enabled(): boolean {
    return this.opts.boundMs > 0;
  }

  /** The scope of an active key, or null; from the cache while the bound allows. */
  async resolve(secret: string): Promise<AccessScope | null> {
    if (!this.enabled) return resolveApiKey(this.db, secret);
    const hit = this.cached(secret);
    if (hit) return hit;
    const generation = this.generation;
    const scope = await resolveApiKey(this.db, secret);
    if (scope && generation === this.generation && !this.closed) this.entries.set(secret, scope);
    return scope;
  }

  /**
   * The cached scope of `secret` while the bound allows, else undefined (then resolve() looks it up).
   * Synchronous, so a request whose key is cached continues in the same tick.
   */
  cached(secret: string): AccessScope | undefined {
    if (!this.enabled) return undefined;
    const age = this.now() - this.confirmedAt;
    if (age >= this.opts.boundMs / 4) this.poll();
    return age < this.opts.boundMs ? this.entries.get(secret) : undefined;
  }

  /** Resolves once this instance receives other instances' notifications (at once without LISTEN). */
  ready(): Promise<void> {
    return this.listening;
  }

  /** Empties the cache; lookups that began before do not store their result. */
  invalidate(reason: KeyCacheInvalidation): void {
    this.generation++;
    this.entries.clear();
    this.emit('invalidate', reason);
  }

  /** Reads the fingerprint unless a read is under way; resolves when the current read ends. */
  poll(): Promise<void> {
    if (this.polling || this.closed) return this.polling ?? Promise.resolve();
    const startedAt = this.now();
    this.polling = apiKeyFingerprint(this.db)
      .then((fp) => {
        if (this.closed) return;
        const changed = fp !== this.fingerprint;
        // The first read has nothing to compare with: what was cached before it is dropped too.
        if (changed) {
          this.invalidate('fingerprint-changed');
          this.fingerprint = fp;
        }
        this.confirmedAt = Math.max(this.confirmedAt, startedAt);
        this.emit('poll', { changed });
      })
      .catch((err: unknown) => {
        this.emit('poll-failed', err);
      })
      .finally(() => {
        this.polling = null;
      });
    return this.polling;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.entries.clear();
    // A fingerprint read still running is not awaited: during an outage it would hold up shutdown
    // until the connect timeout, and its result is ignored once closed.
    await Promise.all(this.stops.map((stop) => stop()));
  }

  private listen() {
    let stopped = false;
    let listening!: () => void;
    this.listening = new Promise((resolve) => (listening = resolve));
    this.db
      .listen(
        apiKeyChannel,
        () => this.invalidate('notification'),
        () => {
          // Called on every (re)connect of the LISTEN connection: what was sent meanwhile is lost.
          this.invalidate('listen-reconnect');
          listening();
          this.emit('listening');
        },
      )
      .then(
        (unlisten) => {
          // Bounded: with the database unreachable UNLISTEN would wait for a reconnect.
          const stop = () => Promise.race([unlisten().catch(() => {}), new Promise<void>((r) => setTimeout(r, 1000).unref())]);
          if (stopped) void stop();
          else this.stops.push(stop);
        },
        (err: unknown) => {
          // No LISTEN: the poll alone keeps the bound.
          listening();
          this.emit('poll-failed', err);
        },
      );
    this.stops.push(() => {
      stopped = true;
    });
  }
}
