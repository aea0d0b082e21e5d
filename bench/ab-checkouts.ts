// A/B of two checkouts on one read scenario, alternating so both see the same machine: each server
// starts in production mode on the benchmark database, is driven at one concurrency after a warm-up,
// and reports p50, requests/s and CPU per request of Node and of PostgreSQL (bench/cpu.ts) — the figure
// that stays comparable on a loaded machine — and the x-cache tally of the timed requests. Checkouts
// share this one's node_modules (symlink them).
// Usage: npx tsx bench/ab-checkouts.ts <dirA>,<dirB> [scenario=video-list] [concurrency=32] [KEY=VALUE,...]
//   e.g. git worktree add --detach /tmp/main-tree main && ln -s $PWD/node_modules /tmp/main-tree/
//        npx tsx bench/ab-checkouts.ts /tmp/main-tree,. dashboard 32
//        npx tsx bench/ab-checkouts.ts /tmp/main-tree,. video-list 32 CACHE=on,REDIS_URL=redis://127.0.0.1:6379/15,REDIS_KEY_PREFIX=tg-ab:
// DATABASE_URL names a loaded scale-1 benchmark database (default …/truthgraph_bench_s1).
// CACHE_FLOOR=1 (with CACHE=on): each round also times the cache floor (bench/cache-floor.ts) on the
// entry the checkouts hit — the same Redis key, or the body without REDIS_URL — so hits are compared
// with it in the same minutes. SQL_FLOOR=1 (uncached): each round also times the SQL floor (bench/floor.ts)
// replaying the statements this checkout (the one running this script) sends for the scenario. PROFILE_DIR=<dir>: each checkout
// runs under node --cpu-prof there (the floor in <dir>/floor).
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { createApiKey } from '../src/auth/api-keys.js';
import { createPostgresDb, defaultPoolOptions } from '../src/db/client.js';
import { shapeForScale } from '../src/db/seed-data.js';
import type { CacheFloorEntry } from './cache-floor.js';
import { CpuMeter } from './cpu.js';
import { captureFloorPlans } from './floor-capture.js';
import { redisKeyOf } from './floor-runs.js';
import { measure, type LoadResult } from './measure.js';
import { readScenarios, targetsFor } from './scenarios.js';
import { startCheckout, startServer } from './server-process.js';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/truthgraph_bench_s1';
const dbName = new URL(url).pathname.slice(1);
const dirs = (process.argv[2] ?? '').split(',').filter(Boolean).map((d) => resolve(d));
if (dirs.length < 2) throw new Error('usage: npx tsx bench/ab-checkouts.ts <dirA>,<dirB> [scenario] [concurrency] [KEY=VALUE,...]');
const scenario = readScenarios.find((x) => x.key === (process.argv[3] ?? 'video-list'));
if (!scenario) throw new Error(`scenarios: ${readScenarios.map((s) => s.key).join(', ')}`);
const concurrency = Number(process.argv[4] ?? 32);
const extraEnv = Object.fromEntries(
  (process.argv[5] ?? '').split(',').filter(Boolean).map((kv) => {
    const eq = kv.indexOf('=');
    if (eq < 1) throw new Error(`expected KEY=VALUE, got ${kv}`);
    return [kv.slice(0, eq), kv.slice(eq + 1)];
  }),
);
const rounds = Number(process.env.ROUNDS ?? 2);
const durationS = Number(process.env.DURATION_S ?? 8);
const withFloor = process.env.CACHE_FLOOR === '1' && extraEnv.CACHE === 'on';
const withSqlFloor = process.env.SQL_FLOOR === '1';
if (withSqlFloor && extraEnv.CACHE === 'on') throw new Error('SQL_FLOOR=1 compares uncached reads: leave CACHE off (CACHE_FLOOR=1 is the floor of hits)');
const profileDir = process.env.PROFILE_DIR ? resolve(process.env.PROFILE_DIR) : undefined;

const db = createPostgresDb(url, { ...defaultPoolOptions, max: 1 });
const { secret } = await createApiKey(db, { name: `ab-${Date.now()}`, role: 'admin' });
await db.close();
const op = scenario.op(targetsFor(shapeForScale(1, 1)));
const body = JSON.stringify(op);
const headers = { authorization: `Bearer ${secret}` };

const line = (name: string, r: LoadResult) =>
  console.log(
    `${name.padEnd(28)} ${scenario.key} c=${concurrency}: p50 ${r.p50.toFixed(3)} ms, ${r.rps.toFixed(0)} req/s, CPU per request Node ${r.cpu?.nodeMs.toFixed(3)} ms, ` +
      `PostgreSQL ${r.cpu?.postgresMs?.toFixed(3)} ms, ${r.non2xx} non-2xx` +
      (r.cache ? `, x-cache HIT ${r.cache.hit} MISS ${r.cache.miss} BYPASS ${r.cache.bypass}` : '') +
      `, load ${os.loadavg()[0].toFixed(1)}`,
  );

/** The floor's entry: the Redis key holding the bytes the checkout just answered (or the bytes). */
async function floorEntry(port: number): Promise<CacheFloorEntry | null> {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', body, headers: { ...headers, 'content-type': 'application/json' } });
  const text = await res.text();
  if (res.headers.get('x-cache') !== 'HIT') return null;
  const stored = Buffer.from(text.endsWith('\n') ? text.slice(0, -1) : text);
  if (!extraEnv.REDIS_URL) return { scenario: scenario!.key, body: stored.toString() };
  const redis = new Redis(extraEnv.REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const redisKey = await redisKeyOf(redis, extraEnv.REDIS_KEY_PREFIX ?? 'truthgraph:', stored);
    return redisKey ? { scenario: scenario!.key, redisKey } : null;
  } finally {
    redis.disconnect();
  }
}

/** The SQL floor's plans file: the statements this checkout's app sends for the scenario. */
async function sqlFloorPlans(): Promise<string> {
  const plans = await captureFloorPlans(url, [{ key: scenario!.key, body }], headers);
  const file = join(mkdtempSync(join(os.tmpdir(), 'ab-sql-floor-')), 'plans.json');
  writeFileSync(file, JSON.stringify(plans));
  return file;
}

let floor: CacheFloorEntry | null = null;
const plansFile = withSqlFloor ? await sqlFloorPlans() : null;
for (let round = 0; round < rounds; round++) {
  for (const dir of dirs) {
    const flags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    const server = await startCheckout(dir, url, extraEnv, flags);
    const port = server.port;
    const cpu = new CpuMeter(server.pid, url, dbName);
    try {
      const r = await measure({ url: `http://127.0.0.1:${port}/graphql`, requests: [{ body, headers }], concurrency, durationS, warmupS: 3, cpu });
      line(dir, r);
      if (withFloor && !floor) floor = await floorEntry(port);
    } finally {
      await cpu.close();
      await server.stop();
    }
  }
  if (withFloor) {
    if (!floor) throw new Error('cache floor: the checkout did not answer a HIT whose bytes are in Redis');
    const file = join(mkdtempSync(join(os.tmpdir(), 'ab-floor-')), 'entries.json');
    writeFileSync(file, JSON.stringify([floor]));
    await timeFloor('cache floor', 'bench/cache-floor.ts', '/cache-floor', { CACHE_FLOOR_ENTRIES: file, ...(extraEnv.REDIS_URL ? { REDIS_URL: extraEnv.REDIS_URL } : {}) });
  }
  if (plansFile) await timeFloor('SQL floor', 'bench/floor.ts', '/floor', { DATABASE_URL: url, FLOOR_PLANS: plansFile });
}

/** One window of a floor server on this scenario (its path is `<path>/<scenario>`). */
async function timeFloor(name: string, script: string, path: string, env: Record<string, string>) {
  const server = await startServer({ name, script, env, path, nodeFlags: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}/floor`] : [] });
  const cpu = new CpuMeter(server.pid, url, dbName);
  try {
    const r = await measure({ url: `${new URL(server.url).origin}${path}/${scenario!.key}`, requests: [{ body, headers }], concurrency, durationS, warmupS: 3, cpu });
    line(name, r);
  } finally {
    await cpu.close();
    await server.stop();
  }
}
