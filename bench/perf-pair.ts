// Where a request's extra CPU goes, against its floor: truthgraph and the scenario's floor, one after the
// other, each under `perf record` (the node binary carries its symbols; --perf-basic-prof names JIT code)
// while driven at one concurrency, then the CPU of the main thread charged to the module of each sample's
// innermost JavaScript frame (builtins, natives and the kernel below it go with it), in µs per request.
// Uncached: the SQL floor replaying the statements this checkout sends (bench/floor.ts); --cached: the
// cache floor reading the entry the server's hit reads (bench/cache-floor.ts; Redis at REDIS_URL).
// The two sides run a minute apart on a machine whose speed moves: repeat it and compare runs.
// --split <module,…> charges those modules' samples to their innermost function instead (e.g. --split
// src/cache/redis-store.ts,node:internal/timers).
// --gc charges samples under V8's collector to "GC (main thread)" and node:buffer's to the module that called it.
// --native charges samples without a JavaScript frame to their innermost native function (node's C++, libc,
// the kernel) instead of one line for them all.
// Usage: DATABASE_URL=…/truthgraph_bench_s1 [REDIS_URL=redis://127.0.0.1:6379/15] npx tsx bench/perf-pair.ts [scenario=dashboard] [--cached] [--concurrency 1] [--seconds 5] [--warmup 10] [--top 30] [--split <modules>] [--gc] [--native]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { floorBeside } from './floor-start.js';
import { measure } from './measure.js';
import { scenarioRequest } from './scenario-request.js';
import { repoRoot, startCheckout, startServer } from './server-process.js';
import { removePrefix } from './throwaway-redis.js';

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    cached: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '10' },
    top: { type: 'string', default: '30' },
    split: { type: 'string', default: '' },
    gc: { type: 'boolean', default: false },
    native: { type: 'boolean', default: false },
  },
});
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/truthgraph_bench_s1';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/15';
const concurrency = Number(opt.concurrency);
const seconds = Number(opt.seconds);
// A fresh server compiles for its first seconds (V8's background threads busy, its code not yet
// optimized): the window starts after that, to see the steady state.
const warmupS = Number(opt.warmup);
const split = new Set(opt.split.split(',').filter(Boolean));
const prefix = `perf-pair-${Date.now()}:`;
execFileSync('perf', ['--version'], { stdio: 'ignore' });

const request = await scenarioRequest(url, positionals[0] ?? 'dashboard', 'perf-pair');
const { scenario, body, headers } = request;
const dir = mkdtempSync(join(os.tmpdir(), 'perf-pair-'));

interface Recording {
  data: string;
  pid: number;
  requests: number;
}

/** Drives `target` for `seconds` after the warm-up, with `perf record` on `pid` inside the window. */
async function record(name: string, pid: number, target: string, auth: Record<string, string>): Promise<Recording> {
  const data = join(dir, `${name}.data`);
  let timer: NodeJS.Timeout | undefined;
  const perf = new Promise<void>((resolve, reject) => {
    timer = setTimeout(() => {
      const p = spawn('perf', ['record', '-q', '-e', 'cpu-clock', '-F', '4999', '-g', '-p', String(pid), '-o', data, '--', 'sleep', String(seconds)], { stdio: ['ignore', 'ignore', 'inherit'] });
      p.on('error', reject).on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`perf record exited with ${code}`))));
    }, (warmupS + 0.5) * 1000);
  });
  try {
    const [r] = await Promise.all([measure({ url: target, requests: [{ body, headers: auth }], concurrency, durationS: seconds + 1, warmupS }), perf]);
    console.error(`${name}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(3)} ms`);
    return { data, pid, requests: r.rps * seconds };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * V8 reuses the addresses of code it dropped, and --perf-basic-prof appends every new code object to
 * the map: an address then has several names, and `perf script` may pick a stale one (start-up code for
 * a hot function). An entry that a later-written one overlaps is dead code: it goes, so live code keeps
 * its latest name (code freed and reused within the window is charged to the newer name).
 */
function latestCodeOnly(file: string): void {
  const entries = readFileSync(file, 'utf8')
    .split('\n')
    .map((line, order) => {
      const [start, size] = line.split(' ', 2);
      return { start: parseInt(start, 16), end: parseInt(start, 16) + parseInt(size, 16), order, line };
    })
    .filter((e) => Number.isFinite(e.start) && Number.isFinite(e.end))
    .sort((a, b) => a.start - b.start || a.order - b.order);
  const kept: typeof entries = [];
  for (const e of entries) {
    while (kept.length > 0 && kept[kept.length - 1].end > e.start && kept[kept.length - 1].order < e.order) kept.pop();
    if (kept.length > 0 && kept[kept.length - 1].end > e.start) continue;
    kept.push(e);
  }
  writeFileSync(file, kept.map((e) => e.line).join('\n') + '\n');
}

/** The module a JavaScript frame's code is from (`src/…`, `bench/…`, a package, `node:…`). */
function moduleOf(jsFrame: string): string | undefined {
  return /(src\/[\w/.-]+|bench\/[\w.-]+|node_modules\/(?:@[\w.-]+\/)?[\w.-]+|node:[\w/]+)/.exec(jsFrame)?.[1];
}

/** µs of the main thread's CPU per request, by the module of each sample's innermost JavaScript frame. */
function byModule(rec: Recording): Map<string, number> {
  const map = `/tmp/perf-${rec.pid}.map`;
  if (!existsSync(map)) throw new Error(`${map} is missing: was the server started with --perf-basic-prof?`);
  latestCodeOnly(map);
  // `period` is each sample's CPU time in ns, right even when the kernel lowered the sampling rate.
  const script = execFileSync('perf', ['script', '-i', rec.data, '-F', 'tid,period,ip,sym'], { maxBuffer: 1 << 29, stdio: ['ignore', 'pipe', 'inherit'] }).toString();
  rmSync(map, { force: true });
  const out = new Map<string, number>();
  for (const block of script.split('\n\n')) {
    const lines = block.split('\n').filter((l) => l.trim());
    if (lines.length < 2) continue;
    const [tid, period] = lines[0].trim().split(/\s+/);
    if (tid !== String(rec.pid)) continue;
    // Innermost first: each frame's symbol, without its address.
    const frames = lines.slice(1).map((l) => l.trim().replace(/^\S+\s+/, ''));
    const js = frames.find((f) => f.startsWith('JS:'));
    let module = js
      ? (moduleOf(js) ?? 'other JavaScript')
      : opt.native
        ? `native: ${frames[0]?.replace(/\+0x[0-9a-f]+$/, '').slice(0, 80)}`
        : '(no JavaScript frame found: event loop, kernel, or an unwinding that stopped short)';
    if (opt.gc) {
      // --gc: the collector's work goes to GC, and node:buffer's (string decoding, mostly) to its first caller outside it.
      if (frames.some((f) => /Scaveng|MarkCompact|CollectGarbage|PerformGarbageCollection/.test(f))) module = 'GC (main thread)';
      else if (module === 'node:buffer') {
        const caller = frames.find((f) => f.startsWith('JS:') && !f.includes('node:buffer'));
        module = `node:buffer, called from ${(caller && moduleOf(caller)) ?? 'elsewhere'}`;
      }
    }
    // `JS:*name file:///…/module.ts:1:678`: the function's name and where it starts, without the checkout's path.
    const key = js && split.has(module) ? js.replace(/^JS:\W?/, '').replace(/(file:\/\/)?\/\S*?\/(?=(src|bench|node_modules)\/)/, '') : module;
    out.set(key, (out.get(key) ?? 0) + Number(period) / 1000 / rec.requests);
  }
  return out;
}

let ours: Map<string, number>;
let theirs: Map<string, number>;
try {
  const env: Record<string, string> = opt.cached ? { CACHE: 'on', REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix } : {};
  const server = await startCheckout(repoRoot, url, env, ['--perf-basic-prof']);
  const graphql = `http://127.0.0.1:${server.port}/graphql`;
  let floorStart: Parameters<typeof startServer>[0];
  let recording: Recording;
  try {
    recording = await record('truthgraph', server.pid, graphql, headers);
    floorStart = await floorBeside({ cached: opt.cached, graphql, databaseUrl: url, redisUrl, prefix, request, dir });
  } finally {
    await server.stop();
  }
  ours = byModule(recording);
  const floor = await startServer({ ...floorStart, nodeFlags: ['--perf-basic-prof'] });
  try {
    recording = await record('floor', floor.pid, `${new URL(floor.url).origin}${floorStart.path}/${scenario.key}`, {});
  } finally {
    await floor.stop();
  }
  theirs = byModule(recording);
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (opt.cached) await removePrefix(redisUrl, prefix);
}

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
const keys = [...new Set([...ours.keys(), ...theirs.keys()])].sort((a, b) => (ours.get(b) ?? 0) + (theirs.get(b) ?? 0) - (ours.get(a) ?? 0) - (theirs.get(a) ?? 0));
const top = keys.slice(0, Number(opt.top));
const rest = (m: Map<string, number>) => sum(m) - top.reduce((a, k) => a + (m.get(k) ?? 0), 0);
const f = (x: number | undefined) => (x ?? 0).toFixed(1);
console.log(`${scenario.key}, ${opt.cached ? 'hits against the cache floor' : 'uncached against the SQL floor'}, c=${concurrency}: µs of CPU per request on the main thread`);
console.log('| module of the innermost JavaScript frame | truthgraph | floor | difference |\n|---|---|---|---|');
for (const k of top) console.log(`| ${k} | ${f(ours.get(k))} | ${f(theirs.get(k))} | ${f((ours.get(k) ?? 0) - (theirs.get(k) ?? 0))} |`);
console.log(`| the rest | ${f(rest(ours))} | ${f(rest(theirs))} | ${f(rest(ours) - rest(theirs))} |`);
console.log(`| all | ${f(sum(ours))} | ${f(sum(theirs))} | ${f(sum(ours) - sum(theirs))} |`);
