// Which threads of a server spend its CPU, truthgraph against its floor: each side is driven at one
// concurrency for a warm-up, then every thread's CPU (/proc/<pid>/task/*/stat) is read before and after a
// measured window and printed in µs per request by thread name (V8's workers, libuv's pool, the main
// thread). The benchmark's CPU per request is the whole process's; perf-pair.ts profiles the main thread
// alone — this shows what lies between the two.
// Usage: DATABASE_URL=…/truthgraph_bench_s1 [REDIS_URL=redis://127.0.0.1:6379/15] npx tsx bench/thread-cpu.ts [scenario=dashboard] [--cached] [--concurrency 1] [--seconds 8] [--warmup 10] [--before <scenario>]
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { statCpuMs } from './cpu.js';
import { floorBeside } from './floor-start.js';
import { measure } from './measure.js';
import { scenarioBody, scenarioRequest } from './scenario-request.js';
import { settler } from './settle.js';
import { repoRoot, startCheckout, startServer } from './server-process.js';
import { removePrefix } from './throwaway-redis.js';

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    cached: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '10' },
    before: { type: 'string' },
  },
});
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/truthgraph_bench_s1';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/15';
const concurrency = Number(opt.concurrency);
const seconds = Number(opt.seconds);
const warmupS = Number(opt.warmup);
// The first reading is taken when the warm-up settles: without one there is none.
if (!(warmupS > 0)) throw new Error('--warmup must be above 0');
const prefix = `thread-cpu-${Date.now()}:`;

const request = await scenarioRequest(url, positionals[0] ?? 'dashboard', 'thread-cpu');
const { scenario, body, headers } = request;
// --before <scenario>: each server answers that scenario first (c=32 for 10 s, then until it has settled),
// as in the benchmark's rounds, where the scenarios before this one ran on the same processes; the
// measured scenario's warm-up (--warmup) follows.
if (opt.before && opt.cached) throw new Error('--before: uncached only (the cache floor holds one entry)');
const preload = opt.before ? { ...scenarioBody(opt.before), headers } : null;
const dbName = new URL(url).pathname.slice(1);
const dir = mkdtempSync(join(os.tmpdir(), 'thread-cpu-'));

/** CPU ms per thread name (threads of one name summed), user and system apart. */
function threads(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    // A thread that ended between the listing and the reads is left out.
    const cpu = statCpuMs(`/proc/${pid}/task/${tid}/stat`);
    if (cpu === null) continue;
    let name: string;
    try {
      name = tid === String(pid) ? 'main thread' : readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    for (const [mode, ms] of [['user', cpu.userMs], ['system', cpu.systemMs]] as const) {
      const key = `${name} (${mode})`;
      out.set(key, (out.get(key) ?? 0) + ms);
    }
  }
  return out;
}

async function window(pid: number, target: string, auth: Record<string, string>, beforeTarget = target): Promise<{ perRequest: Map<string, number>; rps: number; p50: number }> {
  if (preload) await measure({ url: beforeTarget, requests: [{ body: preload.body, headers: auth }], concurrency: 32, durationS: 10, warmupS: 0, settle: settler(beforeTarget, url, dbName) });
  // measure() settles after its warm-up and again after the measured window: the two readings.
  const readings: Map<string, number>[] = [];
  const r = await measure({ url: target, requests: [{ body, headers: auth }], concurrency, durationS: seconds, warmupS, settle: async () => void readings.push(threads(pid)) });
  const [before, after] = readings;
  const requests = r.requests;
  const perRequest = new Map<string, number>();
  for (const [name, ms] of after) perRequest.set(name, ((ms - (before.get(name) ?? 0)) * 1000) / requests);
  return { perRequest, rps: r.rps, p50: r.p50 };
}

let ours: Awaited<ReturnType<typeof window>>;
let theirs: Awaited<ReturnType<typeof window>>;
try {
  const env: Record<string, string> = opt.cached ? { CACHE: 'on', REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix } : {};
  const server = await startCheckout(repoRoot, url, env);
  const graphql = `http://127.0.0.1:${server.port}/graphql`;
  let floorStart: Parameters<typeof startServer>[0];
  try {
    ours = await window(server.pid, graphql, headers);
    floorStart = await floorBeside({ cached: opt.cached, graphql, databaseUrl: url, redisUrl, prefix, request, dir, also: preload ? [preload] : [] });
  } finally {
    await server.stop();
  }
  const floor = await startServer(floorStart);
  try {
    const origin = `${new URL(floor.url).origin}${floorStart.path}`;
    theirs = await window(floor.pid, `${origin}/${scenario.key}`, {}, preload ? `${origin}/${preload.scenario.key}` : undefined);
  } finally {
    await floor.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (opt.cached) await removePrefix(redisUrl, prefix);
}

const f = (x: number | undefined) => (x ?? 0).toFixed(1);
const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
console.log(`${scenario.key}, ${opt.cached ? 'hits against the cache floor' : 'uncached against the SQL floor'}, c=${concurrency}, ${seconds} s after ${warmupS} s`);
console.log(`truthgraph ${ours.rps.toFixed(0)} req/s p50 ${ours.p50.toFixed(3)} ms · floor ${theirs.rps.toFixed(0)} req/s p50 ${theirs.p50.toFixed(3)} ms`);
console.log('| thread | truthgraph µs/request | floor µs/request |\n|---|---|---|');
const names = [...new Set([...ours.perRequest.keys(), ...theirs.perRequest.keys()])].sort((a, b) => (ours.perRequest.get(b) ?? 0) - (ours.perRequest.get(a) ?? 0));
for (const n of names) console.log(`| ${n} | ${f(ours.perRequest.get(n))} | ${f(theirs.perRequest.get(n))} |`);
console.log(`| all | ${f(sum(ours.perRequest))} | ${f(sum(theirs.perRequest))} |`);
