// Fault injection for the fault scripts (FAULT_INJECTION=true only; off by default): a request
// carrying `x-fault-slow-ms: N` sends `SELECT pg_sleep(N ms)` before its first real statement, through
// the same pool and under the same statement_timeout, so a query over the timeout can be produced on
// demand and its cancellation, its error code and the pool's recovery observed deterministically.
import type { Db, Param } from './client.js';

export const faultSlowHeader = 'x-fault-slow-ms';

export function withSlowFirstStatement(db: Db, ms: number): Db {
  let slept: Promise<unknown> | null = null;
  return {
    ...db,
    async query<T>(text: string, params?: readonly Param[]): Promise<T[]> {
      slept ??= db.query(`/* faultSlowQuery */ SELECT pg_sleep($1::float8 / 1000)`, [ms]);
      await slept;
      return db.query<T>(text, params);
    },
  };
}
