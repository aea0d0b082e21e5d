// One ioredis client for the response cache and the persisted-query store, configured to fail fast
// (no offline queue, short command timeouts, one retry) behind a circuit breaker: after repeated
// failures, or as soon as the connection drops, every caller bypasses Redis at once instead of
// waiting; a background probe closes the breaker when Redis answers again, after the recovery hooks
// (the response cache starts a new epoch there, because invalidations may have been lost meanwhile).
// Commands that carry response bodies or invalidations get the longer bulk timeout: 32 clients
// reading a 2.6 MB entry queue ~80 MB behind one Redis thread, which outlasts 100 ms with Redis
// perfectly healthy (measured: the breaker tripped and every request bypassed). A timeout counts
// towards the breaker only when Redis answered nothing else meanwhile — congestion is not an outage.
import type { Socket } from 'node:net';
import { Redis, ReplyError } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import { CacheUnavailableError } from './response-cache-store.js';

export interface RedisConnectionOptions {
  url: string;
  commandTimeoutMs: number;
  /** Timeout of commands that move response bodies or invalidate (default 10 × commandTimeoutMs). */
  bulkTimeoutMs?: number;
  /** How often an open breaker probes Redis. */
  resetMs: number;
  /** Consecutive command failures that open the breaker. */
  failureThreshold?: number;
  logger?: Logger;
}

type BreakerState = 'connecting' | 'closed' | 'open' | 'recovering';

export class RedisConnection {
  readonly redis: Redis;
  private state: BreakerState = 'connecting';
  private failures = 0;
  private probeTimer: NodeJS.Timeout | undefined;
  private readonly recoverHooks: (() => Promise<void>)[] = [];
  private readonly readyWaiters = new Set<() => void>();
  private lastErrorLog = 0;
  private closing = false;
  /** When Redis last answered any command (performance.now()). */
  private lastReplyAt = 0;
  /** This turn's commands are held for one write (batchWrites). */
  private corked = false;

  constructor(private readonly opts: RedisConnectionOptions) {
    this.redis = new Redis(opts.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      // Commands in flight when the connection drops fail (a bypass) instead of being sent again on
      // the new connection: a resent read could answer from a Redis restored from an older snapshot
      // before the recovery hook has started a new epoch.
      autoResendUnfulfilledCommands: false,
      connectTimeout: Math.max(500, opts.commandTimeoutMs * 5),
      // Reconnect soon after Redis returns; ioredis 6's default backs off to 5 s.
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 5), opts.resetMs),
    });
    this.redis.on('error', (err) => this.logError('redis error', err));
    this.redis.on('close', () => {
      if (this.state === 'closed' || this.state === 'recovering') this.trip('connection closed');
    });
    this.redis.on('ready', () => {
      if (this.state === 'connecting') {
        this.state = 'closed';
        for (const w of this.readyWaiters) w();
        this.readyWaiters.clear();
      } else if (this.state === 'open') {
        void this.probe();
      }
    });
    this.redis.connect().catch((err) => {
      this.logError('redis connect failed', err);
      if (this.state === 'connecting') this.trip('connect failed');
    });
  }

  /** Resolves when the first connection is ready, or after `timeoutMs` (the cache bypasses until then). */
  waitUntilReady(timeoutMs: number): Promise<boolean> {
    if (this.state === 'closed') return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.readyWaiters.delete(done);
        resolve(this.state === 'closed');
      };
      const timer = setTimeout(done, timeoutMs);
      this.readyWaiters.add(done);
    });
  }

  /** Runs once every time the breaker is about to close after an outage; a failure keeps it open. */
  onRecover(hook: () => Promise<void>) {
    this.recoverHooks.push(hook);
  }

  available(): boolean {
    return this.state === 'closed' && this.redis.status === 'ready';
  }

  /**
   * Runs a command through the breaker; throws CacheUnavailableError at once while it is open.
   * `bulk` commands (bodies, invalidations) get the bulk timeout.
   */
  async run<T>(fn: (redis: Redis) => Promise<T>, opts: { bulk?: boolean } = {}): Promise<T> {
    if (!this.available()) throw new CacheUnavailableError(`redis ${this.state}/${this.redis.status}`);
    const timeoutMs = opts.bulk ? (this.opts.bulkTimeoutMs ?? this.opts.commandTimeoutMs * 10) : this.opts.commandTimeoutMs;
    const sentAt = performance.now();
    this.batchWrites();
    let timer: NodeJS.Timeout | undefined;
    const answered = fn(this.redis).then(
      (result) => {
        this.lastReplyAt = performance.now();
        return result;
      },
      (err: unknown) => {
        if (err instanceof ReplyError) this.lastReplyAt = performance.now();
        throw err;
      },
    );
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CommandTimeoutError(timeoutMs)), timeoutMs);
    });
    answered.catch(() => {}); // a late failure after a timeout is already accounted for
    try {
      const result = await Promise.race([answered, timedOut]);
      this.failures = 0;
      return result;
    } catch (err) {
      this.logError('redis command failed', err);
      const congested = err instanceof CommandTimeoutError && this.lastReplyAt > sentAt;
      if (!congested && ++this.failures >= (this.opts.failureThreshold ?? 3)) this.trip('repeated command failures');
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Holds this turn's commands in the socket and sends them in one write once the event loop has run
   * every callback of its I/O phase. Each request arrives in a callback of its own, so without this
   * every hit's lookup is a write syscall — which on loopback also delivers the bytes and wakes Redis
   * — and a reply read of its own: the largest single cost of a small hit (docs/response-cache.md).
   */
  private batchWrites() {
    if (this.corked) return;
    const stream = (this.redis as unknown as { stream?: Socket }).stream;
    if (!stream) return;
    this.corked = true;
    stream.cork();
    setImmediate(() => {
      this.corked = false;
      stream.uncork();
    });
  }

  /** Opens the breaker now (also used when an invalidation could not reach Redis). */
  trip(reason: string) {
    if (this.closing) return;
    if (this.state !== 'open') this.opts.logger?.warn({ reason }, 'response cache: redis breaker open, bypassing');
    this.state = 'open';
    this.failures = 0;
    // Nobody waits for a first connection that has just failed.
    for (const w of [...this.readyWaiters]) w();
    if (!this.probeTimer) {
      this.probeTimer = setInterval(() => void this.probe(), this.opts.resetMs);
      this.probeTimer.unref();
      // A slow command, not a dead server, is the common cause: try at once, so a lost invalidation
      // is covered by a new epoch within a round trip rather than after the reset interval.
      setImmediate(() => void this.probe());
    }
  }

  private async probe() {
    if (this.state !== 'open' || this.redis.status !== 'ready' || this.closing) return;
    this.state = 'recovering';
    try {
      await this.redis.ping();
      for (const hook of this.recoverHooks) await hook();
      if (this.state !== 'recovering') return;
      this.state = 'closed';
      clearInterval(this.probeTimer);
      this.probeTimer = undefined;
      this.opts.logger?.info('response cache: redis breaker closed, caching resumes');
    } catch (err) {
      this.logError('redis probe failed', err);
      if (this.state === 'recovering') this.state = 'open';
    }
  }

  async close() {
    this.closing = true;
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
    this.redis.disconnect();
  }

  private logError(msg: string, err: unknown) {
    // A dead Redis produces an error per reconnect attempt; one line a few seconds is enough.
    const now = Date.now();
    if (now - this.lastErrorLog < 5000) return;
    this.lastErrorLog = now;
    this.opts.logger?.warn({ err: (err as Error)?.message ?? String(err) }, `response cache: ${msg}`);
  }
}

export class CommandTimeoutError extends Error {
  constructor(ms: number) {
    super(`redis command timed out after ${ms} ms`);
  }
}
