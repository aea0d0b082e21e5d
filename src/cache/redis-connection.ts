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
import { Fifo } from './fifo.js';
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
  /** The socket holding this turn's commands for one write (batchWrites). */
  private corked: Socket | undefined;
  /** Made once: tsx names a closure bound to a variable with a defineProperty call each time it is made. */
  private readonly uncork = () => {
    const stream = this.corked;
    this.corked = undefined;
    stream?.uncork();
  };
  private readonly commandDeadlines: Deadlines;
  private readonly bulkDeadlines: Deadlines;

  constructor(private readonly opts: RedisConnectionOptions) {
    const timedOut = (err: CommandTimeoutError, sentAt: number) => this.failed(err, sentAt);
    this.commandDeadlines = new Deadlines(opts.commandTimeoutMs, timedOut);
    this.bulkDeadlines = new Deadlines(opts.bulkTimeoutMs ?? opts.commandTimeoutMs * 10, timedOut);
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
   * Runs a command through the breaker; rejects with CacheUnavailableError at once while Redis is not
   * available (connecting, breaker open or recovering).
   * `bulk` commands (bodies, invalidations) get the bulk timeout.
   */
  run<T>(fn: (redis: Redis) => Promise<T>, opts: { bulk?: boolean } = {}): Promise<T> {
    if (!this.available()) return Promise.reject(new CacheUnavailableError(`redis ${this.state}/${this.redis.status}`));
    const deadlines = opts.bulk ? this.bulkDeadlines : this.commandDeadlines;
    const sentAt = performance.now();
    this.batchWrites();
    let answer: Promise<T>;
    try {
      answer = fn(this.redis);
    } catch (err) {
      // A command that throws before it is sent is not a Redis failure.
      return Promise.reject(err);
    }
    // Settled by the answer or by the deadline (which counts its own failure), whichever comes first.
    // No async function awaiting this: every hit runs a command, and that costs a promise and a turn.
    return new Promise<T>((resolve, reject) => {
      const pending = deadlines.add(reject, sentAt);
      answer.then(
        (value) => {
          this.lastReplyAt = performance.now();
          if (!deadlines.settle(pending)) return;
          this.failures = 0;
          resolve(value);
        },
        (err: unknown) => {
          if (err instanceof ReplyError) this.lastReplyAt = performance.now();
          if (!deadlines.settle(pending)) return;
          try {
            this.failed(err, sentAt);
          } finally {
            reject(err);
          }
        },
      );
    });
  }

  /** A command failed (an error, or its deadline): enough of them in a row open the breaker. */
  private failed(err: unknown, sentAt: number) {
    this.logError('redis command failed', err);
    const congested = err instanceof CommandTimeoutError && this.lastReplyAt > sentAt;
    if (!congested && ++this.failures >= (this.opts.failureThreshold ?? 3)) this.trip('repeated command failures');
  }

  /**
   * Holds this turn's commands in the socket and sends them in one write once the event loop has run
   * every callback of its I/O phase. Each request arrives in a callback of its own, so without this
   * every hit's lookup is a write syscall — which on loopback also delivers the bytes and wakes Redis
   * — and a reply read of its own: the largest single cost of a small hit (docs/response-cache.md).
   * While no reply is outstanding, the commands go as soon as the running callback is done (with the
   * others it issues, as a hit's STRLEN and MGET): holding them to the end of the turn saved no write
   * and started a lone request's round trip after the turn's other work.
   */
  private batchWrites() {
    if (this.corked) return;
    const redis = this.redis as unknown as { stream?: Socket; commandQueue: { length: number } };
    const stream = redis.stream;
    if (!stream) return;
    // Read before corking: nothing between the cork and its uncork's scheduling may throw.
    const idle = redis.commandQueue?.length === 0;
    this.corked = stream;
    stream.cork();
    if (idle) process.nextTick(this.uncork);
    else setImmediate(this.uncork);
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

interface Pending {
  sentAt: number;
  at: number;
  settled: boolean;
  reject(err: unknown): void;
}

const noop = () => {};

/**
 * The timeouts of one length: deadlines set in order fall due in order, so one timer for the earliest
 * serves them all. A timer and a Promise.race per command cost more than the rest of a small hit's
 * bookkeeping around its MGET. A command settles its entry when it answers; the timer, when it fires,
 * counts each entry that is due and not settled as a failure (the breaker's count, before anyone sees
 * the rejection) and rejects it, and is set again for the next one.
 */
class Deadlines {
  private readonly queue = new Fifo<Pending>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly ms: number,
    /** Counts a command's timeout as its failure (`sentAt`: when it was sent), before it is rejected. */
    private readonly timedOut: (err: CommandTimeoutError, sentAt: number) => void,
  ) {}

  add(reject: (err: unknown) => void, sentAt: number): Pending {
    // Commands mostly answer in the order they were sent: the ones already answered leave here, so
    // the queue holds about what is in flight and its entries die young.
    while (this.queue.peek()?.settled) this.queue.shift();
    const pending: Pending = { sentAt, at: sentAt + this.ms, settled: false, reject };
    this.queue.push(pending);
    if (this.timer === undefined) this.arm(this.ms);
    return pending;
  }

  /** True for the first of the answer and the timeout: the one that settles the command. */
  settle(pending: Pending): boolean {
    if (pending.settled) return false;
    pending.settled = true;
    pending.reject = noop;
    return true;
  }

  private arm(delayMs: number) {
    // unref: a command in flight keeps the process up through its socket, not through this timer (which
    // also outlives close() for the commands still in flight, as their own timers did).
    this.timer = setTimeout(() => this.due(), delayMs).unref();
  }

  private due() {
    this.timer = undefined;
    const now = performance.now();
    for (let pending = this.queue.peek(); pending !== undefined; pending = this.queue.peek()) {
      if (!pending.settled) {
        // Node may fire a timer a fraction of a millisecond before performance.now() reaches it.
        if (pending.at > now) break;
        pending.settled = true;
        const err = new CommandTimeoutError(this.ms);
        try {
          this.timedOut(err, pending.sentAt);
        } finally {
          pending.reject(err);
        }
      }
      this.queue.shift();
    }
    const next = this.queue.peek();
    if (next !== undefined) this.arm(Math.max(1, Math.ceil(next.at - now)));
  }
}

export class CommandTimeoutError extends Error {
  constructor(ms: number) {
    super(`redis command timed out after ${ms} ms`);
  }
}
