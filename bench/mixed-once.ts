// One mixed run (scenario 7) of the server of the checkout this file is in, on the scale-1 benchmark
// database and database 15 of the local Redis under a key prefix of its own (removed after), printing one
// JSON line: hit rate, first-read misses, stale reads, SQL statements and CPU per served request. Run it
// from two checkouts one after the other to compare them on the same minutes:
//   npx tsx bench/mixed-once.ts [KEY=VALUE,...]        e.g. CACHE_REFRESH_MIN_HITS=1
import os from 'node:os';
import { CpuMeter } from './cpu.js';
import { mixedRun } from './mixed-run.js';
import { startTruthgraph } from './truthgraph-process.js';
import { removePrefix } from './throwaway-redis.js';
import { shapeForScale } from '../src/db/seed-data.js';
const db = 'postgres://postgres@127.0.0.1:5432/truthgraph_bench_s1';
const redisUrl = 'redis://127.0.0.1:6379/15';
const prefix = `tg-hotpath-mixed-${process.pid}:`;
const extra = Object.fromEntries((process.argv[2] ?? '').split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]));
const load = os.loadavg()[0];
const tg = await startTruthgraph({ databaseUrl: db, cached: true, redisUrl, redisPrefix: prefix, env: extra });
const cpu = new CpuMeter(tg.server.pid, db, 'truthgraph_bench_s1');
try {
  const m = await mixedRun(tg, shapeForScale(1, 1), '1', { quick: false, skipped: [], problems: [], log: () => {}, cpu, refreshAhead: extra.CACHE_REFRESH_AHEAD !== '0' });
  console.log(JSON.stringify({ dir: process.cwd(), extra, loadStart: load, loadEnd: os.loadavg()[0], hitRate: m.hitRate, coldMisses: m.coldMisses, warmHitRate: m.warmHitRate, reads: m.reads, writes: m.writes, stale: m.staleReads, errors: m.errors, rps: m.rps, p50: m.p50, p99: m.p99, refreshes: m.refreshes, stmtPerReq: m.statementsPerRequest, cpu: m.cpu }));
} finally {
  await cpu.close();
  await tg.server.stop();
  await removePrefix(redisUrl, prefix).catch(() => {});
}
