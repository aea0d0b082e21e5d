// What V8's collector does per request, truthgraph against its SQL floor: each side runs with
// --trace-gc-nvp (and the flags of npm start), is driven at one concurrency for a warm-up window and
// measured windows, and the collector's lines of each measured window are summed per request:
// scavenges' pauses, mark-compacts' pauses, bytes allocated and bytes promoted to the old generation,
// beside the CPU of the process's main thread and of its other threads (V8's workers: parallel
// scavenges, concurrent marking and sweeping, TurboFan's compilations; libuv's pool). A floor promotes
// what outlives two scavenges (rows waiting for their wave); more than that in truthgraph is data kept
// past its request, or kept by the collector itself (docs/benchmarks.md).
// Processes differ: run it more than once (--runs) before reading one figure. --windows N prints N
// windows in a row after the warm-up (--warmup 0: from the first request). --node-flags adds V8 flags
// to both sides (e.g. --node-flags=--no-turbofan: every process then stays in the state a fresh one
// starts in, where the collector promotes nearly every statement's rows; docs/benchmarks.md); with
// --log-dir the sides' output (the GC trace, and what other flags print) is kept there.
// Usage: DATABASE_URL=…/truthgraph_bench_s1 npx tsx bench/gc-pair.ts [scenario=video-list] [--concurrency 32]
//   [--seconds 10] [--warmup <s>=seconds] [--windows 1] [--runs 1] [--checkout <dir>] [--no-floor] [--node-flags="<flags>"] [--log-dir <dir>]
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { captureFloorPlans } from './floor-capture.js';
import { measure } from './measure.js';
import { scenarioRequest } from './scenario-request.js';
import { repoRoot, startCheckout, startServer } from './server-process.js';

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    concurrency: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '10' },
    runs: { type: 'string', default: '1' },
    checkout: { type: 'string', default: repoRoot },
    'no-floor': { type: 'boolean', default: false },
    'node-flags': { type: 'string', default: '' },
    'log-dir': { type: 'string' },
    warmup: { type: 'string' },
    windows: { type: 'string', default: '1' },
  },
});
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/truthgraph_bench_s1';
const concurrency = Number(opt.concurrency);
const seconds = Number(opt.seconds);
const warmup = Number(opt.warmup ?? opt.seconds);
const windows = Number(opt.windows);
const checkout = resolve(opt.checkout);

const { scenario, body, headers } = await scenarioRequest(url, positionals[0] ?? 'video-list', 'gc-pair');
const dir = mkdtempSync(join(os.tmpdir(), 'gc-pair-'));
if (opt['log-dir']) mkdirSync(opt['log-dir'], { recursive: true });
const runsOf = new Map<string, number>();

interface Side {
  name: string;
  /** Starts the side with `flags`, its output to `log`; answers its URL and how to stop it. */
  start(flags: string[], log: string): Promise<{ url: string; pid: number; stop(): Promise<void> }>;
  auth: Record<string, string>;
}

/** Sums of the collector's lines per request, one row per measured window: pauses in µs, bytes in KB. */
async function run(side: Side): Promise<string[]> {
  const run = (runsOf.get(side.name) ?? 0) + 1;
  runsOf.set(side.name, run);
  const log = join(opt['log-dir'] ?? dir, `${side.name}${run > 1 ? `-${run}` : ''}.log`);
  const server = await side.start(['--trace-gc-nvp', ...opt['node-flags'].split(/\s+/).filter(Boolean)], log);
  try {
    const load = { url: server.url, requests: [{ body, headers: side.auth }], concurrency, durationS: seconds, warmupS: 0 };
    if (warmup > 0) await measure({ ...load, durationS: warmup });
    const rows: string[] = [];
    for (let w = 1; w <= windows; w++) {
      const from = statSync(log).size;
      const cpuBefore = threadTicks(server.pid);
      const r = await measure(load);
      const cpu = threadTicks(server.pid, cpuBefore);
      const sum = collectorSums(readFileSync(log).subarray(from, statSync(log).size).toString());
      const per = (x: number) => x / r.requests;
      const name = windows > 1 ? `${side.name}, window ${w}` : side.name;
      rows.push(
        `| ${name} | ${r.rps.toFixed(0)} | ${((cpu.main * tickUs) / r.requests).toFixed(0)} / ${((cpu.others * tickUs) / r.requests).toFixed(0)} | ${sum.scavenges} / ${sum.marks} | ${(1000 * per(sum.scavengeMs)).toFixed(1)} | ${(1000 * per(sum.markMs)).toFixed(1)} | ${(per(sum.allocated) / 1000).toFixed(1)} | ${(per(sum.promoted) / 1000).toFixed(1)} |`,
      );
    }
    return rows;
  } finally {
    await server.stop();
  }
}

/**
 * Clock ticks (1/100 s) of CPU since `from`: the process's main thread, and the rest of the process
 * (its other threads: V8's workers, libuv's pool; the process's total keeps the time of threads that ended).
 */
function threadTicks(pid: number, from = { main: 0, others: 0 }): { main: number; others: number } {
  const ticksOf = (stat: string) => {
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  };
  const main = ticksOf(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8'));
  const all = ticksOf(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return { main: main - from.main, others: all - main - from.others };
}
const tickUs = 10_000;

function collectorSums(lines: string) {
  const sum = { scavenges: 0, marks: 0, scavengeMs: 0, markMs: 0, allocated: 0, promoted: 0 };
  for (const line of lines.split('\n')) {
    const kind = /\bgc=(\w+)/.exec(line)?.[1];
    if (!kind) continue;
    const field = (name: string) => Number(new RegExp(`\\b${name}=([\\d.]+)`).exec(line)?.[1] ?? 0);
    if (kind === 's') {
      sum.scavenges++;
      sum.scavengeMs += field('pause');
    } else {
      sum.marks++;
      sum.markMs += field('pause');
    }
    sum.allocated += field('allocated');
    sum.promoted += field('promoted');
  }
  return sum;
}

try {
  const sides: Side[] = [
    {
      name: 'truthgraph',
      async start(flags, log) {
        const server = await startCheckout(checkout, url, {}, flags, log);
        return { url: `http://127.0.0.1:${server.port}/graphql`, pid: server.pid, stop: server.stop };
      },
      auth: headers,
    },
  ];
  if (!opt['no-floor']) {
    const plans = join(dir, 'plans.json');
    writeFileSync(plans, JSON.stringify(await captureFloorPlans(url, [{ key: scenario.key, body }], headers)));
    sides.push({
      name: 'SQL floor',
      async start(flags, log) {
        const floor = await startServer({ name: 'SQL floor', script: 'bench/floor.ts', env: { DATABASE_URL: url, FLOOR_PLANS: plans }, path: '/floor', nodeFlags: flags, logFile: log });
        return { url: `${new URL(floor.url).origin}/floor/${scenario.key}`, pid: floor.pid, stop: floor.stop };
      },
      auth: {},
    });
  }
  console.log(`${scenario.key}, uncached, c=${concurrency}, ${windows} × ${seconds} s measured after ${warmup} s; per request:`);
  console.log('| side | req/s | CPU µs, main thread / other threads | scavenges / mark-compacts | scavenge pause µs | mark-compact pause µs | allocated KB | promoted KB |\n|---|---|---|---|---|---|---|---|');
  for (let i = 0; i < Number(opt.runs); i++) for (const side of sides) for (const row of await run(side)) console.log(row);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
