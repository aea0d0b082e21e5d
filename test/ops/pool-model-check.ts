// Manual tool (not a test): checks the pool-wait model of src/db/pool-stats.ts against what really
// happens in postgres.js. Sends N statements of 10 ms server time at once through a pool of 10 and
// compares (a) the time postgres.js kept them in its own queue (from submission until its `debug`
// hook fires, when a connection takes the statement), (b) the modelled wait, and (c) the measured
// latency minus the server time.
//   node --import tsx test/ops/pool-model-check.ts postgres://postgres@127.0.0.1:5432/postgres [N]
import postgres from 'postgres';
import { PoolStats } from '../../src/db/pool-stats.js';

const url = process.argv[2] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const n = Math.min(Number(process.argv[3] ?? 200), 2000);
if (!/@(127\.0\.0\.1|localhost)[:/]/.test(url)) throw new Error(`loopback only, got ${url}`);

const handedToConnection = new Map<number, number>();
const sql = postgres(url, {
  max: 10,
  onnotice: () => {},
  debug: (_connection: number, _query: string, params: unknown[]) => handedToConnection.set(Number(params[0]), performance.now()),
});
await sql`SELECT 1`;
const pool = new PoolStats(10);
const submitted: number[] = [];
const finished: number[] = [];
await Promise.all(
  Array.from({ length: n }, (_, i) => {
    submitted[i] = performance.now();
    return pool
      .track(() => sql.unsafe('SELECT pg_sleep(0.01), $1::int AS i', [i], { prepare: true }))
      .then(() => (finished[i] = performance.now()));
  }),
);
const sum = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0));
const driverQueue = submitted.map((t, i) => handedToConnection.get(i)! - t);
const latency = submitted.map((t, i) => finished[i] - t);
const model = pool.snapshot();
console.log(
  JSON.stringify({
    statements: n,
    max: 10,
    serverMs: n * 10,
    latencyMs: sum(latency),
    latencyMinusServerMs: sum(latency) - n * 10,
    modelledWaitMs: Math.round(model.waitSecondsTotal * 1000),
    driverQueueMs: sum(driverQueue),
  }),
);
await sql.end({ timeout: 5 });
