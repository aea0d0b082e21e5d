// npm run bench [-- --quick] [--scale 1[,5]] [--duration S] [--warmup S] [--no-baseline] [--profile]
// Seeds the benchmark databases when empty, starts truthgraph in production mode (uncached, then
// cached), the "current" baseline and the bare floor as child processes, drives each over HTTP with
// autocannon, and writes bench/results/<date>.json, a Markdown table and an SVG chart (embedded in
// the README for full runs). Features other branches add (API keys, response cache, mutations) are
// probed, and reported as "skipped: <reason>" when the server does not offer them.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { Redis } from 'ioredis';
import { bulkLoad, createDatabaseIfMissing } from '../src/db/bulk-load.js';
import { createPostgresDb, defaultPoolOptions } from '../src/db/client.js';
import { shapeForScale, type SeedShape } from '../src/db/seed-data.js';
import { measure, measureSlow, percentile, type LoadResult } from './measure.js';
import { embedInReadme, machineLine, markdown, svgChart, type Machine, type MixedResult, type Row, type RunReport, type Variant } from './report.js';
import {
  benchDetections,
  ingestDetections,
  mixedSession,
  mixedVideo,
  mixedVideoPage,
  quickShape,
  readScenarios,
  seededId,
  setValidationResults,
  targetsFor,
  updateVideo,
  type DetectionShape,
  type Operation,
  type Targets,
} from './scenarios.js';
import { repoRoot, startServer, stopAll, type ServerProcess } from './server-process.js';

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scale: { type: 'string', default: '1' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    'no-baseline': { type: 'boolean', default: false },
    'no-readme': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    from: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (opt.help) {
  console.log(`usage: npm run bench [-- --quick] [--scale 1[,5]] [--duration S] [--warmup S] [--no-baseline] [--no-readme] [--profile]
       npm run bench -- --from bench/results/<date>.json   (rewrite the .md, .svg and README block of a run)
  DATABASE_URL  PostgreSQL server to use (default postgres://postgres@127.0.0.1:5432/postgres); the benchmark
                creates and fills its own databases there: truthgraph_bench_quick or truthgraph_bench_s<N>, plus
                <name>_baseline without secondary indexes.
  REDIS_URL     Redis for the cached runs (database ${process.env.BENCH_REDIS_DB ?? 15} of it, flushed first; BENCH_REDIS_DB overrides).`);
  process.exit(0);
}

const quick = opt.quick;
const durationS = Number(opt.duration ?? (quick ? 1 : 10));
const warmupS = Number(opt.warmup ?? (quick ? 0.3 : 3));
const scales = quick ? ['quick'] : opt.scale.split(',').map((s) => s.trim());
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisBase = process.env.REDIS_URL;
const redisDb = Number(process.env.BENCH_REDIS_DB ?? 15);
const concurrencies = [1, 32];

const skipped: string[] = [];
const problems: string[] = [];
const rows: Row[] = [];
const log = (s: string) => console.error(s);
const fmtMs = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(2));

function dbUrl(name: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
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

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

// node:http rather than fetch: fetch (undici) gives up on a response whose headers take more than
// 300 s, and the baseline's nested scenario takes longer than that.
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

async function post(url: string, op: Operation | { query: string; variables: Record<string, unknown> }, headers: Record<string, string> = {}): Promise<Reply> {
  const body = JSON.stringify(op);
  try {
    return await postOnce(url, body, headers);
  } catch (err) {
    // A kept-alive socket the server closed just as it was reused: retry once on a fresh one.
    if ((err as { reused?: boolean }).reused) return postOnce(url, body, headers);
    throw err;
  }
}

function postOnce(url: string, body: string, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json: any = null;
          try {
            json = JSON.parse(text);
          } catch {
            /* not JSON: reported by the caller */
          }
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
          resolve({ status: res.statusCode ?? 0, headers: h, text, json });
        });
      },
    );
    req.setTimeout(900_000, () => req.destroy(new Error('no answer within 900 s')));
    req.on('error', (err: NodeJS.ErrnoException) => {
      reject(Object.assign(err, { reused: req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE') }));
    });
    req.end(body);
  });
}

/** "Cannot query field" / unknown type or argument: the server does not have this operation. */
function notAvailable(reply: Reply): string | null {
  const e = reply.json?.errors?.[0];
  if (!e) return null;
  const code = e.extensions?.code;
  if (code === 'GRAPHQL_VALIDATION_FAILED' && /Cannot query field|Unknown type|Unknown argument/.test(e.message)) return e.message;
  return null;
}

/** A schema without a Mutation type fails even `mutation { __typename }` (masked as an internal error). */
async function mutationsMissing(url: string, headers: Record<string, string>): Promise<string | null> {
  const reply = await post(url, { query: 'mutation MutationProbe { __typename }', variables: {} }, headers);
  return reply.json?.data?.__typename === 'Mutation' ? null : 'the schema has no Mutation type';
}

function errorOf(reply: Reply): string | null {
  if (reply.status !== 200) return `HTTP ${reply.status}: ${reply.text.slice(0, 300)}`;
  if (reply.json?.errors?.length) return JSON.stringify(reply.json.errors).slice(0, 300);
  return null;
}

/**
 * Waits (at most 5 minutes) until the server's event loop answers a trivial GET quickly and its
 * database runs no statement: the state a measurement window must start from.
 */
function settler(url: string, dbName: string): () => Promise<void> {
  return async () => {
    const origin = new URL(url).origin;
    const sql = postgres(dbUrl(dbName), { max: 1, onnotice: () => {} });
    try {
      const deadline = Date.now() + 300_000;
      let quiet = 0;
      while (Date.now() < deadline && quiet < 2) {
        const t = performance.now();
        await new Promise<void>((resolve) => {
          const req = http.get(`${origin}/`, { agent }, (res) => {
            res.resume();
            res.on('end', resolve);
          });
          req.on('error', () => resolve());
        });
        const probeMs = performance.now() - t;
        const [{ n }] = await sql`SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = ${dbName} AND state = 'active' AND pid <> pg_backend_pid()`;
        quiet = probeMs < 20 && n === 0 ? quiet + 1 : 0;
        if (quiet < 2) await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await sql.end({ timeout: 5 });
    }
  };
}

// ---------------------------------------------------------------------------------------------------
// truthgraph as a child process, with the API key it may require.

interface Truthgraph {
  server: ServerProcess;
  headers: Record<string, string>;
}

function runKeysCli(databaseUrl: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'npm',
      ['run', '-s', 'keys', '--', 'create', '--name', `bench-${Date.now()}`, '--admin'],
      { cwd: repoRoot, env: { ...process.env, DATABASE_URL: databaseUrl, NODE_ENV: 'production' }, timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`npm run keys failed: ${(stderr || err.message).trim().split('\n').slice(-3).join(' ')}`));
        const last = stdout.trim().split('\n').pop()?.trim();
        if (!last) return reject(new Error('npm run keys printed no key'));
        resolve(last);
      },
    );
  });
}

const keys = new Map<string, string>();

async function startTruthgraph(dbName: string, cached: boolean, profile = false): Promise<Truthgraph> {
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    DATABASE_URL: dbUrl(dbName),
    LOG_LEVEL: 'warn',
    MIGRATE_ON_START: 'false',
  };
  if (!cached) env.CACHE = 'off';
  if (redisBase) {
    const u = new URL(redisBase);
    u.pathname = `/${redisDb}`;
    env.REDIS_URL = u.toString();
  }
  const server = await startServer({
    name: `truthgraph ${cached ? 'cached' : 'uncached'}`,
    script: 'src/main.ts',
    env,
    path: '/graphql',
    nodeFlags: profile ? ['--cpu-prof', '--cpu-prof-dir', join(repoRoot, 'bench/profiles')] : [],
  });
  // Production servers may require an API key (issue 7): probe without one.
  const probe = await post(server.url, { query: '{ __typename }', variables: {} });
  const headers: Record<string, string> = {};
  if (probe.status === 401) {
    let key = keys.get(dbName);
    if (!key) {
      key = await runKeysCli(dbUrl(dbName));
      keys.set(dbName, key);
      log('  API keys required: created an admin key "bench" with npm run keys');
    }
    headers.authorization = `Bearer ${key}`;
  }
  return { server, headers };
}

// ---------------------------------------------------------------------------------------------------

function record(scenario: string, title: string, variant: Variant, scale: string, r: LoadResult, note?: string) {
  rows.push({ scenario, title, variant, scale, ...r, ...(note ? { note } : {}) });
  const cache = r.cache ? ` cache H/M/B ${r.cache.hit}/${r.cache.miss}/${r.cache.bypass}` : '';
  log(
    `  ${variant.padEnd(8)} ${scenario.padEnd(18)} c=${String(r.concurrency).padEnd(2)} p50 ${fmtMs(r.p50).padStart(8)} ms  p99 ${fmtMs(r.p99).padStart(8)} ms  ` +
      `${r.rps.toFixed(r.rps < 10 ? 1 : 0).padStart(6)} req/s  ${r.statementsPerRequest === null ? '–' : +r.statementsPerRequest.toFixed(2)} stmts  ${r.bytesPerResponse} B` +
      `${r.non2xx || r.errors || r.timeouts ? `  non2xx ${r.non2xx} errors ${r.errors} timeouts ${r.timeouts}` : ''}${cache}`,
  );
  if (variant === 'uncached' && r.cache?.hit) problems.push(`uncached ${scenario} c=${r.concurrency}: ${r.cache.hit} cache hits (CACHE=off not honoured)`);
  if (variant === 'cached' && r.cache && r.cache.hit < r.requests * 0.9) {
    problems.push(`cached ${scenario} c=${r.concurrency}: only ${r.cache.hit} of ${r.requests} responses were cache hits`);
  }
  if (r.non2xx || r.errors || r.timeouts) problems.push(`${variant} ${scenario} c=${r.concurrency}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
}

/** Runs every read scenario against `url`; a scenario whose sample answer is wrong is reported, not timed. */
async function readRuns(
  url: string,
  headers: Record<string, string>,
  variant: Variant,
  scale: string,
  targets: Targets,
  dbName: string,
  slow: { afterMs: number; skip: Record<string, string> } = { afterMs: Infinity, skip: {} },
) {
  const settle = settler(url, dbName);
  for (const s of readScenarios) {
    if (slow.skip[s.key]) {
      skipped.push(`${variant} ${s.key}: ${slow.skip[s.key]}`);
      continue;
    }
    const op = s.op(targets);
    const t = performance.now();
    let sample: Reply;
    try {
      sample = await post(url, op, headers);
    } catch (err) {
      problems.push(`${variant} ${s.key} (scale ${scale}): no answer (${(err as Error).message})`);
      log(`  ${variant} ${s.key}: no answer: ${(err as Error).message}`);
      continue;
    }
    let sampleMs = performance.now() - t;
    // The first request of a fresh process is cold (JIT, connections): time a second one, unless the
    // first was already slow enough to decide.
    if (sampleMs <= slow.afterMs && !errorOf(sample)) {
      const t2 = performance.now();
      sample = await post(url, op, headers);
      sampleMs = performance.now() - t2;
    }
    const missing = notAvailable(sample);
    if (missing) {
      skipped.push(`${variant} ${s.key}: ${missing}`);
      continue;
    }
    const problem = errorOf(sample) ?? s.check(sample.json.data);
    if (problem) {
      problems.push(`${variant} ${s.key} (scale ${scale}) answered wrongly: ${problem}`);
      log(`  ${variant} ${s.key}: wrong answer, not timed: ${problem}`);
      continue;
    }
    if (sampleMs > slow.afterMs) {
      // Too slow for timed runs: the sample plus a few sequential requests within a time budget,
      // and no concurrency-32 run.
      let first = true;
      const r = await measureSlow(
        async () => {
          const reply = first ? sample : await post(url, op, headers);
          first = false;
          const st = reply.headers.get('x-sql-statements');
          return { ok: reply.status === 200 && !reply.json?.errors, bytes: reply.text.length, statements: st === null ? null : Number(st) };
        },
        quick ? 1 : 5,
        quick ? 0 : Math.max(0, 60_000 - sampleMs),
        first ? sampleMs : undefined,
      );
      record(s.key, s.title, variant, scale, r, `sequential (one request took ${(sampleMs / 1000).toFixed(1)} s)`);
      skipped.push(`${variant} ${s.key} c=32: one request takes ${(sampleMs / 1000).toFixed(1)} s`);
      continue;
    }
    for (const c of concurrencies) {
      // Each of the c clients should finish a few requests in the window: a 32-way run of a
      // 100 ms operation on 2 cores needs longer than a 1 ms one.
      // (--quick keeps its fixed window: it validates the suite, it does not measure.)
      const needS = (3 * c * sampleMs) / 1000 / os.cpus().length;
      // The baseline keeps the fixed window too: 32 concurrent unindexed scans saturate the machine.
      const d = quick || variant === 'baseline' ? durationS : Math.min(60, Math.max(durationS, Math.ceil(needS)));
      const r = await measure({ url, requests: [{ body: JSON.stringify(op), headers }], concurrency: c, durationS: d, warmupS, settle });
      if (r.requests === 0) skipped.push(`${variant} ${s.key} c=${c}: no response completed within ${d} s`);
      else record(s.key, s.title, variant, scale, r);
    }
  }
}

async function sequential(n: number, budgetMs: number, send: (i: number) => Promise<Reply>): Promise<{ r: LoadResult; failure: string | null }> {
  let failure: string | null = null;
  let i = 0;
  const r = await measureSlow(
    async () => {
      const reply = await send(i++);
      const err = errorOf(reply);
      if (err && !failure) failure = err;
      const st = reply.headers.get('x-sql-statements');
      return { ok: !err, bytes: reply.text.length, statements: st === null ? null : Number(st) };
    },
    n,
    budgetMs,
  );
  return { r, failure };
}

async function writeRuns(tg: Truthgraph, dbName: string, scale: string) {
  const sql = postgres(dbUrl(dbName), { max: 1, onnotice: () => {} });
  let sessionId: string | undefined;
  try {
    [{ id: sessionId } = { id: undefined }] = await sql`SELECT id FROM test_sessions WHERE status = 'running' ORDER BY id LIMIT 1`;
  } finally {
    await sql.end({ timeout: 5 });
  }
  if (!sessionId) {
    skipped.push('scenario 6: no running test session in the data set');
    return;
  }
  const noMutations = await mutationsMissing(tg.server.url, tg.headers);
  if (noMutations) {
    skipped.push(`scenario 6: ${noMutations}`);
    return;
  }
  // Find the DetectionInput shape the server accepts with a one-element call.
  let shape: DetectionShape | null = null;
  for (const candidate of ['nested-box', 'flat-box'] as DetectionShape[]) {
    const reply = await post(tg.server.url, { query: ingestDetections, variables: { sessionId, detections: benchDetections(1, candidate) } }, tg.headers);
    const missing = notAvailable(reply);
    if (missing) {
      skipped.push(`scenario 6 ingestDetections: ${missing}`);
      break;
    }
    if (!errorOf(reply)) {
      shape = candidate;
      break;
    }
    log(`  ingestDetections with ${candidate} input: ${errorOf(reply)}`);
  }
  if (shape) {
    const detections = benchDetections(10_000, shape);
    const body = (round: number) => ({ query: ingestDetections, variables: { sessionId, detections: round ? benchDetections(10_000, shape!, round) : detections } });
    // The first call inserts (or updates rows left by an earlier run); later calls update all 10,000.
    const { r, failure } = await sequential(quick ? 3 : 20, quick ? 5_000 : 30_000, (i) => post(tg.server.url, body(i), tg.headers));
    if (failure) problems.push(`ingestDetections failed: ${failure}`);
    else record('write-ingest-10k', 'ingestDetections, 10,000 detections (upsert)', 'uncached', scale, r);
    const ids = detections.slice(0, 1000).map((d) => d.id);
    const reply = await post(tg.server.url, { query: setValidationResults, variables: { ids, result: 'TP' } }, tg.headers);
    const missing = notAvailable(reply);
    if (missing) skipped.push(`scenario 6 setValidationResults: ${missing}`);
    else {
      const v = await sequential(quick ? 5 : 40, quick ? 3_000 : 20_000, (i) =>
        post(tg.server.url, { query: setValidationResults, variables: { ids, result: i % 2 ? 'TP' : 'FP' } }, tg.headers),
      );
      if (v.failure) problems.push(`setValidationResults failed: ${v.failure}`);
      else record('write-validate-1k', 'setValidationResults, 1,000 ids', 'uncached', scale, v.r);
    }
  } else if (!skipped.some((s) => s.startsWith('scenario 6 ingestDetections'))) {
    problems.push('scenario 6: the server rejected every DetectionInput shape tried (see the log)');
  }
}

// ---------------------------------------------------------------------------------------------------
// Scenario 7: 95% Zipf-distributed reads, 5% writes, per-client read-your-writes check.

function mulberry32(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ranks 0..n-1 with P(rank) ∝ 1/(rank+1)^s. */
function zipf(n: number, s = 1.1) {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / Math.pow(i + 1, s);
  return (u: number) => {
    const target = u * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

async function mixedRun(tg: Truthgraph, shape: SeedShape, scale: string): Promise<MixedResult> {
  const clients = 32;
  const url = tg.server.url;
  const videos = shape.projects * shape.videosPerProject;
  const sessions = Math.floor(videos / shape.sessionEvery);
  const pickVideo = zipf(videos);
  const pickProject = zipf(shape.projects);
  const pickSession = zipf(sessions);
  const pickOwned = zipf(Math.floor(videos / clients));
  // Writes available? updateVideo is issue 4's mutation.
  const noMutations = await mutationsMissing(url, tg.headers);
  const probe = noMutations
    ? null
    : await post(url, { query: updateVideo, variables: { id: seededId('video', shape.seed, 1), processingStatus: 'bench-probe' } }, tg.headers);
  const writeMissing = noMutations ?? (probe && notAvailable(probe));
  const writeError = writeMissing || !probe ? null : errorOf(probe);
  const writes = !writeMissing && !writeError;
  if (writeMissing) skipped.push(`scenario 7 writes: ${writeMissing}`);
  if (writeError) problems.push(`scenario 7 updateVideo probe failed: ${writeError}`);

  const runTag = Date.now().toString(36);
  const latencies: number[] = [];
  let reads = 0;
  let writeCount = 0;
  let stale = 0;
  let errors = 0;
  let firstError: string | null = null;
  const failed = (reply: Reply) => {
    const e = errorOf(reply);
    if (e) {
      errors++;
      firstError ??= e;
    }
    return e;
  };
  let hit = 0;
  let miss = 0;
  let coldMisses = 0;
  // Keys read so far (warm-up included): a miss on a key read for the first time is compulsory.
  const readBefore = new Set<string>();
  // A warm-up as long as the measured window fills the cache first (its answers are still checked
  // for staleness, but not timed or counted in the hit rate).
  const measuredMs = quick ? 2_000 : 20_000;
  const measureFrom = performance.now() + measuredMs;
  const deadline = measureFrom + measuredMs;
  const maxRequests = 2_000_000;
  const client = async (c: number) => {
    const rnd = mulberry32(1000 + c);
    // Video k (1-based) is written only by client (k - 1) % clients, so each client knows exactly
    // what its own videos must show.
    const mine = new Map<string, string>();
    let seq = 0;
    const check = (id: string, processingStatus: string | null | undefined) => {
      const expected = mine.get(id);
      if (expected !== undefined && processingStatus !== expected) stale++;
    };
    while (performance.now() < deadline && reads + writeCount < maxRequests) {
      const started = performance.now();
      const counted = started >= measureFrom;
      if (writes && rnd() < 0.05) {
        const k = pickOwned(rnd()) * clients + c + 1;
        const id = seededId('video', shape.seed, k);
        const marker = `bench-${runTag}-${c}-${++seq}`;
        const reply = await post(url, { query: updateVideo, variables: { id, processingStatus: marker } }, tg.headers);
        if (counted) {
          latencies.push(performance.now() - started);
          writeCount++;
        }
        if (!failed(reply)) mine.set(id, marker);
        continue;
      }
      const kind = rnd();
      let reply: Reply;
      let readKey: string;
      if (kind < 0.5) {
        const id = seededId('video', shape.seed, pickVideo(rnd()) + 1);
        readKey = `v:${id}`;
        reply = await post(url, { query: mixedVideo, variables: { videoId: id } }, tg.headers);
        if (!errorOf(reply)) check(id, reply.json.data.video?.processingStatus);
      } else if (kind < 0.8) {
        const id = seededId('project', shape.seed, pickProject(rnd()) + 1);
        readKey = `p:${id}`;
        reply = await post(url, { query: mixedVideoPage, variables: { projectId: id } }, tg.headers);
        if (!errorOf(reply)) for (const v of reply.json.data.project?.videos.nodes ?? []) check(v.id, v.processingStatus);
      } else {
        const id = seededId('session', shape.seed, (pickSession(rnd()) + 1) * shape.sessionEvery);
        readKey = `s:${id}`;
        reply = await post(url, { query: mixedSession, variables: { sessionId: id } }, tg.headers);
      }
      failed(reply);
      const firstRead = !readBefore.has(readKey);
      readBefore.add(readKey);
      if (!counted) continue;
      latencies.push(performance.now() - started);
      reads++;
      const x = reply.headers.get('x-cache');
      if (x === 'HIT') hit++;
      else if (x === 'MISS') {
        miss++;
        if (firstRead) coldMisses++;
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
  const elapsedS = (performance.now() - measureFrom) / 1000;
  latencies.sort((a, b) => a - b);
  const result: MixedResult = {
    scale,
    concurrency: clients,
    durationS: Math.round(elapsedS * 10) / 10,
    reads,
    writes: writeCount,
    hitRate: hit + miss ? hit / (hit + miss) : null,
    coldMisses,
    warmHitRate: hit + miss - coldMisses > 0 ? hit / (hit + miss - coldMisses) : null,
    staleReads: stale,
    errors,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    rps: (reads + writeCount) / elapsedS,
    ...(writes ? {} : { note: 'reads only: updateVideo not available' }),
  };
  log(
    `  mixed    c=${clients} ${result.rps.toFixed(0)} req/s p50 ${fmtMs(result.p50)} ms p99 ${fmtMs(result.p99)} ms, ${reads} reads, ${writeCount} writes, ` +
      `hit rate ${result.hitRate === null ? '–' : (result.hitRate * 100).toFixed(1) + '%'} (${coldMisses} first-read misses; warm ${result.warmHitRate == null ? '–' : (result.warmHitRate * 100).toFixed(1) + '%'}), stale ${stale}, errors ${errors}`,
  );
  if (stale) problems.push(`scenario 7: ${stale} stale reads`);
  if (errors) problems.push(`scenario 7: ${errors} failed requests, the first: ${firstError}`);
  return result;
}

// ---------------------------------------------------------------------------------------------------

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
  const mainDb = (scale: string) => `truthgraph_bench_${scale === 'quick' ? 'quick' : `s${scale.replace('.', '_')}`}`;
  const baseline = !opt['no-baseline'];

  log('== data');
  for (const scale of scales) await ensureLoaded(mainDb(scale), shapeOf(scale), false);
  if (baseline) await ensureLoaded(`${mainDb(first)}_baseline`, shapeOf(first), true);

  let mixed: MixedResult | null = null;
  const targets = targetsFor(shapeOf(first));

  log(`== truthgraph uncached (scale ${first})`);
  let tg = await startTruthgraph(mainDb(first), false, opt.profile);
  try {
    await readRuns(tg.server.url, tg.headers, 'uncached', first, targets, mainDb(first));
    await writeRuns(tg, mainDb(first), first);
  } finally {
    await tg.server.stop();
  }

  log(`== truthgraph cached (scale ${first})`);
  if (redisBase) {
    const u = new URL(redisBase);
    u.pathname = `/${redisDb}`;
    const redis = new Redis(u.toString(), { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    await redis.flushdb();
    redis.disconnect();
  }
  tg = await startTruthgraph(mainDb(first), true);
  try {
    const probe = await post(tg.server.url, readScenarios[0].op(targets), tg.headers);
    if (!probe.headers.get('x-cache')) {
      skipped.push('cached runs: the server sends no x-cache header (response cache not present)');
      log('  skipped: no x-cache header (response cache not present)');
    } else {
      await readRuns(tg.server.url, tg.headers, 'cached', first, targets, mainDb(first));
    }
    log(`== mixed (scale ${first})`);
    mixed = await mixedRun(tg, shapeOf(first), first);
    if (mixed.hitRate === null) mixed.note = [mixed.note, 'no x-cache header: hit rate unknown'].filter(Boolean).join('; ');
  } finally {
    await tg.server.stop();
  }

  log(`== floor (scale ${first})`);
  const floor = await startServer({ name: 'floor', script: 'bench/floor.ts', env: { DATABASE_URL: dbUrl(mainDb(first)) }, path: '/ground-truth' });
  try {
    const gt = readScenarios.find((s) => s.key === 'ground-truth-10k')!;
    const path = `/ground-truth?video=${targets.bigVideoId}&first=10000`;
    let p50 = 0;
    for (const c of concurrencies) {
      const needS = (3 * c * p50) / 1000 / os.cpus().length;
      const d = quick ? durationS : Math.min(60, Math.max(durationS, Math.ceil(needS)));
      const r = await measure({ url: floor.url, requests: [{ method: 'GET', path }], concurrency: c, durationS: d, warmupS, settle: settler(floor.url, mainDb(first)) });
      p50 = r.p50;
      if (r.requests === 0) skipped.push(`floor ${gt.key} c=${c}: no response completed within ${d} s`);
      else record(gt.key, gt.title, 'floor', first, r);
    }
  } finally {
    await floor.stop();
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
      await readRuns(b.url, {}, 'baseline', first, targets, `${mainDb(first)}_baseline`, {
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
    const t = await startTruthgraph(mainDb(scale), false);
    try {
      await readRuns(t.server.url, t.headers, 'uncached', scale, targetsFor(shapeOf(scale)), mainDb(scale));
    } finally {
      await t.server.stop();
    }
  }

  const date = new Date().toISOString();
  const report: RunReport = {
    date,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    quick,
    machine: m,
    durationS,
    warmupS,
    scales,
    rows,
    mixed,
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
