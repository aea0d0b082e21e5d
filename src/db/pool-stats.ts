// Connection pool statistics, which postgres.js does not keep. The client reports every unit of work
// that needs a connection (a statement outside a transaction, or a whole transaction) as it starts
// and ends; from that this module derives busy / waiting / time waited / utilisation.
//
// How "waiting" is derived, honestly: postgres.js does not queue work behind a free-connection gate
// the way pg-pool does; it pipelines statements onto busy connections and queues only when every
// connection is connecting or full, and it exposes neither queue. So this module runs a *virtual*
// FIFO pool of `max` slots over the units it is told about: a unit that starts while `max` units are
// in flight waits in the virtual queue until one of them ends. The counts (busy = min(inFlight, max),
// waiting = inFlight - max) are exact; per-unit wait times are those of a FIFO pool of `max`
// connections, and their sum equals the integral of (inFlight - max)⁺ over time, which is the real
// amount of work that found no connection to itself. Connections actually open are counted by the
// database (pg_stat_activity) when asked, not here.

export interface PoolStatsSnapshot {
  /** Configured maximum connections (1 for embedded PGlite, which runs one statement at a time). */
  max: number;
  /** Units (statements outside transactions, transactions) started and not yet finished. */
  inFlight: number;
  /** Units holding a (virtual) connection: min(inFlight, max). */
  busy: number;
  /** Units waiting for a connection: inFlight beyond max. */
  waiting: number;
  /** Highest `waiting` seen since the process started. */
  peakWaiting: number;
  /** Units that got a connection, in total. */
  acquiredTotal: number;
  /** Of those, units that had to wait for one. */
  waitedTotal: number;
  /** Seconds waited for a connection, summed over all units. */
  waitSecondsTotal: number;
  /** Longest single wait, in seconds. */
  maxWaitSeconds: number;
  /** Time-weighted busy / max over the last `windowSeconds` (0..1). */
  utilisation: number;
  windowSeconds: number;
}

export type WaitListener = (seconds: number) => void;

interface Waiter {
  since: number;
}

export class PoolStats {
  private inFlight = 0;
  private peakWaiting = 0;
  private acquiredTotal = 0;
  private waitedTotal = 0;
  private waitSecondsTotal = 0;
  private maxWaitSeconds = 0;
  private readonly queue: Waiter[] = [];
  private readonly waitListeners: WaitListener[] = [];
  // busy × seconds integrated since start, and one sample per second for the sliding window.
  private busyArea = 0;
  private lastChange: number;
  private readonly samples: { t: number; area: number }[] = [];

  constructor(
    readonly max: number,
    readonly windowSeconds = 60,
    private readonly now: () => number = () => performance.now() / 1000,
  ) {
    this.lastChange = this.now();
    this.samples.push({ t: this.lastChange, area: 0 });
  }

  /** Called with every wait for a connection, in seconds (for the metrics histogram). */
  onWait(listener: WaitListener): () => void {
    this.waitListeners.push(listener);
    return () => {
      const i = this.waitListeners.indexOf(listener);
      if (i >= 0) this.waitListeners.splice(i, 1);
    };
  }

  /** Runs one unit of work that needs a connection, accounting for it. Never delays `work`. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    const done = this.enter();
    try {
      return await work();
    } finally {
      done();
    }
  }

  /** Marks a unit as started; the returned function marks it as finished (call it once). */
  enter(): () => void {
    const t = this.now();
    this.advance(t);
    this.inFlight++;
    let waiter: Waiter | undefined;
    if (this.inFlight > this.max) {
      waiter = { since: t };
      this.queue.push(waiter);
      this.peakWaiting = Math.max(this.peakWaiting, this.queue.length);
    } else {
      this.acquired(0);
    }
    let finished = false;
    return () => {
      if (finished) return;
      finished = true;
      const end = this.now();
      this.advance(end);
      this.inFlight--;
      if (waiter) {
        // Finished while still queued (it ran pipelined on a busy connection): it waited all along.
        const i = this.queue.indexOf(waiter);
        if (i >= 0) {
          this.queue.splice(i, 1);
          this.acquired(end - waiter.since);
          return;
        }
      }
      // A slot came free: the oldest waiter takes it.
      const next = this.queue.shift();
      if (next) this.acquired(end - next.since);
    };
  }

  private acquired(waitSeconds: number) {
    this.acquiredTotal++;
    if (waitSeconds > 0) {
      this.waitedTotal++;
      this.waitSecondsTotal += waitSeconds;
      this.maxWaitSeconds = Math.max(this.maxWaitSeconds, waitSeconds);
    }
    for (const l of this.waitListeners) l(waitSeconds);
  }

  private busy() {
    return Math.min(this.inFlight, this.max);
  }

  /** Integrates busy over time up to `t` and keeps one sample per second for the window. */
  private advance(t: number) {
    this.busyArea += this.busy() * (t - this.lastChange);
    this.lastChange = t;
    const last = this.samples[this.samples.length - 1];
    if (t - last.t >= 1) {
      this.samples.push({ t, area: this.busyArea });
      const oldest = t - this.windowSeconds - 1;
      while (this.samples.length > 2 && this.samples[1].t <= oldest) this.samples.shift();
    }
  }

  snapshot(): PoolStatsSnapshot {
    const t = this.now();
    this.advance(t);
    // The window starts at the newest sample at least windowSeconds old (or the oldest kept).
    const from = t - this.windowSeconds;
    let start = this.samples[0];
    for (const s of this.samples) {
      if (s.t <= from) start = s;
      else break;
    }
    const span = t - start.t;
    const utilisation = span > 0 ? Math.min(1, (this.busyArea - start.area) / (span * this.max)) : this.busy() / this.max;
    return {
      max: this.max,
      inFlight: this.inFlight,
      busy: this.busy(),
      waiting: this.queue.length,
      peakWaiting: this.peakWaiting,
      acquiredTotal: this.acquiredTotal,
      waitedTotal: this.waitedTotal,
      waitSecondsTotal: this.waitSecondsTotal,
      maxWaitSeconds: this.maxWaitSeconds,
      utilisation,
      windowSeconds: this.windowSeconds,
    };
  }
}
