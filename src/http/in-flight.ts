// Requests still being answered, counted from the moment one reaches /graphql until both its response
// is over (sent, or its client gone) and every piece of work it started (the Apollo handler, a
// refresh-ahead recomputation) has settled. Draining the HTTP server waits for connections only: an
// operation whose client has gone away keeps running after its socket closed, and shutdown must wait
// for it before closing the cache and the pool, or a write could commit after the cache closed and
// never invalidate what other instances hold. Counting the whole request, not Apollo's hooks, releases
// the count on every exit path — an error before execution, a throwing plugin, an early 4xx.
import type { Step, StepResponse } from './step.js';

export interface InFlightOperations {
  /** Counts the request from here on (mount first on the GraphQL route). */
  middleware: Step;
  /** Keeps the request counted until `handler` settles, even after its client left. */
  hold(handler: Step): Step;
  /** Counts work outside an HTTP request (refresh-ahead) until it settles. */
  track<T>(work: () => Promise<T>): Promise<T>;
  readonly count: number;
  /** Resolves once nothing is in flight, or at `deadline` (a performance.now() time). */
  settled(deadline: number): Promise<void>;
}

const refsKey = Symbol('truthgraph.inFlightRefs');

interface Refs {
  acquire(): void;
  release(): void;
}

export function inFlightOperations(): InFlightOperations {
  let count = 0;
  let waiters: (() => void)[] = [];
  const done = () => {
    count--;
    if (count === 0) {
      for (const wake of waiters) wake();
      waiters = [];
    }
  };
  /** One request's references: its response and each piece of work; counted while any is open. */
  const refs = (): Refs => {
    let open = 0;
    return {
      acquire() {
        if (open++ === 0) count++;
      },
      release() {
        if (--open === 0) done();
      },
    };
  };
  const refsOf = (res: StepResponse) => (res.locals as Record<symbol, Refs | undefined>)[refsKey];
  return {
    middleware(_req, res, next) {
      const r = refs();
      (res.locals as Record<symbol, Refs>)[refsKey] = r;
      r.acquire();
      // At the response's 'close': emitted once (node guards it), after 'finish' on every response, and
      // when its client leaves before the end. The request log listens for it already; its listener runs
      // onEnd before its own metrics and log, so a failure there cannot keep the request counted.
      const record = res.locals.record;
      if (record && record.onEnd === undefined) record.onEnd = r.release;
      else res.on('close', () => r.release());
      next();
    },
    hold(handler) {
      return async (req, res, next) => {
        const r = refsOf(res);
        r?.acquire();
        try {
          await handler(req, res, next);
        } catch (err) {
          next(err);
        } finally {
          r?.release();
        }
      };
    },
    async track(work) {
      count++;
      try {
        return await work();
      } finally {
        done();
      }
    },
    get count() {
      return count;
    },
    settled(deadline) {
      if (count === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - performance.now()));
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
