// npm run faults [-- outage|restart|redis|timeout|overload|boot|shutdown]: faults under load against a
// throwaway PostgreSQL and Redis (never the shared ones on 5432 and 6379), printing the figures the
// docs/operations.md quotes. The same
// scenarios run, shorter, in test/faults/faults.test.ts.
import { pathToFileURL } from 'node:url';
import { cacheableRead, startFaultSystem, readQuery, type FaultSystem } from './fault-system.js';
import { runLoad, sendOnce, summarize, type RequestRecord } from './load.js';
import { staleReads, type StaleRead, type TimedRead, type TimedWrite } from './staleness.js';
import { gracefulShutdown } from './shutdown-fault.js';
import { PrivateRedis } from './throwaway-redis.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number) => Math.round(n);

export interface OutageReport {
  scenario: string;
  load: ReturnType<typeof summarize>;
  /** Requests that failed, by code, and the slowest of them (fail fast). */
  failedDuringOutage: number;
  failedOutsideOutage: number;
  failedMaxMs: number;
  outageMs: number;
  /** From PostgreSQL accepting connections again to the first successful answer. */
  firstOkAfterUpMs: number;
  /** From PostgreSQL accepting connections again to the end of the last failed request (0: none). */
  recoveryMs: number;
  /** Failed requests that started after PostgreSQL was up again. */
  failedStartedAfterUp: number;
  /** Failed requests sent after the first success that followed PostgreSQL's return (recovery must be final). */
  failedAfterRecovery: number;
}

function outageReport(scenario: string, records: RequestRecord[], downAt: number, upAt: number): OutageReport {
  const failed = records.filter((r) => r.code !== null);
  const firstOkAfter = records.filter((r) => r.code === null && r.end >= upAt).sort((a, b) => a.end - b.end)[0];
  const lastFailure = Math.max(upAt, ...failed.map((r) => r.end));
  // A request belongs to the outage if it was in flight at any moment between down and the last
  // failure after PostgreSQL came back.
  const during = (r: RequestRecord) => r.end >= downAt && r.start <= lastFailure;
  return {
    scenario,
    load: summarize(records),
    failedDuringOutage: failed.filter(during).length,
    failedOutsideOutage: failed.filter((r) => !during(r)).length,
    failedMaxMs: round(Math.max(0, ...failed.map((r) => r.end - r.start))),
    outageMs: round(upAt - downAt),
    firstOkAfterUpMs: round((firstOkAfter?.end ?? Infinity) - upAt),
    recoveryMs: round(lastFailure - upAt),
    failedStartedAfterUp: failed.filter((r) => r.start > upAt).length,
    failedAfterRecovery: failed.filter((r) => r.start > (firstOkAfter?.end ?? Infinity)).length,
  };
}

/**
 * A load run around a PostgreSQL fault that ends on events, not on the clock: the fault starts once
 * `clients` requests have succeeded (and `downAfterMs` passed), and the run goes on until PostgreSQL is
 * back and `3 × clients` requests sent after that have succeeded (and `durationMs` passed), whatever a
 * CPU-starved machine does to the timings. `maxMs` is only a safety net.
 */
async function aroundPostgresFault(
  sys: FaultSystem,
  o: { clients: number; durationMs: number; downAfterMs: number; maxMs: number },
  fault: () => Promise<void>,
): Promise<{ records: RequestRecord[]; downAt: number; upAt: number }> {
  const startedAt = performance.now();
  let upAt = Infinity;
  let okBefore = 0;
  let okAfterUp = 0;
  const load = runLoad({
    url: sys.url,
    key: sys.key,
    clients: o.clients,
    durationMs: o.maxMs,
    maxRequests: 200_000,
    timeoutMs: 15_000,
    body: readQuery,
    onAnswer: (r) => {
      if (r.code !== null) return;
      if (r.start > upAt) okAfterUp++;
      else okBefore++;
    },
    until: () => okAfterUp >= 3 * o.clients && performance.now() - startedAt >= o.durationMs,
  });
  const loadEnded = load.then(() => true);
  const waitFor = async (done: () => boolean) => {
    while (!done() && !(await Promise.race([loadEnded, sleep(20).then(() => false)])));
  };
  await Promise.all([sleep(o.downAfterMs), waitFor(() => okBefore >= o.clients)]);
  const downAt = performance.now();
  await fault();
  upAt = performance.now();
  return { records: await load, downAt, upAt };
}

/** PostgreSQL stopped (fast shutdown) for `downMs` in the middle of a load run, then started. */
export async function postgresOutage(sys: FaultSystem, o = { clients: 20, durationMs: 10_000, downAfterMs: 3000, downMs: 3000, maxMs: 120_000 }): Promise<OutageReport> {
  const { records, downAt, upAt } = await aroundPostgresFault(sys, o, async () => {
    await sys.pg.stop();
    await sleep(o.downMs);
    await sys.pg.start(); // pg_ctl -w: returns once the server accepts connections
  });
  return outageReport(`PostgreSQL stopped ${o.downMs} ms under ${o.clients} clients`, records, downAt, upAt);
}

/** `pg_ctl restart -m fast` in the middle of a load run. */
export async function postgresRestart(sys: FaultSystem, o = { clients: 20, durationMs: 8000, restartAfterMs: 3000, maxMs: 120_000 }): Promise<OutageReport> {
  const { records, downAt, upAt } = await aroundPostgresFault(sys, { ...o, downAfterMs: o.restartAfterMs }, () => sys.pg.restart());
  return outageReport(`pg_ctl restart -m fast under ${o.clients} clients`, records, downAt, upAt);
}

export interface RedisOutageReport {
  scenario: string;
  load: ReturnType<typeof summarize>;
  outageMs: number;
  /**
   * Answers by x-cache (and failures) of the requests sent before Redis was killed, while it was dead
   * (sent after its process exited and answered before it was started again), and after it was
   * started again. Requests that straddle a transition are in none of the three.
   */
  phases: Record<'before' | 'during' | 'after', Record<string, number> & { p50Ms: number; p99Ms: number }>;
  /** From redis-server accepting connections again to the end of the first HIT. */
  firstHitAfterUpMs: number;
  /** The cache's own counters over the run (what /metrics exports). */
  bypassesCounted: number;
  writes: { sent: number; failed: number };
  /** Reads that showed the video older than a write acknowledged before they were sent (must be none). */
  staleReads: StaleRead[];
  /** Entries of the current epoch that Redis held just before it was killed. */
  entriesAtKill: number;
  /** Entries of the epoch before the outage that Redis still held when it came back (persistent Redis). */
  entriesKeptAcrossOutage: number;
  /** Whether the epoch that Redis came back with was replaced before caching resumed. */
  epochReplaced: boolean;
}

/**
 * The response cache's Redis killed in the middle of a load run of cacheable reads (with a write in
 * every 20 requests, whose invalidation cannot reach Redis during the outage), then started again
 * with the entries it held (a persistent Redis keeps them): no request may fail, the outage shows as
 * BYPASS answers from PostgreSQL, hits come back, and no read ever shows a value that an
 * acknowledged write had replaced — in particular no entry from before the outage is served after it.
 * Phases end on events (hits seen, bypasses seen), `downAfterMs`/`downMs` are only minimums.
 */
export async function redisOutage(
  sys: FaultSystem,
  redis: PrivateRedis,
  o = { clients: 20, durationMs: 10_000, downAfterMs: 3000, downMs: 3000, maxMs: 60_000 },
): Promise<RedisOutageReport> {
  // The video every read shows (first of the first project's page), and the value it has now.
  const first = await sendOnce(sys.url, sys.key, cacheableRead(0));
  const target = first.json.data.projects.nodes[0].videos.nodes[0] as { id: string; processingStatus: string | null };
  const initial = String(target.processingStatus);
  const write = (i: number) => ({
    query: 'mutation W($id: ID!, $p: String) { updateVideo(id: $id, input: { processingStatus: $p }) { id } }',
    variables: { id: target.id, p: `redis-outage-${i}` },
  });
  // Every 20th request writes, except while `writing` is off (just before the kill, so that Redis
  // surely holds entries when it dies; the writes during the outage then make them stale).
  let writing = true;
  const writeIndices = new Set<number>();
  const body = (i: number) => {
    if (!writing || i % 20 !== 19) return cacheableRead(i);
    writeIndices.add(i);
    return write(i);
  };
  const isWrite = (i: number) => writeIndices.has(i);
  const bypassesBefore = sys.app.cache.stats().bypasses;
  const writes: TimedWrite[] = [];
  const reads: TimedRead[] = [];
  let downAt = Infinity;
  let upAt = Infinity;
  let lastWriteEnd = 0;
  const counts = { writesAnswered: 0, hitsBefore: 0, hitsAfterWrites: 0, bypassesDown: 0, writesDown: 0, hitsAfterUp: 0 };
  const load = runLoad({
    url: sys.url,
    key: sys.key,
    clients: o.clients,
    durationMs: o.maxMs,
    maxRequests: 500_000,
    timeoutMs: 15_000,
    body,
    onAnswer: (r, json) => {
      if (isWrite(r.index!)) {
        if (r.code === null) writes.push({ start: r.start, end: r.end, value: `redis-outage-${r.index}` });
        counts.writesAnswered++;
        lastWriteEnd = Math.max(lastWriteEnd, r.end);
        if (r.start > downAt && r.code === null) counts.writesDown++;
        return;
      }
      const shown = json?.data?.projects?.nodes?.[0]?.videos?.nodes?.find((v: { id: string }) => v.id === target.id);
      if (shown) reads.push({ start: r.start, end: r.end, value: String(shown.processingStatus) });
      if (r.cache === 'HIT' && r.end < downAt) counts.hitsBefore++;
      if (r.cache === 'HIT' && r.start > lastWriteEnd && !writing) counts.hitsAfterWrites++;
      if (r.cache === 'BYPASS' && r.start > downAt) counts.bypassesDown++;
      if (r.cache === 'HIT' && r.start > upAt) counts.hitsAfterUp++;
    },
    until: () => counts.hitsAfterUp >= 20 && performance.now() - upAt >= o.durationMs - o.downAfterMs - o.downMs,
  });
  const loadEnded = load.then(() => true);
  const waitFor = async (done: () => boolean) => {
    while (!done() && !(await Promise.race([loadEnded, sleep(20).then(() => false)])));
  };
  await Promise.all([sleep(o.downAfterMs), waitFor(() => counts.hitsBefore >= 20)]);
  writing = false;
  // Kill Redis while it holds entries of its current epoch (on a starved machine a breaker recovery
  // may start a new epoch meanwhile: then wait for entries of that one).
  const prefix = `${sys.app.config.REDIS_KEY_PREFIX}rc:`;
  let oldEpoch = '';
  let entries: string[] = [];
  for (let ended = false; !ended; ) {
    await waitFor(() => counts.hitsAfterWrites >= 10 && counts.writesAnswered === writeIndices.size);
    oldEpoch = String(await redis.command('GET', `${prefix}epoch`));
    entries = (await redis.command('KEYS', `${prefix}e:${oldEpoch}:*`)) as string[];
    ended = entries.length > 0 || (await Promise.race([loadEnded, Promise.resolve(false)]));
    counts.hitsAfterWrites = 0;
  }
  await redis.stop(); // returns once the process has exited
  downAt = performance.now();
  writing = true;
  await Promise.all([sleep(o.downMs), waitFor(() => counts.bypassesDown >= 20 && counts.writesDown >= 3)]);
  // No write while Redis comes back until the old entries are counted: an invalidation after the
  // restart deletes old-epoch entries too (tag sets span epochs), which would hide what Redis kept.
  writing = false;
  await waitFor(() => counts.writesAnswered === writeIndices.size);
  const startAt = performance.now();
  await redis.start(); // returns once it answers PING, with the data it had (persistent)
  let kept = 0;
  for (const key of entries) kept += Number(await redis.command('EXISTS', key));
  writing = true;
  upAt = performance.now();
  const records = await load;
  const phaseOf = (r: RequestRecord) =>
    r.end < downAt ? 'before' : r.start > downAt && r.end < startAt ? 'during' : r.start > upAt ? 'after' : null;
  const phases = { before: [], during: [], after: [] } as Record<'before' | 'during' | 'after', RequestRecord[]>;
  for (const r of records) {
    const phase = phaseOf(r);
    if (phase) phases[phase].push(r);
  }
  const tally = (rs: RequestRecord[]) => {
    const out: Record<string, number> = {};
    for (const r of rs) {
      const k = r.code ? `failed ${r.code}` : (r.cache ?? 'no x-cache');
      out[k] = (out[k] ?? 0) + 1;
    }
    const s = summarize(rs);
    return { ...out, p50Ms: s.p50Ms, p99Ms: s.p99Ms };
  };
  const firstHit = records.filter((r) => r.cache === 'HIT' && r.start >= upAt).sort((a, b) => a.end - b.end)[0];
  return {
    scenario: `Redis killed for ${round(startAt - downAt)} ms under ${o.clients} clients`,
    load: summarize(records),
    outageMs: round(upAt - downAt),
    phases: { before: tally(phases.before), during: tally(phases.during), after: tally(phases.after) },
    firstHitAfterUpMs: round((firstHit?.end ?? Infinity) - upAt),
    bypassesCounted: sys.app.cache.stats().bypasses - bypassesBefore,
    writes: { sent: records.filter((r) => isWrite(r.index!)).length, failed: records.filter((r) => isWrite(r.index!) && r.code !== null).length },
    staleReads: staleReads(initial, writes, reads),
    entriesAtKill: entries.length,
    entriesKeptAcrossOutage: kept,
    epochReplaced: (await redis.command('GET', `${prefix}epoch`)) !== oldEpoch,
  };
}

export interface TimeoutReport {
  statementTimeoutMs: number;
  single: { ms: number; status: number; code: string | null; message: string | undefined };
  burst: { requests: number; byCode: Record<string, number>; maxMs: number };
  after: { ok: number; of: number; maxMs: number };
  lingeringBackends: number;
}

/** Slow queries over statement_timeout (fault injection): cancelled, coded, and the pool stays usable. */
export async function statementTimeout(sys: FaultSystem, o = { slowMs: 10_000, burst: 60 }): Promise<TimeoutReport> {
  const timeoutMs = sys.app.config.DB_STATEMENT_TIMEOUT_MS;
  const slow = { 'x-fault-delay-ms': String(o.slowMs) };
  const one = await sendOnce(sys.url, sys.key, readQuery(), slow);
  const burst = await Promise.all(Array.from({ length: o.burst }, () => sendOnce(sys.url, sys.key, readQuery(), slow)));
  const after = await Promise.all(Array.from({ length: 40 }, () => sendOnce(sys.url, sys.key, readQuery())));
  const [{ n }] = await sys.app.db.query<{ n: number }>(`/* lingeringSleeps */ SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%faultSleep%' AND state = 'active' AND pid <> pg_backend_pid()`);
  const byCode: Record<string, number> = {};
  for (const r of burst) byCode[r.code ?? 'OK'] = (byCode[r.code ?? 'OK'] ?? 0) + 1;
  return {
    statementTimeoutMs: timeoutMs,
    single: { ms: round(one.end - one.start), status: one.status, code: one.code, message: one.json?.errors?.[0]?.message },
    burst: { requests: burst.length, byCode, maxMs: round(Math.max(...burst.map((r) => r.end - r.start))) },
    after: { ok: after.filter((r) => r.code === null).length, of: after.length, maxMs: round(Math.max(...after.map((r) => r.end - r.start))) },
    lingeringBackends: n,
  };
}

export interface OverloadReport {
  poolMax: number;
  baseline: ReturnType<typeof summarize> & { clients: number };
  overload: ReturnType<typeof summarize> & { clients: number };
  unanswered: number;
  rssMb: number;
}

/** 500 concurrent clients against a pool of 20: slower, never broken, every request answered. */
export async function overload(sys: FaultSystem, o = { baselineClients: 10, clients: 500, durationMs: 10_000 }): Promise<OverloadReport> {
  const base = await runLoad({ url: sys.url, key: sys.key, clients: o.baselineClients, durationMs: Math.min(5000, o.durationMs), timeoutMs: 30_000, body: readQuery });
  // The promise is "answered", not "answered within a bound": the client waits as long as it takes
  // (a CPU-starved machine stretches the queue), and every client sends at least once.
  const heavy = await runLoad({ url: sys.url, key: sys.key, clients: o.clients, durationMs: o.durationMs, maxRequests: 500_000, timeoutMs: 180_000, eachClientOnce: true, body: readQuery });
  return {
    poolMax: sys.app.config.DB_POOL_MAX,
    baseline: { clients: o.baselineClients, ...summarize(base) },
    overload: { clients: o.clients, ...summarize(heavy) },
    unanswered: heavy.filter((r) => r.code === 'NETWORK').length,
    rssMb: round(process.memoryUsage().rss / 2 ** 20),
  };
}

export interface BootReport {
  whileDown: { requests: number; byCode: Record<string, number>; statuses: number[]; maxMs: number };
  /** From PostgreSQL accepting connections to the first successful answer, no restart of the app. */
  recoveryMs: number;
}

/** The app started while PostgreSQL is down (porsager/postgres#641): 503s, then recovery on its own. */
export async function postgresDownAtBoot(sys: FaultSystem): Promise<BootReport> {
  await sys.app.close();
  await sys.pg.stop();
  const { createApp } = await import('../src/app.js');
  const app = await createApp({ ...sys.app.config, migrateOnStart: false });
  try {
    const url = await app.listen(0, '127.0.0.1');
    const down = await Promise.all(Array.from({ length: 10 }, () => sendOnce(url, sys.key, readQuery(), {}, 15_000)));
    const byCode: Record<string, number> = {};
    for (const r of down) byCode[r.code ?? 'OK'] = (byCode[r.code ?? 'OK'] ?? 0) + 1;
    await sys.pg.start();
    const upAt = performance.now();
    let okAt = NaN;
    while (performance.now() - upAt < 30_000) {
      const r = await sendOnce(url, sys.key, readQuery(), {}, 15_000);
      if (r.code === null) {
        okAt = r.end;
        break;
      }
      await sleep(50);
    }
    return {
      whileDown: { requests: down.length, byCode, statuses: [...new Set(down.map((r) => r.status))], maxMs: round(Math.max(...down.map((r) => r.end - r.start))) },
      recoveryMs: round(okAt - upAt),
    };
  } finally {
    await app.close();
  }
}

async function main(which: string[]) {
  const all = ['outage', 'restart', 'redis', 'timeout', 'overload', 'boot', 'shutdown'];
  const run = which.length ? which : all;
  for (const name of run) {
    if (name === 'shutdown') {
      console.log(JSON.stringify({ name, ...(await gracefulShutdown()) }, null, 2));
      continue;
    }
    const redis = name === 'redis' ? await PrivateRedis.start({ persistent: true }) : undefined;
    const sys = await startFaultSystem(
      name === 'timeout' ? { DB_STATEMENT_TIMEOUT_MS: '1000' } : redis ? { REDIS_URL: redis.url, CACHE: 'on' } : {},
    );
    try {
      const started = performance.now();
      const report =
        name === 'outage' ? await postgresOutage(sys)
        : name === 'restart' ? await postgresRestart(sys)
        : name === 'redis' ? await redisOutage(sys, redis!)
        : name === 'timeout' ? await statementTimeout(sys)
        : name === 'overload' ? await overload(sys)
        : name === 'boot' ? await postgresDownAtBoot(sys)
        : (() => { throw new Error(`unknown scenario ${name}; one of ${all.join(', ')}`); })();
      console.log(JSON.stringify({ name, ...report, wallMs: round(performance.now() - started) }, null, 2));
    } finally {
      await sys.close();
      await redis?.destroy();
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
