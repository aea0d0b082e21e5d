// Fault injection (FAULT_INJECTION=true only): a statement that holds a connection for a while, so
// tests and drills can produce genuinely slow requests (graceful shutdown, pool pressure).
import type { Queryable } from '../client.js';

export async function sleepInDatabase(db: Queryable, seconds: number): Promise<void> {
  await db.query(`/* faultSleep */ SELECT pg_sleep($1::float8)`, [seconds]);
}
