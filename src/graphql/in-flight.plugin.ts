// Operations still executing. Draining the HTTP server waits for connections, not for operations: an
// operation whose client has gone away (a timeout, a closed tab) keeps running after its socket
// closed. Shutdown waits for those too before closing the cache and the pool, or a write could
// commit after the cache closed and never invalidate what other instances hold.
import type { ApolloServerPlugin } from '@apollo/server';

export interface InFlightOperations {
  plugin: ApolloServerPlugin;
  readonly count: number;
  /** Resolves once no operation is executing, or at `deadline` (a performance.now() time). */
  settled(deadline: number): Promise<void>;
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
  return {
    plugin: {
      // Apollo ends every request it started (errors included) with willSendResponse, and calls it
      // whether or not the client is still there to receive the response.
      async requestDidStart() {
        count++;
        return {
          async willSendResponse() {
            done();
          },
        };
      },
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
