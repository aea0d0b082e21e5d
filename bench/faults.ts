// npm run faults [-- outage|restart|timeout|overload]: faults under load against a throwaway
// PostgreSQL (never the shared one on 5432), printing the figures the README quotes. The same
// scenarios run, shorter, in test/faults/faults.test.ts.
import { execFileSync, spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { startFaultSystem, readQuery, type FaultSystem } from './fault-system.js';
import { runLoad, sendOnce, summarize, type RequestRecord } from './load.js';
import { freePort, startThrowawayPostgres } from './throwaway-postgres.js';

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
  };
}

/** PostgreSQL stopped (fast shutdown) for `downMs` in the middle of a load run, then started. */
export async function postgresOutage(sys: FaultSystem, o = { clients: 20, durationMs: 10_000, downAfterMs: 3000, downMs: 3000 }): Promise<OutageReport> {
  const load = runLoad({ url: sys.url, key: sys.key, clients: o.clients, durationMs: o.durationMs, maxRequests: 200_000, timeoutMs: 15_000, body: readQuery });
  await sleep(o.downAfterMs);
  const downAt = performance.now();
  sys.pg.stop();
  await sleep(o.downMs);
  sys.pg.start(); // pg_ctl -w: returns once the server accepts connections
  const upAt = performance.now();
  return outageReport(`PostgreSQL stopped ${o.downMs} ms under ${o.clients} clients`, await load, downAt, upAt);
}

/** `pg_ctl restart -m fast` in the middle of a load run. */
export async function postgresRestart(sys: FaultSystem, o = { clients: 20, durationMs: 8000, restartAfterMs: 3000 }): Promise<OutageReport> {
  const load = runLoad({ url: sys.url, key: sys.key, clients: o.clients, durationMs: o.durationMs, maxRequests: 200_000, timeoutMs: 15_000, body: readQuery });
  await sleep(o.restartAfterMs);
  const downAt = performance.now();
  sys.pg.restart();
  const upAt = performance.now();
  return outageReport(`pg_ctl restart -m fast under ${o.clients} clients`, await load, downAt, upAt);
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
  const heavy = await runLoad({ url: sys.url, key: sys.key, clients: o.clients, durationMs: o.durationMs, maxRequests: 500_000, timeoutMs: 30_000, body: readQuery });
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
  sys.pg.stop();
  const { createApp } = await import('../src/app.js');
  const app = await createApp({ ...sys.app.config, migrateOnStart: false });
  try {
    const url = await app.listen(0, '127.0.0.1');
    const down = await Promise.all(Array.from({ length: 10 }, () => sendOnce(url, sys.key, readQuery(), {}, 15_000)));
    const byCode: Record<string, number> = {};
    for (const r of down) byCode[r.code ?? 'OK'] = (byCode[r.code ?? 'OK'] ?? 0) + 1;
    sys.pg.start();
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

export interface ShutdownReport {
  inflight: { status: number; code: string | null; ms: number };
  /** A request sent 200 ms after SIGTERM: refused (status 0) once the server stopped listening. */
  afterSignal: { status: number; code: string | null };
  exit: { code: number | null; signal: string | null; msAfterSigterm: number };
}

/**
 * SIGTERM 300 ms into a 2 s request, on the real entry point (`src/main.ts`) in production mode:
 * the request completes, new connections are refused, the process closes the pool and exits 0.
 */
export async function gracefulShutdown(o = { slowMs: 2000, signalAfterMs: 300 }): Promise<ShutdownReport> {
  const pg = await startThrowawayPostgres();
  try {
    const port = await freePort();
    const env = { ...process.env, NODE_ENV: 'production', DATABASE_URL: pg.url, MIGRATE_ON_START: 'true', FAULT_INJECTION: 'true', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
    const lines = execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/keys.ts', 'create', '--name', 'shutdown', '--admin'], { env }).toString().trim().split('\n');
    const key = lines[lines.length - 1];
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((r) => child.on('exit', (code, signal) => r({ code, signal, at: performance.now() })));
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const deadline = performance.now() + 60_000;
    while (!out.includes('serving GraphQL') && performance.now() < deadline) await sleep(50);
    if (!out.includes('serving GraphQL')) throw new Error('server did not start within 60 s');
    const url = `http://127.0.0.1:${port}/graphql`;
    const inflight = sendOnce(url, key, readQuery(), { 'x-fault-delay-ms': String(o.slowMs) });
    await sleep(o.signalAfterMs);
    const signalAt = performance.now();
    child.kill('SIGTERM');
    await sleep(200);
    const late = await sendOnce(url, key, readQuery(), {}, 5000);
    const r = await inflight;
    const e = await Promise.race([exited, sleep(20_000).then(() => ({ code: null, signal: 'still running after 20 s', at: performance.now() }))]);
    if (e.signal === 'still running after 20 s') child.kill('SIGKILL');
    return {
      inflight: { status: r.status, code: r.code, ms: round(r.end - r.start) },
      afterSignal: { status: late.status, code: late.code },
      exit: { code: e.code, signal: e.signal, msAfterSigterm: round(e.at - signalAt) },
    };
  } finally {
    pg.destroy();
  }
}

async function main(which: string[]) {
  const all = ['outage', 'restart', 'timeout', 'overload', 'boot', 'shutdown'];
  const run = which.length ? which : all;
  for (const name of run) {
    if (name === 'shutdown') {
      console.log(JSON.stringify({ name, ...(await gracefulShutdown()) }, null, 2));
      continue;
    }
    const sys = await startFaultSystem(name === 'timeout' ? { DB_STATEMENT_TIMEOUT_MS: '1000' } : {});
    try {
      const started = performance.now();
      const report =
        name === 'outage' ? await postgresOutage(sys)
        : name === 'restart' ? await postgresRestart(sys)
        : name === 'timeout' ? await statementTimeout(sys)
        : name === 'overload' ? await overload(sys)
        : name === 'boot' ? await postgresDownAtBoot(sys)
        : (() => { throw new Error(`unknown scenario ${name}; one of ${all.join(', ')}`); })();
      console.log(JSON.stringify({ name, ...report, wallMs: round(performance.now() - started) }, null, 2));
    } finally {
      await sys.close();
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
