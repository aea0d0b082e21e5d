// The graceful-shutdown scenario of `npm run faults` (bench/faults.ts): the real entry point in
// production mode, SIGTERM while a slow request is in flight. Its own file because it starts its own
// server process and PostgreSQL, unlike the other scenarios, which share one fault system.
import { execFileSync, spawn } from 'node:child_process';
import { readQuery } from './fault-system.js';
import { sendOnce } from './load.js';
import { freePort, startThrowawayPostgres } from './throwaway-postgres.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number) => Math.round(n);

export interface ShutdownReport {
  inflight: { status: number; code: string | null; ms: number };
  /** The first request after SIGTERM that was refused (status 0), or the last one sent before the slow request ended. */
  afterSignal: { status: number; code: string | null; beforeInflightEnded: boolean };
  exit: { code: number | null; signal: string | null; msAfterSigterm: number };
}

/**
 * SIGTERM once the server holds a 2 s request (at least 300 ms into it), on the real entry point (`src/main.ts`) in production mode:
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
    const deadline = performance.now() + 120_000;
    while (!out.includes('serving GraphQL') && performance.now() < deadline) await sleep(50);
    if (!out.includes('serving GraphQL')) throw new Error('server did not start within 120 s');
    const base = `http://127.0.0.1:${port}`;
    const url = `${base}/graphql`;
    const inflight = sendOnce(url, key, readQuery(), { 'x-fault-delay-ms': String(o.slowMs) });
    let inflightDone = false;
    void inflight.then(() => (inflightDone = true));
    // SIGTERM once the server holds the request (and at least `signalAfterMs` after it was sent).
    await sleep(o.signalAfterMs);
    while (!inflightDone) {
      const health = await fetch(`${base}/health/database`, { headers: { authorization: `Bearer ${key}` } }).then((res) => res.json()).catch(() => null);
      if (health?.inFlightRequests >= 1) break;
      await sleep(20);
    }
    const signalAt = performance.now();
    child.kill('SIGTERM');
    // New requests until one is refused: the listener must close while the slow request still runs.
    let late = await sendOnce(url, key, readQuery(), {}, 5000);
    while (late.code !== 'NETWORK' && !inflightDone) {
      await sleep(20);
      late = await sendOnce(url, key, readQuery(), {}, 5000);
    }
    const r = await inflight;
    const e = await Promise.race([exited, sleep(20_000).then(() => ({ code: null, signal: 'still running after 20 s', at: performance.now() }))]);
    if (e.signal === 'still running after 20 s') child.kill('SIGKILL');
    return {
      inflight: { status: r.status, code: r.code, ms: round(r.end - r.start) },
      afterSignal: { status: late.status, code: late.code, beforeInflightEnded: late.end < r.end },
      exit: { code: e.code, signal: e.signal, msAfterSigterm: round(e.at - signalAt) },
    };
  } finally {
    pg.destroy();
  }
}
