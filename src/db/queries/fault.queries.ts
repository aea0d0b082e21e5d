// Fault injection (FAULT_INJECTION=true only): a statement that holds a connection for a while, so
// tests and drills can produce genuinely slow requests (graceful shutdown, pool pressure).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../client.js';

export async function sleepInDatabase(db: Pick<Db, 'kind' | 'query'>, seconds: number): Promise<void> {
  if (db.kind === 'pglite') {
    // PGlite executes on the main thread: pg_sleep would freeze the whole process, not slow one
    // request. Wait on a timer instead (the request is slow; the process stays responsive).
    await sleep(seconds * 1000);
    return;
  }
  await db.query(`/* faultSleep */ SELECT pg_sleep($1::float8)`, [seconds]);
}
