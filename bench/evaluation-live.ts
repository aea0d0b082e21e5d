// The evaluation scenarios of npm run bench (bench/evaluation-runs.ts) alone, against a seeded and
// migrated scale-1 database, without the rest of the suite.
// Usage: BENCH_DB=truthgraph_bench_s1 [DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres] npx tsx bench/evaluation-live.ts [--quick]
import os from 'node:os';
import { shapeForScale } from '../src/db/seed-data.js';
import type { BenchContext } from './bench-context.js';
import { evaluationRuns } from './evaluation-runs.js';
import { targetsFor } from './scenarios.js';
import { stopAll } from './server-process.js';
import { startTruthgraph } from './truthgraph-process.js';

const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = process.env.BENCH_DB ?? 'truthgraph_bench_s1';
const dbUrl = (name: string) => {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
};
const quick = process.argv.includes('--quick');
const ctx: BenchContext = { quick, durationS: 10, warmupS: 3, concurrencies: [1], rows: [], pairs: [], floorRounds: 1, skipped: [], problems: [], log: (s) => console.error(s), dbUrl };
console.error(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const live = await startTruthgraph({ databaseUrl: dbUrl(dbName), cached: false, log: ctx.log });
try {
  await evaluationRuns(ctx, live, dbName, '1', targetsFor(shapeForScale(1, 1)));
} finally {
  await live.server.stop();
  await stopAll();
}
console.error(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (const p of ctx.problems) console.error(`problem: ${p}`);
for (const s of ctx.skipped) console.error(`skipped: ${s}`);
