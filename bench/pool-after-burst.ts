// A read at c=1 on a fresh server and again after a burst at c=32 has opened every pool connection:
// p50, CPU per request (Node, PostgreSQL) and how many backends the c=1 reads used. The pool reuses its
// most recently used connection (patches/postgres+3.4.9.patch), so after the burst the reads stay on
// few warm backends; with postgres.js's own choice (the longest idle) they visited all of them in turn.
// Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/truthgraph_bench_s1 npx tsx bench/pool-after-burst.ts [scenario=video-list]
import postgres from 'postgres';
import { shapeForScale } from '../src/db/seed-data.js';
import { CpuMeter } from './cpu.js';
import { measure, type LoadResult } from './measure.js';
import { readScenarios, targetsFor } from './scenarios.js';
import { startTruthgraph } from './truthgraph-process.js';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/truthgraph_bench_s1';
const dbName = new URL(url).pathname.slice(1);
const scenario = readScenarios.find((s) => s.key === (process.argv[2] ?? 'video-list'));
if (!scenario) throw new Error(`scenarios: ${readScenarios.map((s) => s.key).join(', ')}`);
const tg = await startTruthgraph({ databaseUrl: url, cached: false });
const requests = [{ body: JSON.stringify(scenario.op(targetsFor(shapeForScale(1, 1)))), headers: tg.headers }];
const sql = postgres(url, { max: 1, onnotice: () => {} });
const cpu = new CpuMeter(tg.server.pid, url, dbName);
/** Backends of the server's pool, and those of them that ran a statement in the last second. */
const backends = async () => {
  const [r] = await sql<{ open: number; recent: number }[]>`SELECT count(*)::int AS open,
    count(*) FILTER (WHERE state_change > now() - interval '1 second')::int AS recent
    FROM pg_stat_activity WHERE application_name = 'truthgraph' AND datname = ${dbName}`;
  return r;
};
const line = (name: string, r: LoadResult, b: { open: number; recent: number }) =>
  console.log(
    `${name.padEnd(22)} ${scenario.key} c=1: p50 ${r.p50.toFixed(3)} ms, CPU per request Node ${r.cpu?.nodeMs.toFixed(3)} ms, ` +
      `PostgreSQL ${r.cpu?.postgresMs?.toFixed(3)} ms; ${b.open} connections open, ${b.recent} used in the last second`,
  );
try {
  const fresh = await measure({ url: tg.server.url, requests, concurrency: 1, durationS: 6, warmupS: 2, cpu });
  line('fresh server', fresh, await backends());
  await measure({ url: tg.server.url, requests, concurrency: 32, durationS: 5, warmupS: 0 });
  const after = await measure({ url: tg.server.url, requests, concurrency: 1, durationS: 6, warmupS: 2, cpu });
  line('after a burst at c=32', after, await backends());
} finally {
  await Promise.all([sql.end(), cpu.close()]);
  await tg.server.stop();
}
