// FAULT_INJECTION=true (off by default, never needed in normal operation): a request carrying
// `x-fault-delay-ms: N` (N ≤ 30000) spends N ms in the database (pg_sleep) before it executes, holding a
// pooled connection like a slow query would. Tests use it to prove graceful shutdown and pool
// behaviour on the real server in production mode; with the flag off the header is ignored.
import type { ApolloServerPlugin } from '@apollo/server';
import type { Queryable } from '../db/client.js';
import { sleepInDatabase } from '../db/queries/fault.queries.js';

export const faultDelayHeader = 'x-fault-delay-ms';
const maxDelayMs = 30_000;

export function faultInjectionPlugin(): ApolloServerPlugin<{ db: Queryable }> {
  return {
    async requestDidStart({ request }) {
      const raw = request.http?.headers.get(faultDelayHeader);
      const ms = raw === undefined || raw === null ? NaN : Number(raw);
      if (!Number.isInteger(ms) || ms <= 0) return;
      const delayMs = Math.min(ms, maxDelayMs);
      return {
        async didResolveOperation({ contextValue }) {
          await sleepInDatabase(contextValue.db, delayMs / 1000);
        },
      };
    },
  };
}
