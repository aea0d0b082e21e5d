// Does answering other operations first make a scenario cost truthgraph more? Fresh uncached servers in
// pairs, one after the other (which side starts a pair alternates): one measured alone, the other after
// it has answered other scenarios first (each at c=32 for 6 s and settled, or with --brief at c=1 for
// 1 s). Each server is then driven at c=32 for three windows (8 s of warm-up before the first, 1 s before
// the others); prints requests/s and the main thread's CPU per request of each window, and the median
// window of each process.
// In the benchmark's rounds every scenario runs on each server before the timed windows, so the later
// state is the one truthgraph is timed in (docs/benchmarks.md, "What answering other operations first does").
// Usage: DATABASE_URL=…/truthgraph_bench_s1 npx tsx bench/after-others.ts [scenario=dashboard] [--before video-list,ground-truth-10k,detections-500] [--brief] [--pairs 4] [--checkout <dir>]
import { parseArgs } from 'node:util';
import { statCpuMs } from './cpu.js';
import { measure, median } from './measure.js';
import { scenarioBody, scenarioRequest } from './scenario-request.js';
import { repoRoot, startCheckout } from './server-process.js';
import { settler } from './settle.js';

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    before: { type: 'string', default: 'video-list,ground-truth-10k,detections-500' },
    brief: { type: 'boolean', default: false },
    pairs: { type: 'string', default: '4' },
    checkout: { type: 'string', default: repoRoot },
  },
});
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/truthgraph_bench_s1';
const dbName = new URL(url).pathname.slice(1);
const { scenario, body, headers } = await scenarioRequest(url, positionals[0] ?? 'dashboard', 'after-others');
const before = opt.before.split(',').map((k) => ({ key: k, body: scenarioBody(k).body }));

const perProcess: Record<'alone' | 'after', number[]> = { alone: [], after: [] };
for (let i = 0; i < 2 * Number(opt.pairs); i++) {
  // alone, after · after, alone · …: a drift of the machine's speed does not favour one side.
  const side = (i + (i >> 1)) % 2 === 0 ? 'alone' : 'after';
  const server = await startCheckout(opt.checkout, url);
  const target = `http://127.0.0.1:${server.port}/graphql`;
  try {
    if (side === 'after') {
      for (const b of before) {
        const load = opt.brief ? { concurrency: 1, durationS: 1 } : { concurrency: 32, durationS: 6 };
        await measure({ url: target, requests: [{ body: b.body, headers }], ...load, warmupS: 0, settle: settler(target, url, dbName) });
      }
    }
    const windows: string[] = [];
    const cpu: number[] = [];
    for (let w = 0; w < 3; w++) {
      // measure() settles after its warm-up and after the window; the main thread is read once each has settled.
      const settle = settler(target, url, dbName);
      const readings: { userMs: number; systemMs: number }[] = [];
      const r = await measure({
        url: target,
        requests: [{ body, headers }],
        concurrency: 32,
        durationS: 5,
        warmupS: w === 0 ? 8 : 1,
        settle: async () => {
          await settle();
          readings.push(statCpuMs(`/proc/${server.pid}/task/${server.pid}/stat`)!);
        },
      });
      if (readings.length !== 2) throw new Error(`expected two readings of the main thread, got ${readings.length}`);
      if (r.requests === 0 || r.non2xx > 0 || r.errors > 0) throw new Error(`window ${w + 1}: ${r.requests} answers, ${r.non2xx} not 2xx, ${r.errors} errors`);
      const [a, b] = readings;
      const us = ((b.userMs + b.systemMs - a.userMs - a.systemMs) * 1000) / r.requests;
      cpu.push(us);
      windows.push(`${r.rps.toFixed(0)} req/s ${us.toFixed(0)} µs`);
    }
    perProcess[side].push(median(cpu));
    console.log(`${side === 'alone' ? 'alone' : `after ${opt.before}${opt.brief ? ' (brief)' : ''}`}: ${windows.join(' · ')}`);
  } finally {
    await server.stop();
  }
}
const list = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
console.log(`\n${scenario.key}, c=32, main-thread CPU per request, each process's median window (µs):`);
console.log(`alone: ${list(perProcess.alone)} (median ${median(perProcess.alone).toFixed(0)})`);
console.log(`after: ${list(perProcess.after)} (median ${median(perProcess.after).toFixed(0)})`);
