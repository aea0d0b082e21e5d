// truthgraph (uncached) at c=32 through the rounds' order of read scenarios, a fresh server per round and V8
// flag set (added after the start script's, alternating order): req/s, Node CPU per request and the young
// generation's size after each scenario (docs/benchmarks.md, "The young generation's size, in the rounds' order").
// Usage: DATABASE_URL=…/truthgraph_bench_s1 npx tsx bench/sequence-flags.ts '<flags A>|<flags B>' [--rounds 3] [--scenarios video-list,…]
import { parseArgs } from 'node:util';
import { CpuMeter } from './cpu.js';
import { measure } from './measure.js';
import { scenarioBody } from './scenario-request.js';
import { stopAll } from './server-process.js';
import { settler } from './settle.js';
import { startTruthgraph } from './truthgraph-process.js';

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '3' },
    scenarios: { type: 'string', default: 'video-list,ground-truth-10k,detections-500,dashboard,nested' },
  },
});
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/truthgraph_bench_s1';
const dbName = new URL(url).pathname.slice(1);
const flagSets = (positionals[0] ?? '').split('|');
const scenarios = opt.scenarios.split(',').map((k) => ({ key: k, body: scenarioBody(k).body }));

/** V8's young generation now, in MB (prom-client's nodejs heap-space gauge on the metrics endpoint). */
async function newSpaceMb(origin: string, headers: Record<string, string>): Promise<number> {
  const res = await fetch(`${origin}/metrics`, { headers });
  const m = /heap_space_size_total_bytes\{space="new"\} (\d+)/.exec(await res.text());
  if (!res.ok || !m) throw new Error(`/metrics: HTTP ${res.status}, ${m ? '' : 'no '}new-space gauge`);
  return Number(m[1]) / 2 ** 20;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopAll().finally(() => process.exit(130)));

interface Row {
  flags: string;
  scenario: string;
  rps: number[];
  nodeUs: number[];
  newMb: number[];
}
/** By flag set, then position in the sequence (a scenario may appear twice). */
const results = new Map<string, Row[]>();
for (let round = 0; round < Number(opt.rounds); round++) {
  for (const flags of round % 2 ? [...flagSets].reverse() : flagSets) {
    const { server, headers } = await startTruthgraph({ databaseUrl: url, cached: false, nodeFlags: flags.split(' ').filter(Boolean) });
    let cpu: CpuMeter | undefined;
    try {
      cpu = new CpuMeter(server.pid, url, dbName);
      if (!results.has(flags)) results.set(flags, scenarios.map((s, i) => ({ flags: flags || '(start script)', scenario: `${i + 1}. ${s.key}`, rps: [], nodeUs: [], newMb: [] })));
      for (const [i, s] of scenarios.entries()) {
        const m = await measure({ url: server.url, requests: [{ body: s.body, headers }], concurrency: 32, durationS: 10, warmupS: 3, settle: settler(server.url, url, dbName), cpu });
        const nodeUs = (m.cpu?.nodeMs ?? NaN) * 1000;
        const newMb = await newSpaceMb(new URL(server.url).origin, headers);
        const row = results.get(flags)![i];
        row.rps.push(m.rps);
        row.nodeUs.push(nodeUs);
        row.newMb.push(newMb);
        console.error(`round ${round + 1} [${flags}] ${s.key}: ${m.rps.toFixed(0)} req/s, Node ${nodeUs.toFixed(0)} µs/request, new space ${newMb.toFixed(1)} MB`);
      }
    } finally {
      await cpu?.close();
      await server.stop();
    }
  }
}

const list = (xs: number[], digits = 0) => xs.map((x) => x.toFixed(digits)).join(', ');
console.log('| flags | scenario | req/s c=32 (rounds) | Node µs per request | new space after, MB |\n|---|---|---|---|---|');
for (const row of [...results.values()].flat()) console.log(`| ${row.flags} | ${row.scenario} | ${list(row.rps)} | ${list(row.nodeUs)} | ${list(row.newMb, 1)} |`);
