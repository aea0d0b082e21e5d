// Where a request's extra CPU goes, against its floor: truthgraph and the scenario's floor, each under
// `perf record` (the node binary carries its symbols; --perf-basic-prof names JIT code) while driven at
// one concurrency, then every sample of the main thread charged to the module of its innermost JavaScript
// frame (builtins, natives and the kernel below it go with it) and reported in µs of CPU per request.
// Uncached: the SQL floor replaying the statements this checkout sends (bench/floor.ts); --cached: the
// cache floor reading the entry the server's hit reads (bench/cache-floor.ts; Redis at REDIS_URL).
// Usage: DATABASE_URL=…/truthgraph_bench_s1 [REDIS_URL=redis://127.0.0.1:6379/15] npx tsx bench/perf-pair.ts [scenario=dashboard] [--cached] [--concurrency 1] [--seconds 5] [--warmup 10] [--top 30]
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { createApiKey } from '../src/auth/api-keys.js';
import { createPostgresDb, defaultPoolOptions } from '../src/db/client.js';
import { shapeForScale } from '../src/db/seed-data.js';
import { captureFloorPlans } from './floor-capture.js';
import { measure } from './measure.js';
import { readScenarios, targetsFor } from './scenarios.js';
import { startCheckout, startServer } from './server-process.js';

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: { cached: { type: 'boolean', default: false }, concurrency: { type: 'string', default: '1' }, seconds: { type: 'string', default: '5' }, top: { type: 'string', default: '30' }, warmup: { type: 'string', default: '10' } },
});
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/truthgraph_bench_s1';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/15';
const scenario = readScenarios.find((x) => x.key === (positionals[0] ?? 'dashboard'));
if (!scenario) throw new Error(`scenarios: ${readScenarios.map((s) => s.key).join(', ')}`);
const concurrency = Number(opt.concurrency);
const seconds = Number(opt.seconds);
// A fresh server is still compiling for its first ~8 s (V8's background compile threads busy, its code
// not yet optimized): the window starts after that, so it sees the steady state.
const warmupS = Number(opt.warmup);
const hz = 4999;
const prefix = `perf-pair-${Date.now()}:`;

const db = createPostgresDb(url, { ...defaultPoolOptions, max: 1 });
const { secret } = await createApiKey(db, { name: `perf-pair-${Date.now()}`, role: 'admin' });
await db.close();
const body = JSON.stringify(scenario.op(targetsFor(shapeForScale(1, 1))));
const headers = { authorization: `Bearer ${secret}` };
const dir = mkdtempSync(join(os.tmpdir(), 'perf-pair-'));

/** Drives `target` for `seconds` (after a warm-up) with `perf record` on `pid` inside the window. */
async function recorded(name: string, pid: number, target: string): Promise<Map<string, number>> {
  const data = join(dir, `${name}.data`);
  const perf = new Promise<void>((resolve, reject) => {
    setTimeout(() => {
      const p = spawn('perf', ['record', '-q', '-e', 'cpu-clock', '-F', String(hz), '-g', '-p', String(pid), '-o', data, '--', 'sleep', String(seconds)], { stdio: 'ignore' });
      p.on('error', reject).on('exit', () => resolve());
    }, (warmupS + 0.5) * 1000);
  });
  const r = await measure({ url: target, requests: [{ body, headers }], concurrency, durationS: seconds + 1, warmupS });
  await perf;
  latestCodeOnly(`/tmp/perf-${pid}.map`);
  const script = execFileSync('perf', ['script', '-i', data, '-F', 'tid,ip,sym'], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  const byModule = modules(script);
  const perRequestUs = 1e6 / hz / (r.rps * seconds);
  for (const [k, v] of byModule) byModule.set(k, v * perRequestUs);
  console.error(`${name}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(3)} ms`);
  return byModule;
}

/**
 * V8 reuses the addresses of code it dropped, and --perf-basic-prof appends every new code object to
 * the map: an address then has several names, and `perf script` may pick a stale one (start-up code
 * for a hot function). Keeps, where entries overlap, the one written last.
 */
function latestCodeOnly(file: string): void {
  if (!existsSync(file)) return;
  const entries = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line, order) => {
      const [start, size] = line.split(' ', 2);
      return { start: parseInt(start, 16), end: parseInt(start, 16) + parseInt(size, 16), order, line };
    })
    .sort((a, b) => a.start - b.start || a.order - b.order);
  const kept: typeof entries = [];
  for (const e of entries) {
    while (kept.length > 0 && kept[kept.length - 1].end > e.start) {
      if (kept[kept.length - 1].order > e.order) break;
      kept.pop();
    }
    if (kept.length > 0 && kept[kept.length - 1].end > e.start) continue;
    kept.push(e);
  }
  writeFileSync(file, kept.map((e) => e.line).join('\n') + '\n');
}

/** Samples of the busiest thread by the module of their innermost JavaScript frame. */
function modules(script: string): Map<string, number> {
  const samples: { tid: string; frames: string[] }[] = [];
  for (const block of script.split('\n\n')) {
    const lines = block.split('\n').filter((l) => l.trim());
    if (lines.length < 2) continue;
    samples.push({ tid: lines[0].trim().split(/\s+/)[0], frames: lines.slice(1).map((l) => l.trim().replace(/^\S+\s+/, '')) });
  }
  const threads = new Map<string, number>();
  for (const s of samples) threads.set(s.tid, (threads.get(s.tid) ?? 0) + 1);
  const main = [...threads].sort((a, b) => b[1] - a[1])[0]?.[0];
  const out = new Map<string, number>();
  for (const s of samples) {
    if (s.tid !== main) continue;
    const js = s.frames.find((f) => f.startsWith('JS:'));
    const m = js && /(src\/[\w/.-]+|bench\/[\w.-]+|node_modules\/(?:@[\w.-]+\/)?[\w.-]+|node:[\w/]+)/.exec(js);
    const key = js ? (m ? m[1] : 'other JavaScript') : '(no JavaScript frame: event loop, kernel)';
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

const env: Record<string, string> = opt.cached ? { CACHE: 'on', REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix } : {};
const server = await startCheckout('.', url, env, ['--perf-basic-prof']);
const graphql = `http://127.0.0.1:${server.port}/graphql`;
let ours: Map<string, number>;
let floorEnv: Record<string, string>;
let floorScript: string;
let floorPath: string;
try {
  ours = await recorded('truthgraph', server.pid, graphql);
  if (opt.cached) {
    // The entry the hits read: the key whose bytes are the answer (without the newline Apollo adds).
    const text = await (await fetch(graphql, { method: 'POST', body, headers: { ...headers, 'content-type': 'application/json' } })).text();
    const stored = Buffer.from(text.endsWith('\n') ? text.slice(0, -1) : text);
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    let redisKey: string | undefined;
    for (const key of await redis.keys(`${prefix}rc:e:*`)) if ((await redis.getBuffer(key))?.equals(stored)) redisKey = key;
    redis.disconnect();
    if (!redisKey) throw new Error('no stored entry holds the answer: is the scenario cached?');
    const entries = join(dir, 'entries.json');
    writeFileSync(entries, JSON.stringify([{ scenario: scenario.key, redisKey }]));
    [floorScript, floorPath, floorEnv] = ['bench/cache-floor.ts', '/cache-floor', { CACHE_FLOOR_ENTRIES: entries, REDIS_URL: redisUrl }];
  }
} finally {
  await server.stop();
}
if (!opt.cached) {
  const plans = join(dir, 'plans.json');
  writeFileSync(plans, JSON.stringify(await captureFloorPlans(url, [{ key: scenario.key, body }], headers)));
  [floorScript, floorPath, floorEnv] = ['bench/floor.ts', '/floor', { DATABASE_URL: url, FLOOR_PLANS: plans }];
}
const floor = await startServer({ name: 'floor', script: floorScript!, env: floorEnv!, path: floorPath!, nodeFlags: ['--perf-basic-prof'] });
let theirs: Map<string, number>;
try {
  theirs = await recorded('floor', floor.pid, `${new URL(floor.url).origin}${floorPath!}/${scenario.key}`);
} finally {
  await floor.stop();
}

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
const keys = [...new Set([...ours.keys(), ...theirs.keys()])].sort((a, b) => (ours.get(b) ?? 0) + (theirs.get(b) ?? 0) - (ours.get(a) ?? 0) - (theirs.get(a) ?? 0));
console.log(`${scenario.key}, ${opt.cached ? 'hits against the cache floor' : 'uncached against the SQL floor'}, c=${concurrency}: µs of CPU per request on the main thread`);
console.log('| module of the innermost JavaScript frame | truthgraph | floor | difference |\n|---|---|---|---|');
const f = (x: number | undefined) => (x ?? 0).toFixed(1);
for (const k of keys.slice(0, Number(opt.top))) console.log(`| ${k} | ${f(ours.get(k))} | ${f(theirs.get(k))} | ${f((ours.get(k) ?? 0) - (theirs.get(k) ?? 0))} |`);
console.log(`| all | ${f(sum(ours))} | ${f(sum(theirs))} | ${f(sum(ours) - sum(theirs))} |`);
