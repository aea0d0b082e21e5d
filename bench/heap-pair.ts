// What a request allocates, truthgraph against its SQL floor: each side runs with bench/heap-sampler.cjs
// preloaded, is driven at one concurrency for a warm-up window, then V8's sampling heap profiler (every
// ~256 bytes, freed objects included) runs over a measured window. Prints kB allocated per request and
// the sites that allocate the most (in bytes; kB are 1,000 bytes, as in gc-pair.ts): the allocating
// function, with --stack N the N frames above it.
// Both sides get the same request, headers included. More allocation per request is more work for the
// collector and a larger working set, a likely reason why node's own code runs slower per request in
// truthgraph than in the floor (docs/benchmarks.md). With --cached only truthgraph runs (its hits, Redis
// at REDIS_URL).
// Usage: DATABASE_URL=…/truthgraph_bench_s1 npx tsx bench/heap-pair.ts [scenario=dashboard] [--concurrency 32]
//   [--seconds 5] [--warmup 8] [--top 25] [--stack 0] [--cached]
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { captureFloorPlans } from './floor-capture.js';
import { measure } from './measure.js';
import { scenarioRequest } from './scenario-request.js';
import { repoRoot, startCheckout, startServer } from './server-process.js';
import { removePrefix } from './throwaway-redis.js';

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    concurrency: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '8' },
    top: { type: 'string', default: '25' },
    stack: { type: 'string', default: '0' },
    cached: { type: 'boolean', default: false },
  },
});
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/truthgraph_bench_s1';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/15';
const concurrency = Number(opt.concurrency);
const seconds = Number(opt.seconds);
const sampler = ['--require', join(repoRoot, 'bench/heap-sampler.cjs')];
const prefix = `heap-pair-${Date.now()}:`;

const { scenario, body, headers } = await scenarioRequest(url, positionals[0] ?? 'dashboard', 'heap-pair');
const dir = mkdtempSync(join(os.tmpdir(), 'heap-pair-'));

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

/** Bytes allocated per request, by allocation site, over the measured window of `pid` serving `target`. */
async function sample(pid: number, target: string, auth: Record<string, string>, out: string): Promise<{ rps: number; sites: Map<string, number> }> {
  const drive = (durationS: number) => measure({ url: target, requests: [{ body, headers: auth }], concurrency, durationS, warmupS: 0 });
  await drive(Number(opt.warmup));
  process.kill(pid, 'SIGUSR2');
  const r = await drive(seconds);
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 100 && !existsSync(out); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  if (!existsSync(out)) throw new Error(`no heap profile from process ${pid} after 10 s`);
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${target}: ${r.non2xx} answers not 2xx, ${r.errors} errors`);
  const profile = JSON.parse(readFileSync(out, 'utf8')) as { head: ProfileNode; error?: string };
  if (profile.error) throw new Error(profile.error);
  const requests = r.requests;
  const sites = new Map<string, number>();
  const depth = Number(opt.stack);
  const walk = (node: ProfileNode, stack: string[]) => {
    const { functionName, url: file, lineNumber } = node.callFrame;
    const frame = `${functionName || '(anonymous)'} ${file.replace(/^.*?\/(?=(src|bench|node_modules)\/)/, '')}:${lineNumber + 1}`;
    const path = [...stack, frame];
    if (node.selfSize > 0) {
      const key = path.slice(-1 - depth).reverse().join(' < ');
      sites.set(key, (sites.get(key) ?? 0) + node.selfSize / requests);
    }
    for (const child of node.children) walk(child, path);
  };
  walk(profile.head, []);
  return { rps: r.rps, sites };
}

const sides: { name: string; rps: number; sites: Map<string, number> }[] = [];
try {
  const out = join(dir, 'truthgraph.json');
  const env: Record<string, string> = opt.cached ? { CACHE: 'on', REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix } : {};
  const server = await startCheckout(repoRoot, url, Object.assign({ HEAP_PROFILE_OUT: out }, env), sampler);
  try {
    sides.push({ name: 'truthgraph', ...(await sample(server.pid, `http://127.0.0.1:${server.port}/graphql`, headers, out)) });
  } finally {
    await server.stop();
  }
  if (!opt.cached) {
    const plans = join(dir, 'plans.json');
    writeFileSync(plans, JSON.stringify(await captureFloorPlans(url, [{ key: scenario.key, body }], headers)));
    const floorOut = join(dir, 'floor.json');
    const floor = await startServer({ name: 'floor', script: 'bench/floor.ts', env: { DATABASE_URL: url, FLOOR_PLANS: plans, HEAP_PROFILE_OUT: floorOut }, path: '/floor', nodeFlags: sampler });
    try {
      sides.push({ name: 'SQL floor', ...(await sample(floor.pid, `${new URL(floor.url).origin}/floor/${scenario.key}`, headers, floorOut)) });
    } finally {
      await floor.stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (opt.cached) await removePrefix(redisUrl, prefix);
}

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
console.log(`${scenario.key}, ${opt.cached ? 'hits' : 'uncached'}, c=${concurrency}: bytes allocated per request (sampled)`);
for (const side of sides) {
  console.log(`\n${side.name}: ${side.rps.toFixed(0)} req/s, ${(total(side.sites) / 1000).toFixed(1)} kB per request`);
  for (const [site, bytes] of [...side.sites].sort((a, b) => b[1] - a[1]).slice(0, Number(opt.top))) console.log(`${bytes.toFixed(0).padStart(7)} B  ${site}`);
}
