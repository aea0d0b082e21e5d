// Dispatches a request's DataLoader batches in waves: a wave starts only when every batch of the
// previous wave has finished, and a batch hands its rows back only when its whole wave is done, so
// every row a wave primed is in the by-id caches before any resolver of the next wave asks for it.
// The statements a query sends therefore depend on its shape alone, never on which reply came back
// first — the property the N+1 tests assert. Batch functions must not await other loaders.
export class WaveScheduler {
  private pending: (() => void)[] = [];
  private active = 0;
  private waiters: (() => void)[] = [];
  private flushQueued = false;

  /**
   * DataLoader's batchScheduleFn. Bound, not a class-field arrow: tsx names an arrow field with a
   * defineProperty call per scheduler, that is per request (test/http/hit-path-names.test.ts).
   */
  readonly schedule: (dispatch: () => void) => void = this.enqueue.bind(this);
  private readonly afterJobs: () => void = this.tickAfterJobs.bind(this);
  private readonly flushNow: () => void = this.flush.bind(this);

  private enqueue(dispatch: () => void): void {
    this.pending.push(dispatch);
    this.queueFlush();
  }

  /**
   * Wraps a batch function: counts it into the current wave and holds its result until the wave ends.
   * The batch is called inside the try, so one that throws synchronously (the loaders' batches are not
   * async) rejects its keys like one that rejects, never reaching DataLoader as a synchronous error.
   */
  async run<T>(batch: () => Promise<T>): Promise<T> {
    this.active++;
    let outcome: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await batch() };
    } catch (error) {
      outcome = { ok: false, error };
    }
    if (--this.active === 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
      if (this.pending.length) this.queueFlush();
    } else {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  private queueFlush() {
    if (this.flushQueued) return;
    this.flushQueued = true;
    // After every promise job: a tick queued from a promise job runs only once the microtask queue is
    // empty, so the loads of every resolver a wave's answers woke are collected. Not setImmediate: that
    // waits for a turn of the event loop, behind every other request's I/O, once per wave.
    settled.then(this.afterJobs);
  }

  private tickAfterJobs(): void {
    process.nextTick(this.flushNow);
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.active > 0) return;
    const dispatches = this.pending;
    this.pending = [];
    for (const dispatch of dispatches) dispatch();
  }
}

const settled = Promise.resolve();
