// npm run bench [-- --quick] [--scale 1[,5]] [--duration S] [--warmup S] [--no-baseline] [--no-floor] [--floor-rounds N] [--no-import-floor] [--profile]
// Seeds the benchmark databases when empty, starts truthgraph in production mode (uncached, then
// cached), the floors (bench/floor.ts: truthgraph's own statements and JSON.stringify in a bare
// handler; bench/cache-floor.ts: the same cache entry written by a bare handler) and the "current"
// baseline as child processes, drives each over HTTP with autocannon, and writes
// bench/results/<date>.json, a Markdown table and an SVG chart (embedded in the README for full
// runs). Features other branches add (API keys, response cache, mutations) are probed, and reported
// as "skipped: <reason>" when the server does not offer them.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { Redis } from 'ioredis';
import { bulkLoad, createDatabaseIfMissing } from '../src/db/bulk-load.js';
import { createPostgresDb, defaultPoolOptions } from '../src/db/client.js';
import { shapeForScale, type SeedShape } from '../src/db/seed-data.js';
import type { BenchContext } from './bench-context.js';
import { cacheFloorRuns, floorRuns } from './floor-runs.js';
import { post } from './http-client.js';
import { mixedRun } from './mixed-run.js';
import { readRuns } from './read-runs.js';
import { embedInReadme, machineLine, markdown, svgChart, type Machine, type MixedResult, type RunReport } from './report.js';
import { quickShape, readScenarios, targetsFor } from './scenarios.js';
import { repoRoot, startServer, stopAll } from './server-process.js';
import { removePrefix } from './throwaway-redis.js';
import { CpuMeter } from './cpu.js';
import { startTruthgraph, type Truthgraph } from './truthgraph-process.js';
import { writeRuns } from './write-runs.js';
import { evaluationRuns } from './evaluation-runs.js';
import { importFloorRuns, type ImportFloorResult } from './import-floor-runs.js';

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scale: { type: 'string', default: '1' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    'no-baseline': { type: 'boolean', default: false },
    'no-floor': { type: 'boolean', default: false },
    'floor-rounds': { type: 'string' },
    'no-mixed-compare': { type: 'boolean', default: false },
    'no-import-floor': { type: 'boolean', default: false },
    'no-readme': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    from: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (opt.help) {
  console.log(`usage: npm run bench [-- --quick] [--scale 1[,5]] [--duration S] [--warmup S] [--no-baseline] [--no-floor] [--floor-rounds N] [--no-mixed-compare] [--no-readme] [--profile]
       npm run bench -- --from bench/results/<date>.json   (rewrite the .md, .svg and README block of a run)
  DATABASE_URL  PostgreSQL server to use (default postgres://postgres@127.0.0.1:5432/postgres); the benchmark
                creates and fills its own databases there: truthgraph_bench_quick or truthgraph_bench_s<N>, plus
                <name>_baseline without secondary indexes.
  REDIS_URL     Redis for the cached runs (database ${process.env.BENCH_REDIS_DB ?? 15} of it, flushed first; BENCH_REDIS_DB overrides;
                with BENCH_REDIS_PREFIX only that key prefix is used and removed, not the whole database).
  BENCH_DB_PREFIX  name prefix of the benchmark databases (default truthgraph_bench_), also of the import floor's
                <prefix>import_floor_tpl_<lines> (kept) and its _import and _floor copies (dropped after the run);
                --no-import-floor skips that phase.`);
  process.exit(0);
}


const quick = opt.quick;
const durationS = Number(opt.duration ?? (quick ? 1 : 10));
const warmupS = Number(opt.warmup ?? (quick ? 0.3 : 3));
const scales = quick ? ['quick'] : opt.scale.split(',').map((s) => s.trim());
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisBase = process.env.REDIS_URL;
const redisDb = Number(process.env.BENCH_REDIS_DB ?? 15);
const redisPrefix = process.env.BENCH_REDIS_PREFIX;
const dbPrefix = process.env.BENCH_DB_PREFIX ?? 'truthgraph_bench_';
const log = (s: string) => console.error(s);

function dbUrl(name: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

// Each round interleaves truthgraph's and the floor's windows (A, B, B, A); the ratios are the median over the rounds.
const floorRounds = Number(opt['floor-rounds'] ?? (quick ? 1 : 2));
if (!Number.isInteger(floorRounds) || floorRounds < 1) throw new Error('--floor-rounds: a whole number ≥ 1');
const ctx: BenchContext = { quick, durationS, warmupS, concurrencies: [1, 32], rows: [], pairs: [], floorRounds, skipped: [], problems: [], log, dbUrl };
const { skipped, problems, rows } = ctx;

/** The cached servers' Redis (database redisDb of REDIS_URL), or undefined for the in-process store. */
function redisUrl(): string | undefined {
  if (!redisBase) return undefined;
  const u = new URL(redisBase);
  u.pathname = `/${redisDb}`;
  return u.toString();
}

function shapeOf(scale: string): SeedShape {
  return scale === 'quick' ? quickShape : shapeForScale(Number(scale), 1);
}

async function ensureLoaded(name: string, shape: SeedShape, skipIndexes: boolean): Promise<void> {
  const url = dbUrl(name);
  await createDatabaseIfMissing(url);
  const db = createPostgresDb(url, { ...defaultPoolOptions, max: 1, statementTimeoutMs: 0, idleInTransactionTimeoutMs: 0, prepare: false });
  try {
    const started = performance.now();
    const r = await bulkLoad(db, shape, { skipIndexes }, (e) => {
      if (e.kind === 'table') log(`  ${name}: ${e.table} ${e.rows.toLocaleString('en-US')} rows in ${(e.ms / 1000).toFixed(1)} s`);
    });
    log(r.loaded ? `  ${name}: loaded in ${((performance.now() - started) / 1000).toFixed(1)} s` : `  ${name}: already loaded`);
  } finally {
    await db.close();
  }
}

async function machine(): Promise<Machine> {
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    const [{ version }] = await sql`SELECT version()`;
    const [{ shared_buffers }] = await sql`SHOW shared_buffers`;
    return {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      postgres: String(version).split(' on ')[0],
      sharedBuffers: shared_buffers,
      loadAverage1m: os.loadavg()[0],
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function writeOutputs(report: RunReport, stem: string) {
  const dir = join(repoRoot, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${stem}.json`), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(dir, `${stem}.md`), `# Benchmark ${report.date}\n\n\`${report.command}\` on ${machineLine(report)}\n\n${markdown(report)}\n`);
  writeFileSync(join(dir, `${stem}.svg`), svgChart(report));
  if (!report.quick && !opt['no-readme']) {
    // The README shows the latest full run; its chart keeps a stable name.
    writeFileSync(join(dir, 'latest.svg'), svgChart(report));
    if (!embedInReadme(join(repoRoot, 'README.md'), report, 'bench/results/latest.svg')) log('README.md has no bench markers: not embedded');
  }
}


async function main() {
  if (opt.from) {
    const report: RunReport = JSON.parse(readFileSync(opt.from, 'utf8'));
    writeOutputs(report, basename(opt.from).replace(/\.json$/, ''));
    log(markdown(report));
    return;
  }
  const started = performance.now();
  const m = await machine();
  log(`machine: ${m.cpus} cores, ${m.postgres}, shared_buffers ${m.sharedBuffers}, load ${m.loadAverage1m.toFixed(2)}`);
  const first = scales[0];
  const mainDb = (scale: string) => `${dbPrefix}${scale === 'quick' ? 'quick' : `s${scale.replace('.', '_')}`}`;
  const baseline = !opt['no-baseline'];
  const floors = !opt['no-floor'];

  log('== data');
  for (const scale of scales) await ensureLoaded(mainDb(scale), shapeOf(scale), false);
  if (baseline) await ensureLoaded(`${mainDb(first)}_baseline`, shapeOf(first), true);

  let mixed: MixedResult | null = null;
  const targets = targetsFor(shapeOf(first));
  const loadAverages: Record<string, number> = { start: m.loadAverage1m };

  log(`== truthgraph uncached (scale ${first})`);
  const uncachedOptions = { databaseUrl: dbUrl(mainDb(first)), cached: false, profile: opt.profile, log };
  let tg = await startTruthgraph(uncachedOptions);
  try {
    const samples = await readRuns(ctx, { url: tg.server.url, headers: tg.headers, pid: tg.server.pid }, 'uncached', first, targets, mainDb(first));
    // The floor runs while this server idles: its answers are compared with the floor's just before timing.
    if (floors) {
      log(`== floor (scale ${first}): truthgraph's statements and JSON.stringify in a bare node:http handler`);
      loadAverages.floor = os.loadavg()[0];
      // The rounds' own servers are not profiled: --profile covers the run's truthgraph.
      await floorRuns(ctx, tg, () => startTruthgraph({ ...uncachedOptions, profile: false }), samples, targets, mainDb(first), first);
    } else skipped.push('floor: --no-floor');
    await writeRuns(ctx, tg, mainDb(first), first);
    log(`== evaluation (scale ${first}): read at the live threshold, mapCoco, applyEvaluation, ingest with live evaluation on vs off`);
    loadAverages.evaluation = os.loadavg()[0];
    await evaluationRuns(ctx, tg, mainDb(first), first, targets);
  } finally {
    await tg.server.stop();
  }

  let importFloor: ImportFloorResult | undefined;
  if (!opt['no-import-floor']) {
    log('== import (npm run import) beside plain COPY of the same rows into the same indexed table');
    loadAverages.importFloor = os.loadavg()[0];
    try {
      importFloor = await importFloorRuns({ serverUrl, lines: quick ? 20_000 : 200_000, rounds: quick ? 1 : floorRounds, prefix: dbPrefix, log });
      log(`  fresh ${importFloor.freshRatio.toFixed(2)}×, rerun ${importFloor.rerunRatio.toFixed(2)}× the floor`);
    } catch (err) {
      problems.push(`import floor: ${err instanceof Error ? err.message : String(err)}`);
    }
  } else skipped.push('import floor: --no-import-floor');

  const cacheRedis = redisUrl();
  const cleanCache = async () => {
    if (!cacheRedis) return;
    if (redisPrefix) await removePrefix(cacheRedis, redisPrefix);
    else {
      const redis = new Redis(cacheRedis, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      await redis.flushdb();
      redis.disconnect();
    }
  };
  const mixedOf = async (t: Truthgraph, refreshAhead: boolean) => {
    const cpu = new CpuMeter(t.server.pid, dbUrl(mainDb(first)), mainDb(first));
    try {
      const m = await mixedRun(t, shapeOf(first), first, { quick, skipped, problems, log, cpu, refreshAhead });
      if (m.hitRate === null) m.note = [m.note, 'no x-cache header: hit rate unknown'].filter(Boolean).join('; ');
      return m;
    } finally {
      await cpu.close();
    }
  };

  // The mixed workload as it ran before refresh-ahead: its hit rate and database load per served
  // request are what refresh-ahead is measured against.
  let mixedWithoutRefresh: MixedResult | null = null;
  if (!opt['no-mixed-compare']) {
    log(`== mixed, refresh-ahead off (scale ${first})`);
    await cleanCache();
    loadAverages.mixedWithoutRefresh = os.loadavg()[0];
    tg = await startTruthgraph({ databaseUrl: dbUrl(mainDb(first)), cached: true, redisUrl: cacheRedis, redisPrefix, env: { CACHE_REFRESH_AHEAD: '0' }, log });
    try {
      mixedWithoutRefresh = await mixedOf(tg, false);
    } finally {
      await tg.server.stop();
    }
  }

  log(`== truthgraph cached (scale ${first})`);
  await cleanCache();
  loadAverages.cached = os.loadavg()[0];
  const cachedOptions = { databaseUrl: dbUrl(mainDb(first)), cached: true, redisUrl: cacheRedis, redisPrefix, log };
  tg = await startTruthgraph(cachedOptions);
  try {
    const probe = await post(tg.server.url, readScenarios[0].op(targets), tg.headers);
    if (!probe.headers.get('x-cache')) {
      skipped.push('cached runs: the server sends no x-cache header (response cache not present)');
      log('  skipped: no x-cache header (response cache not present)');
    } else {
      const samples = await readRuns(ctx, { url: tg.server.url, headers: tg.headers, pid: tg.server.pid }, 'cached', first, targets, mainDb(first));
      if (floors) {
        log(`== cache floor (scale ${first}): the same entry read and written by a bare node:http handler`);
        await cacheFloorRuns(ctx, tg, () => startTruthgraph(cachedOptions), samples, targets, mainDb(first), first, { redisUrl: cacheRedis, redisPrefix: redisPrefix ?? 'truthgraph:' });
      }
    }
    log(`== mixed, refresh-ahead on (scale ${first})`);
    loadAverages.mixed = os.loadavg()[0];
    mixed = await mixedOf(tg, true);
  } finally {
    await tg.server.stop();
    if (cacheRedis && redisPrefix) await removePrefix(cacheRedis, redisPrefix).catch(() => {});
  }

  if (baseline) {
    log(`== baseline "current" (scale ${first}, no secondary indexes, a connection per request)`);
    const b = await startServer({
      name: 'baseline',
      script: 'bench/baseline/server.ts',
      env: { NODE_ENV: 'production', DATABASE_URL: dbUrl(`${mainDb(first)}_baseline`) },
      path: '/',
    });
    try {
      await readRuns(ctx, { url: b.url, headers: {} }, 'baseline', first, targets, `${mainDb(first)}_baseline`, {
        afterMs: quick ? 500 : 2_000,
        // One query per stats field and row over unindexed tables: about a minute even on the quick data.
        skip: quick ? { nested: 'takes minutes; run without --quick' } : {},
      });
    } finally {
      await b.stop();
    }
  } else skipped.push('baseline: --no-baseline');

  for (const scale of scales.slice(1)) {
    log(`== truthgraph uncached (scale ${scale})`);
    const t = await startTruthgraph({ databaseUrl: dbUrl(mainDb(scale)), cached: false, log });
    try {
      await readRuns(ctx, { url: t.server.url, headers: t.headers, pid: t.server.pid }, 'uncached', scale, targetsFor(shapeOf(scale)), mainDb(scale));
    } finally {
      await t.server.stop();
    }
  }
  loadAverages.end = os.loadavg()[0];

  const date = new Date().toISOString();
  const report: RunReport = {
    date,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    quick,
    machine: m,
    loadAverages,
    durationS,
    warmupS,
    scales,
    rows,
    pairs: ctx.pairs,
    mixed,
    mixedWithoutRefresh,
    importFloor,
    skipped,
    problems,
    targets: Object.fromEntries(readScenarios.map((s) => [s.key, s.target])),
  };
  const stem = `${date.slice(0, 19).replace(/:/g, '-')}${quick ? '-quick' : ''}`;
  writeOutputs(report, stem);
  log('');
  log(markdown(report));
  log('');
  log(`results: bench/results/${stem}.{json,md,svg} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    void stopAll().then(() => process.exit(130));
  });
}

main()
  .catch(async (err) => {
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopAll();
  });
