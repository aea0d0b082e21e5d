// The floors, measured in the same run as truthgraph: for every read scenario a bare handler replaying
// truthgraph's captured statements (bench/floor.ts), and for every cached scenario a bare handler
// reading the same cache entry (bench/cache-floor.ts). Each floor must answer the very bytes truthgraph
// answers before it is timed; a floor that differs is reported as a problem, never timed.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { record, windowS, type BenchContext } from './bench-context.js';
import type { CacheFloorEntry } from './cache-floor.js';
import { CpuMeter } from './cpu.js';
import { captureFloorPlans } from './floor-capture.js';
import { floorShapes } from './floor-shapes.js';
import { post } from './http-client.js';
import { measure, type LoadResult } from './measure.js';
import type { Sample } from './read-runs.js';
import type { FloorPair, PairedWindow, Variant } from './report.js';
import { readScenarios, type Targets } from './scenarios.js';
import { startServer, type ServerProcess } from './server-process.js';
import { settler } from './settle.js';
import type { Truthgraph } from './truthgraph-process.js';

/** null when equal; otherwise where the two bodies first differ, with a little context of each. */
export function firstDifference(expected: string, actual: string): string | null {
  if (expected === actual) return null;
  let i = 0;
  while (i < expected.length && i < actual.length && expected[i] === actual[i]) i++;
  const around = (s: string) => JSON.stringify(s.slice(Math.max(0, i - 40), i + 40));
  return `bodies differ at byte ${i} of ${expected.length} / ${actual.length}: truthgraph …${around(expected)}… floor …${around(actual)}…`;
}

interface FloorTarget {
  variant: Variant;
  /** Starts the floor's server. */
  start(): Promise<ServerProcess>;
  /** The floor's URL for a scenario, on a server started at `origin`. */
  urlOf(origin: string, scenario: string): string;
  /** The truthgraph variant this floor is compared with ('uncached' or 'cached'). */
  subject: Variant;
}

/** Seconds of each scenario on each fresh server before its first timed window. */
const jitWarmupS = 2;

/**
 * The four windows of a pair in a round, A B B A: truthgraph first in rounds 1, 3, … (round 0, 2, …
 * here), the floor first in the others, so that neither is always the one timed first. B's second
 * window needs only a short warm-up (its process is warm, only the new connections are not); A's
 * second gets the warm-up B's first had, so that each side's two windows are centred on the same
 * moment and a drift of the machine's speed that is steady over the pair falls on both alike.
 */
export function windowOrder(round: number, warmupS: number): { side: 'subject' | 'floor'; warmupS: number }[] {
  const [a, b] = round % 2 === 0 ? (['subject', 'floor'] as const) : (['floor', 'subject'] as const);
  return [
    { side: a, warmupS },
    { side: b, warmupS },
    { side: b, warmupS: Math.min(1, warmupS) },
    { side: a, warmupS },
  ];
}

/**
 * One side's windows of a pair as one: the mean of their p50s, and requests/s and CPU per request over
 * all their requests (the windows are of equal length).
 */
export function pooled(ws: readonly LoadResult[]): PairedWindow {
  const requests = ws.reduce((n, w) => n + w.requests, 0);
  const perRequest = (pick: (w: LoadResult) => number | null | undefined) => {
    const xs = ws.map(pick);
    return xs.every((x): x is number => typeof x === 'number') ? xs.reduce((sum, x, i) => sum + x * ws[i].requests, 0) / requests : undefined;
  };
  const nodeMs = perRequest((w) => w.cpu?.nodeMs);
  const postgresMs = perRequest((w) => w.cpu?.postgresMs);
  return {
    p50: ws.reduce((sum, w) => sum + w.p50, 0) / ws.length,
    rps: requests / ws.reduce((sum, w) => sum + w.durationS, 0),
    ...(nodeMs !== undefined ? { nodeMs, postgresMs: postgresMs ?? null } : {}),
  };
}

/**
 * Checks each floor answer against truthgraph's, then times the floor at every concurrency, its windows
 * interleaved with truthgraph's on the same request (A, B, B, A): the host's load drifts over minutes,
 * and a ratio of two windows taken minutes apart measured the drift as much as the code. Every round
 * (ctx.floorRounds) starts both servers afresh: on a small VM the threads' placement, fixed when a
 * process starts, moves a small request's speed by a third for the process's whole life, so a
 * comparison of one start per side is partly a draw, and the median over rounds covers it. The
 * floor's row is its first timed window. A round whose servers do not start is reported and skipped.
 */
async function timeFloor(ctx: BenchContext, f: FloorTarget, freshSubject: () => Promise<Truthgraph>, samples: Map<string, Sample>, targets: Targets, dbName: string, scale: string) {
  const pairs = new Map<string, FloorPair>();
  const sampleMs = new Map<string, number>();
  const failed = new Set<string>();
  try {
    for (let round = 0; round < ctx.floorRounds; round++) {
      await timeRound(round);
    }
  } finally {
    ctx.pairs.push(...pairs.values());
  }

  async function timeRound(round: number) {
    let tg: Truthgraph;
    let server: ServerProcess;
    try {
      tg = await freshSubject();
    } catch (err) {
      ctx.problems.push(`${f.variant} round ${round + 1}: truthgraph (${f.subject}) did not start, round not timed: ${(err as Error).message.split('\n')[0]}`);
      return;
    }
    try {
      server = await f.start();
    } catch (err) {
      await tg.server.stop();
      ctx.problems.push(`${f.variant} round ${round + 1}: the floor did not start, round not timed: ${(err as Error).message.split('\n')[0]}`);
      return;
    }
    const cpu = new CpuMeter(server.pid, ctx.dbUrl(dbName), dbName);
    const tgCpu = new CpuMeter(tg.server.pid, ctx.dbUrl(dbName), dbName);
    const origin = new URL(server.url).origin;
    ctx.log(`  round ${round + 1}: ${f.subject} pid ${tg.server.pid}, ${f.variant} pid ${server.pid}`);
    try {
      // A fresh process compiles for its first seconds: V8's background threads are busy and the hot
      // code is not yet optimized (~8 s for truthgraph's server on video-list reads). Each scenario the
      // floor answers runs on both before the first timed window, so the round's first windows (the
      // video list at c=1) time less of the compiler; each window still has its own warm-up.
      if (!ctx.quick) {
        let warmed = 0;
        for (const s of readScenarios) {
          if (!samples.has(s.key) || failed.has(s.key)) continue;
          const op = s.op(targets);
          const url = f.urlOf(origin, s.key);
          if ((await post(url, op)).status !== 200) continue;
          const body = JSON.stringify(op);
          await measure({ url: tg.server.url, requests: [{ body, headers: tg.headers }], concurrency: 1, durationS: jitWarmupS, warmupS: 0 });
          await measure({ url, requests: [{ body }], concurrency: 1, durationS: jitWarmupS, warmupS: 0 });
          warmed++;
        }
        ctx.log(`  round ${round + 1}: ${warmed} scenarios run ${jitWarmupS} s on each fresh server before timing`);
      }
      for (const s of readScenarios) {
        const sample = samples.get(s.key);
        if (!sample || failed.has(s.key)) continue;
        const op = s.op(targets);
        const url = f.urlOf(origin, s.key);
        // Back to back, so both read the same data.
        const [truth, floor] = [await post(tg.server.url, op, tg.headers), await post(url, op)];
        const diff = floor.status === 200 ? firstDifference(truth.text, floor.text) : `HTTP ${floor.status}: ${floor.text.slice(0, 200)}`;
        if (diff) {
          failed.add(s.key);
          const timed = round === 0 ? 'not timed' : `not timed from round ${round + 1} on (its earlier rounds are kept)`;
          ctx.problems.push(`${f.variant} ${s.key} (scale ${scale}) does not answer like truthgraph, ${timed}: ${diff}`);
          ctx.log(`  ${f.variant} ${s.key}: ${diff}`);
          continue;
        }
        if (!sampleMs.has(s.key)) {
          const t = performance.now();
          await post(url, op);
          sampleMs.set(s.key, Math.max(performance.now() - t, sample.ms));
        }
        const body = JSON.stringify(op);
        const floorSettle = settler(url, ctx.dbUrl(dbName), dbName);
        const tgSettle = settler(tg.server.url, ctx.dbUrl(dbName), dbName);
        for (const c of ctx.concurrencies) {
          const id = `${s.key} ${c}`;
          if (failed.has(id)) continue;
          // Each half window still lets every client finish a few requests (windowS's rule).
          const half = windowS({ ...ctx, durationS: ctx.durationS / 2 }, c, sampleMs.get(s.key)!);
          const sides = {
            subject: (warmupS: number) => measure({ url: tg.server.url, requests: [{ body, headers: tg.headers }], concurrency: c, durationS: half, warmupS, settle: tgSettle, cpu: tgCpu }),
            floor: (warmupS: number) => measure({ url, requests: [{ body }], concurrency: c, durationS: half, warmupS, settle: floorSettle, cpu }),
          };
          const order = windowOrder(round, ctx.warmupS);
          const windows: Record<'subject' | 'floor', LoadResult[]> = { subject: [], floor: [] };
          let empty = false;
          for (const { side, warmupS } of order) {
            const w = await sides[side](warmupS);
            windows[side].push(w);
            if (w.requests === 0) {
              empty = true;
              break;
            }
          }
          if (empty) {
            failed.add(id);
            ctx.skipped.push(`${f.variant} ${s.key} c=${c}: no response completed within ${half} s (round ${round + 1})`);
            continue;
          }
          let pair = pairs.get(id);
          // The main table's row needs p99, bytes and statements, which two windows' summaries cannot pool:
          // the floor's first window (record() reports its errors).
          const row = pair ? undefined : windows.floor[0];
          if (!pair) {
            record(ctx, s.key, s.title, f.variant, scale, row!);
            pair = { scenario: s.key, scale, concurrency: c, subject: f.subject, floor: f.variant, order: 'abba', rounds: [] };
            pairs.set(id, pair);
          }
          for (const side of ['subject', 'floor'] as const) {
            for (const w of windows[side]) {
              if (w === row || !(w.non2xx || w.errors || w.timeouts)) continue;
              ctx.problems.push(`${side === 'subject' ? f.subject : f.variant} ${s.key} c=${c} round ${round + 1}: ${w.non2xx} non-2xx, ${w.errors} errors, ${w.timeouts} timeouts`);
            }
          }
          const subject = pooled(windows.subject);
          const r = pooled(windows.floor);
          const first = order[0].side === 'subject' ? f.subject : f.variant;
          pair.rounds.push({ subject, floor: r });
          const show = (ws: LoadResult[]) => ws.map((w) => `${w.p50.toFixed(2)} ms ${w.rps.toFixed(0)} req/s`).join(', ');
          ctx.log(`    ${s.key} c=${c} round ${round + 1} (${first} first): ${f.subject} ${show(windows.subject)} · ${f.variant} ${show(windows.floor)}`);
        }
      }
    } finally {
      await Promise.all([cpu.close(), tgCpu.close(), server.stop(), tg.server.stop()]);
    }
  }
}

/**
 * The SQL floor of every scenario truthgraph (uncached, still running: its statements are captured)
 * answered correctly; `fresh` starts another uncached truthgraph like it for each round.
 */
export async function floorRuns(ctx: BenchContext, tg: Truthgraph, fresh: () => Promise<Truthgraph>, samples: Map<string, Sample>, targets: Targets, dbName: string, scale: string) {
  const scenarios = readScenarios.filter((s) => samples.has(s.key) && floorShapes[s.key]);
  if (!scenarios.length) return;
  const plans = await captureFloorPlans(
    ctx.dbUrl(dbName),
    scenarios.map((s) => ({ key: s.key, body: JSON.stringify(s.op(targets)) })),
    tg.headers,
  );
  for (const p of plans) ctx.log(`  floor plan ${p.scenario}: ${p.waves.map((w) => w.map((s) => s.name).join(' + ')).join(' → ')}`);
  const file = join(tmpdir(), `truthgraph-floor-plans-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(plans));
  const start = () => startServer({ name: 'floor', script: 'bench/floor.ts', env: { DATABASE_URL: ctx.dbUrl(dbName), FLOOR_PLANS: file }, path: '/floor' });
  await timeFloor(ctx, { variant: 'floor', subject: 'uncached', start, urlOf: (origin, k) => `${origin}/floor/${k}` }, fresh, samples, targets, dbName, scale);
}

/** The key under which Redis holds `body` (an entry of `prefix`), found by reading the entries. */
export async function redisKeyOf(redis: Redis, prefix: string, body: Buffer): Promise<string | null> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}rc:e:*`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const value = await redis.getBuffer(key);
      if (value && value.equals(body)) return key;
    }
  } while (cursor !== '0');
  return null;
}

export interface CacheFloorOptions {
  /** Redis of the cached server (with its database), or undefined for the in-process store. */
  redisUrl?: string;
  /** Its REDIS_KEY_PREFIX. */
  redisPrefix: string;
}

/**
 * The hit floor of every scenario the cached server (still running, entries stored) served; `fresh`
 * starts another cached truthgraph like it for each round: with Redis it hits the same entries, with the
 * in-process store it starts empty and fills it in the warm-up.
 */
export async function cacheFloorRuns(
  ctx: BenchContext,
  tg: Truthgraph,
  fresh: () => Promise<Truthgraph>,
  samples: Map<string, Sample>,
  targets: Targets,
  dbName: string,
  scale: string,
  o: CacheFloorOptions,
) {
  const redis = o.redisUrl ? new Redis(o.redisUrl, { maxRetriesPerRequest: 1 }) : null;
  const entries: CacheFloorEntry[] = [];
  try {
    for (const s of readScenarios) {
      if (!samples.has(s.key)) continue;
      const hit = await post(tg.server.url, s.op(targets), tg.headers);
      if (hit.headers.get('x-cache') !== 'HIT') {
        ctx.skipped.push(`cache-floor ${s.key}: truthgraph did not answer from the cache (x-cache ${hit.headers.get('x-cache')})`);
        continue;
      }
      // truthgraph writes the stored bytes and a newline.
      const body = hit.text.endsWith('\n') ? hit.text.slice(0, -1) : hit.text;
      if (!redis) {
        entries.push({ scenario: s.key, body });
        continue;
      }
      const key = await redisKeyOf(redis, o.redisPrefix, Buffer.from(body));
      if (key) entries.push({ scenario: s.key, redisKey: key });
      else ctx.skipped.push(`cache-floor ${s.key}: no Redis entry under ${o.redisPrefix}rc:e:* holds the answer`);
    }
  } finally {
    redis?.disconnect();
  }
  if (!entries.length) return;
  const file = join(tmpdir(), `truthgraph-cache-floor-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(entries));
  const env: Record<string, string> = { CACHE_FLOOR_ENTRIES: file };
  if (o.redisUrl) env.REDIS_URL = o.redisUrl;
  const start = () => startServer({ name: 'cache floor', script: 'bench/cache-floor.ts', env, path: '/cache-floor' });
  await timeFloor(ctx, { variant: 'cache-floor', subject: 'cached', start, urlOf: (origin, k) => `${origin}/cache-floor/${k}` }, fresh, samples, targets, dbName, scale);
}
