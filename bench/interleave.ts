// Cache hits of checkouts (and the cache floor) at one client, interleaved request by request: one raw
// keep-alive socket per server, requests sent A, B, …, floor, A, B, … so that the machine's drift, which
// on a shared VM moves a 5-second window by ±20 %, falls on every side alike. Prints each side's median
// latency and, against the first checkout, the median of the paired differences: it resolves changes of a
// few µs that alternating windows (bench/ab-checkouts.ts) cannot. Each server idles while the others
// answer, so its latencies sit above a continuous run's; compare the sides, not the absolute figures.
// --uncached: the checkouts run without a cache (every answer reads PostgreSQL) and --floor adds the
// SQL floor replaying this checkout's statements (bench/floor.ts).
// Usage: DATABASE_URL=…/truthgraph_bench_s1 [REDIS_URL=redis://127.0.0.1:6379/15] npx tsx bench/interleave.ts <dirA>,<dirB>[,…] [scenario=dashboard] [--floor] [--uncached] [--requests 20000] [--warmup 20000]
//   (checkouts share this one's node_modules: git worktree add --detach /tmp/base <rev> && ln -s $PWD/node_modules /tmp/base/)
import net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { captureFloorPlans } from './floor-capture.js';
import { redisKeyOf } from './floor-runs.js';
import { percentile } from './measure.js';
import { scenarioRequest } from './scenario-request.js';
import { startCheckout, startServer } from './server-process.js';
import { removePrefix } from './throwaway-redis.js';

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    floor: { type: 'boolean', default: false },
    uncached: { type: 'boolean', default: false },
    requests: { type: 'string', default: '20000' },
    warmup: { type: 'string', default: '20000' },
  },
});
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/truthgraph_bench_s1';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/15';
const dirs = (positionals[0] ?? '').split(',').filter(Boolean).map((d) => resolve(d));
if (dirs.length === 0) throw new Error('usage: npx tsx bench/interleave.ts <dirA>,<dirB>[,…] [scenario] [--floor]');
const requests = Number(opt.requests);
const warmup = Number(opt.warmup);

const { scenario, body, headers } = await scenarioRequest(url, positionals[1] ?? 'dashboard', 'interleave');

interface Side {
  name: string;
  port: number;
  path: string;
  headers: string;
  /** The x-cache every timed answer of a checkout carries (HIT, or BYPASS uncached): a miss among hits would be timed as one. */
  cache: string | null;
}
const sides: Side[] = [];
const stops: (() => Promise<unknown>)[] = [];
const prefixes: string[] = [];
const dir = mkdtempSync(join(os.tmpdir(), 'interleave-'));
try {
  let redisKey: string | null = null;
  for (const [i, checkout] of dirs.entries()) {
    const prefix = `interleave-${Date.now()}-${i}:`;
    if (!opt.uncached) prefixes.push(prefix);
    const server = await startCheckout(checkout, url, opt.uncached ? {} : { CACHE: 'on', REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix });
    stops.push(() => server.stop());
    sides.push({ name: checkout, port: server.port, path: '/graphql', headers: `Authorization: ${headers.authorization}\r\n`, cache: opt.uncached ? 'BYPASS' : 'HIT' });
    // The first request stores the entry the hits read (and the floor, with --floor).
    const res = await fetch(`http://127.0.0.1:${server.port}/graphql`, { method: 'POST', body, headers: { ...headers, 'content-type': 'application/json' } });
    const text = await res.text();
    if (redisKey === null && opt.floor && !opt.uncached) {
      const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
      redisKey = await redisKeyOf(redis, prefix, Buffer.from(text.endsWith('\n') ? text.slice(0, -1) : text)).finally(() => redis.disconnect());
      if (!redisKey) throw new Error('no stored entry holds the answer: is the scenario cached?');
    }
  }
  if (opt.floor && opt.uncached) {
    const plans = join(dir, 'plans.json');
    writeFileSync(plans, JSON.stringify(await captureFloorPlans(url, [{ key: scenario.key, body }], headers)));
    const floor = await startServer({ name: 'SQL floor', script: 'bench/floor.ts', env: { DATABASE_URL: url, FLOOR_PLANS: plans }, path: '/floor' });
    stops.push(() => floor.stop());
    sides.push({ name: 'SQL floor', port: Number(new URL(floor.url).port), path: `/floor/${scenario.key}`, headers: '', cache: null });
  } else if (opt.floor) {
    const entries = join(dir, 'entries.json');
    writeFileSync(entries, JSON.stringify([{ scenario: scenario.key, redisKey }]));
    const floor = await startServer({ name: 'cache floor', script: 'bench/cache-floor.ts', env: { CACHE_FLOOR_ENTRIES: entries, REDIS_URL: redisUrl }, path: '/cache-floor' });
    stops.push(() => floor.stop());
    sides.push({ name: 'cache floor', port: Number(new URL(floor.url).port), path: `/cache-floor/${scenario.key}`, headers: '', cache: null });
  }

  const senders = await Promise.all(sides.map(connect));
  const latencies: number[][] = sides.map(() => []);
  for (let i = 0; i < warmup + requests; i++) {
    for (const [j, send] of senders.entries()) {
      const { us, cache } = await send();
      if (i < warmup) continue;
      if (sides[j].cache !== null && cache !== sides[j].cache) throw new Error(`${sides[j].name}: a timed answer with x-cache ${cache}, not ${sides[j].cache}`);
      latencies[j].push(us);
    }
  }
  const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
  console.log(`${scenario.key} ${opt.uncached ? 'uncached' : 'hits'}, c=1, ${requests} interleaved requests per side after ${warmup} each to warm up`);
  console.log('| side | median µs | paired difference from the first, median µs | ratio of medians |\n|---|---|---|---|');
  for (const [j, side] of sides.entries()) {
    const diff = j === 0 ? 0 : median(latencies[j].map((x, i) => x - latencies[0][i]));
    console.log(`| ${side.name} | ${median(latencies[j]).toFixed(1)} | ${j === 0 ? '–' : diff.toFixed(1)} | ${(median(latencies[j]) / median(latencies[0])).toFixed(3)} |`);
  }
} finally {
  for (const stop of stops) await stop();
  for (const prefix of prefixes) await removePrefix(redisUrl, prefix);
  rmSync(dir, { recursive: true, force: true });
}

/** A keep-alive socket sending the scenario's request; each send resolves with the answer's latency in µs and its x-cache. */
function connect(side: Side): Promise<() => Promise<{ us: number; cache: string | null }>> {
  const request = Buffer.from(
    `POST ${side.path} HTTP/1.1\r\nHost: 127.0.0.1:${side.port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${side.headers}\r\n${body}`,
  );
  return new Promise((ready, failed) => {
    const socket = net.connect(side.port, '127.0.0.1');
    socket.setNoDelay(true);
    let buffered: Buffer = Buffer.alloc(0);
    let waiting: { resolve: (answer: { us: number; cache: string | null }) => void; reject: (err: Error) => void; start: bigint } | null = null;
    socket.on('error', (err) => (waiting ? waiting.reject(err) : failed(err)));
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      const headEnd = buffered.indexOf('\r\n\r\n');
      if (headEnd < 0 || !waiting) return;
      const head = buffered.subarray(0, headEnd).toString('latin1');
      const length = /\r\ncontent-length: *(\d+)/i.exec(head);
      if (!length) return waiting.reject(new Error(`${side.name}: an answer without a length: ${head}`));
      const total = headEnd + 4 + Number(length[1]);
      if (buffered.length < total) return;
      const us = Number(process.hrtime.bigint() - waiting.start) / 1000;
      const w = waiting;
      waiting = null;
      buffered = buffered.subarray(total);
      if (!head.startsWith('HTTP/1.1 200')) w.reject(new Error(`${side.name}: ${head.split('\r\n')[0]}`));
      else w.resolve({ us, cache: /\r\nx-cache: *(\w+)\r\n/i.exec(`${head}\r\n`)?.[1].toUpperCase() ?? null });
    });
    socket.on('connect', () =>
      ready(
        () =>
          new Promise<{ us: number; cache: string | null }>((resolve, reject) => {
            waiting = { resolve, reject, start: process.hrtime.bigint() };
            socket.write(request);
          }),
      ),
    );
  });
}
