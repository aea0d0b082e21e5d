// Promises and process.nextTick calls per request, truthgraph against its SQL floor: counts that, unlike
// CPU time, do not move with the machine or the process's draw (docs/benchmarks.md), so a change to the
// request path can be compared by them exactly. With a promise hook installed V8 makes one more promise
// per `await`, so the counts are promises and awaits together. Each side runs with bench/promise-counter.cjs preloaded,
// is driven at c=1 for a warm-up, then over a measured window; prints both counts per request and where
// truthgraph's promises are made (one in five sampled, three frames each, scaled back up).
// Usage: DATABASE_URL=…/truthgraph_bench_s1 npx tsx bench/promise-count.ts [scenario=dashboard] [--seconds 3] [--top 30] [--checkout <dir>]
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { floorBeside } from './floor-start.js';
import { measure } from './measure.js';
import { scenarioRequest } from './scenario-request.js';
import { repoRoot, startCheckout, startServer } from './server-process.js';

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seconds: { type: 'string', default: '3' },
    top: { type: 'string', default: '30' },
    checkout: { type: 'string', default: repoRoot },
  },
});
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/truthgraph_bench_s1';
const seconds = Number(opt.seconds);
const request = await scenarioRequest(url, positionals[0] ?? 'dashboard', 'promise-count');
const { scenario, body, headers } = request;
const dir = mkdtempSync(join(os.tmpdir(), 'promise-count-'));
const counter = ['--require', join(repoRoot, 'bench/promise-counter.cjs')];

interface Counts {
  promises: number;
  ticks: number;
  sites: [string, number][];
}

async function read(pid: number, file: string): Promise<Counts> {
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; !existsSync(file); i++) {
    if (i > 100) throw new Error(`no counts from ${pid}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return JSON.parse(readFileSync(file, 'utf8')) as Counts;
}

/** Counts per request over a measured window after a warm-up of the same length. */
async function count(pid: number, target: string, auth: Record<string, string>, file: string) {
  const requests = [{ body, headers: auth }];
  await measure({ url: target, requests, concurrency: 1, durationS: seconds, warmupS: 0 });
  const before = await read(pid, file);
  const r = await measure({ url: target, requests, concurrency: 1, durationS: seconds, warmupS: 0 });
  const after = await read(pid, file);
  if (r.requests === 0 || r.non2xx > 0 || r.errors > 0) throw new Error(`${r.requests} answers, ${r.non2xx} not 2xx, ${r.errors} errors`);
  return { promises: (after.promises - before.promises) / r.requests, ticks: (after.ticks - before.ticks) / r.requests, sites: after.sites.map(([s, n]) => [s, n / r.requests] as const) };
}

let ours: Awaited<ReturnType<typeof count>>;
let theirs: Awaited<ReturnType<typeof count>>;
try {
  const ourFile = join(dir, 'truthgraph.json');
  const server = await startCheckout(opt.checkout, url, { PROMISE_COUNT_OUT: ourFile }, counter);
  const graphql = `http://127.0.0.1:${server.port}/graphql`;
  let floorStart: Parameters<typeof startServer>[0];
  try {
    ours = await count(server.pid, graphql, headers, ourFile);
    floorStart = await floorBeside({ cached: false, graphql, databaseUrl: url, redisUrl: '', prefix: '', request, dir });
  } finally {
    await server.stop();
  }
  const floorFile = join(dir, 'floor.json');
  const floor = await startServer({ ...floorStart, env: { ...floorStart.env, PROMISE_COUNT_OUT: floorFile }, nodeFlags: counter });
  try {
    theirs = await count(floor.pid, `${new URL(floor.url).origin}${floorStart.path}/${scenario.key}`, {}, floorFile);
  } finally {
    await floor.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(`${scenario.key}, uncached, c=1, per request: truthgraph ${ours.promises.toFixed(1)} promises, ${ours.ticks.toFixed(1)} nextTicks · floor ${theirs.promises.toFixed(1)} promises, ${theirs.ticks.toFixed(1)} nextTicks`);
console.log('\n| truthgraph: promises per request | made at (innermost first) |\n|---|---|');
for (const [site, n] of [...ours.sites].sort((a, b) => b[1] - a[1]).slice(0, Number(opt.top))) console.log(`| ${n.toFixed(2)} | ${site.replaceAll('|', '\\|')} |`);
