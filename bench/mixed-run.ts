// Scenario 7: 95% Zipf-distributed reads, 5% writes on the cached server, with a per-client
// read-your-writes check (a stale read otherwise) and the hit rate split into compulsory (first-read)
// misses and the rest.
import { errorOf, mutationsMissing, notAvailable, post, type Reply } from './http-client.js';
import { cpuPerRequest, type CpuMeter } from './cpu.js';
import { percentile } from './measure.js';
import type { MixedResult } from './report.js';
import { mixedSession, mixedVideo, mixedVideoPage, seededId, updateVideo } from './scenarios.js';
import type { Truthgraph } from './truthgraph-process.js';
import type { SeedShape } from '../src/db/seed-data.js';

export interface MixedNotes {
  quick: boolean;
  /** CPU of the server process and its PostgreSQL backends over the measured window. */
  cpu?: CpuMeter;
  /** Whether the server runs with refresh-ahead (CACHE_REFRESH_AHEAD > 0). */
  refreshAhead: boolean;
  skipped: string[];
  problems: string[];
  log(line: string): void;
}

const fmtMs = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(2));

function mulberry32(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ranks 0..n-1 with P(rank) ∝ 1/(rank+1)^s. */
function zipf(n: number, s = 1.1) {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / Math.pow(i + 1, s);
  return (u: number) => {
    const target = u * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Sums the samples of the server's Prometheus metrics whose name starts with one of `names` (null: no /metrics). */
export async function scrapeCounters(url: string, names: readonly string[], headers: Record<string, string> = {}): Promise<Record<string, number> | null> {
  try {
    // /metrics answers an admin key only (src/http/ops-access.ts): the bench's key is one.
    const res = await fetch(new URL('/metrics', url), { headers, signal: AbortSignal.timeout(5000) });
    if (!res.ok) return null;
    return sumCounters(await res.text(), names);
  } catch {
    return null;
  }
}

export function sumCounters(text: string, names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const name = /^[a-zA-Z_:][\w:]*/.exec(line)?.[0];
    if (name && name in out) out[name] += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  }
  return out;
}

const statementsMetric = 'truthgraph_db_statement_duration_seconds_count';
const refreshesMetric = 'truthgraph_cache_refreshes_total';

export async function mixedRun(tg: Truthgraph, shape: SeedShape, scale: string, notes: MixedNotes): Promise<MixedResult> {
  const { quick, skipped, problems, log } = notes;
  const clients = 32;
  const url = tg.server.url;
  const videos = shape.projects * shape.videosPerProject;
  const sessions = Math.floor(videos / shape.sessionEvery);
  const pickVideo = zipf(videos);
  const pickProject = zipf(shape.projects);
  const pickSession = zipf(sessions);
  const pickOwned = zipf(Math.floor(videos / clients));
  // Writes available? updateVideo is issue 4's mutation.
  const noMutations = await mutationsMissing(url, tg.headers);
  const probe = noMutations
    ? null
    : await post(url, { query: updateVideo, variables: { id: seededId('video', shape.seed, 1), processingStatus: 'bench-probe' } }, tg.headers);
  const writeMissing = noMutations ?? (probe && notAvailable(probe));
  const writeError = writeMissing || !probe ? null : errorOf(probe);
  const writes = !writeMissing && !writeError;
  if (writeMissing) skipped.push(`scenario 7 writes: ${writeMissing}`);
  if (writeError) problems.push(`scenario 7 updateVideo probe failed: ${writeError}`);

  const runTag = Date.now().toString(36);
  const latencies: number[] = [];
  let reads = 0;
  let writeCount = 0;
  let stale = 0;
  let errors = 0;
  let firstError: string | null = null;
  const failed = (reply: Reply) => {
    const e = errorOf(reply);
    if (e) {
      errors++;
      firstError ??= e;
    }
    return e;
  };
  let hit = 0;
  let miss = 0;
  let coldMisses = 0;
  // Keys read so far (warm-up included): a miss on a key read for the first time is compulsory.
  const readBefore = new Set<string>();
  // A warm-up of as many requests as the measured window fills the cache first (its answers are still
  // checked for staleness, but not timed or counted in the hit rate). Both windows are counts, not
  // seconds: the share of first reads in a window depends on how many requests it holds, so a window of
  // seconds made the hit rate a measure of the machine's pace. A run now lasts as long as the machine
  // needs for them (about 45 s per window at 2,600 req/s).
  const windowRequests = quick ? 4_000 : 60_000;
  let issued = 0;
  let measuring = false;
  // Server-side load over the measured window: CPU, statements sent, recomputations.
  const sample = async () => ({
    cpu: await notes.cpu?.sample(),
    counters: await scrapeCounters(url, [statementsMetric, refreshesMetric], tg.headers),
  });
  const client = (c: number) => {
    const rnd = mulberry32(1000 + c);
    // Video k (1-based) is written only by client (k - 1) % clients, so each client knows exactly
    // what its own videos must show.
    const mine = new Map<string, string>();
    let seq = 0;
    const check = (id: string, processingStatus: string | null | undefined) => {
      const expected = mine.get(id);
      if (expected !== undefined && processingStatus !== expected) stale++;
    };
    // Runs requests until `issued` reaches `until`; the client's state carries over to the next window.
    return async (until: number) => {
      while (issued < until) {
        issued++;
        const started = performance.now();
        const counted = measuring;
        if (writes && rnd() < 0.05) {
          const k = pickOwned(rnd()) * clients + c + 1;
          const id = seededId('video', shape.seed, k);
          const marker = `bench-${runTag}-${c}-${++seq}`;
          const reply = await post(url, { query: updateVideo, variables: { id, processingStatus: marker } }, tg.headers);
          if (counted) {
            latencies.push(performance.now() - started);
            writeCount++;
          }
          if (!failed(reply)) mine.set(id, marker);
          continue;
        }
        const kind = rnd();
        let reply: Reply;
        let readKey: string;
        if (kind < 0.5) {
          const id = seededId('video', shape.seed, pickVideo(rnd()) + 1);
          readKey = `v:${id}`;
          reply = await post(url, { query: mixedVideo, variables: { videoId: id } }, tg.headers);
          if (!errorOf(reply)) check(id, reply.json.data.video?.processingStatus);
        } else if (kind < 0.8) {
          const id = seededId('project', shape.seed, pickProject(rnd()) + 1);
          readKey = `p:${id}`;
          reply = await post(url, { query: mixedVideoPage, variables: { projectId: id } }, tg.headers);
          if (!errorOf(reply)) for (const v of reply.json.data.project?.videos.nodes ?? []) check(v.id, v.processingStatus);
        } else {
          const id = seededId('session', shape.seed, (pickSession(rnd()) + 1) * shape.sessionEvery);
          readKey = `s:${id}`;
          reply = await post(url, { query: mixedSession, variables: { sessionId: id } }, tg.headers);
        }
        failed(reply);
        const firstRead = !readBefore.has(readKey);
        readBefore.add(readKey);
        if (!counted) continue;
        latencies.push(performance.now() - started);
        reads++;
        const x = reply.headers.get('x-cache');
        if (x === 'HIT') hit++;
        else if (x === 'MISS') {
          miss++;
          if (firstRead) coldMisses++;
        }
      }
    };
  };
  const runners = Array.from({ length: clients }, (_, c) => client(c));
  await Promise.all(runners.map((run) => run(windowRequests)));
  const before = await sample();
  measuring = true;
  const measureFrom = performance.now();
  await Promise.all(runners.map((run) => run(2 * windowRequests)));
  const elapsedS = (performance.now() - measureFrom) / 1000;
  const after = await sample();
  const served = reads + writeCount;
  const delta = (name: string) => (before.counters && after.counters ? after.counters[name] - before.counters[name] : null);
  latencies.sort((a, b) => a - b);
  const result: MixedResult = {
    scale,
    concurrency: clients,
    durationS: Math.round(elapsedS * 10) / 10,
    warmupRequests: windowRequests,
    reads,
    writes: writeCount,
    hitRate: hit + miss ? hit / (hit + miss) : null,
    coldMisses,
    warmHitRate: hit + miss - coldMisses > 0 ? hit / (hit + miss - coldMisses) : null,
    staleReads: stale,
    errors,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    rps: (reads + writeCount) / elapsedS,
    refreshAhead: notes.refreshAhead,
    refreshes: delta(refreshesMetric),
    statementsPerRequest: served && delta(statementsMetric) !== null ? delta(statementsMetric)! / served : null,
    cpu: before.cpu && after.cpu ? cpuPerRequest(before.cpu, after.cpu, served) : null,
    ...(writes ? {} : { note: 'reads only: updateVideo not available' }),
  };
  log(
    `  mixed (refresh-ahead ${notes.refreshAhead ? 'on' : 'off'}) c=${clients} ${result.rps.toFixed(0)} req/s p50 ${fmtMs(result.p50)} ms p99 ${fmtMs(result.p99)} ms, ${reads} reads, ${writeCount} writes, ` +
      `hit rate ${result.hitRate === null ? '–' : (result.hitRate * 100).toFixed(1) + '%'} (${coldMisses} first-read misses; warm ${result.warmHitRate == null ? '–' : (result.warmHitRate * 100).toFixed(1) + '%'}), stale ${stale}, errors ${errors}, ` +
      `${result.statementsPerRequest?.toFixed(2) ?? '–'} statements and ${result.cpu ? `${result.cpu.postgresMs?.toFixed(2)} ms PostgreSQL CPU` : '–'} per request, ${result.refreshes ?? '–'} refreshes`,
  );
  if (stale) problems.push(`scenario 7: ${stale} stale reads`);
  if (errors) problems.push(`scenario 7: ${errors} failed requests, the first: ${firstError}`);
  return result;
}

