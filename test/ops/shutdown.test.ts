// Graceful shutdown of the real server process (node --import tsx src/main.ts, NODE_ENV=production,
// where Apollo's drain is active): after SIGTERM no new connection is accepted, every request already
// in flight is answered 200 with its data, the pool closes, and the process exits 0. Slow requests
// come from FAULT_INJECTION (x-fault-delay-ms → pg_sleep holding a pooled connection).
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys.js';
import { createTestDatabase, databaseKinds, pgliteDirWithKey } from '../support/databases.js';

/** The server's environment for a fresh database of `kind` (PGlite: a copy of the test template). */
async function serverDatabase(kind: string): Promise<{ env: Record<string, string>; key: string; drop(): Promise<void> }> {
  if (kind === 'postgres') {
    const database = await createTestDatabase('postgres');
    const { secret } = await createApiKey(database.db, { name: 'shutdown', role: 'admin' });
    return { env: { DATABASE_URL: database.url!, MIGRATE_ON_START: 'false' }, key: secret, drop: () => database.drop() };
  }
  const { dir, secret, remove } = await pgliteDirWithKey('truthgraph-shutdown-', 'shutdown');
  return {
    env: { PGLITE_DIR: dir, MIGRATE_ON_START: 'false', DEMO_DATA: 'false' },
    key: secret,
    drop: async () => remove(),
  };
}

interface Server {
  child: ChildProcess;
  url: string;
  port: number;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

async function startServer(env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', FAULT_INJECTION: 'true', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 90_000);
    const check = () => {
      const m = /serving GraphQL at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => reject(new Error(`server exited during startup:\n${out}`)));
  });
  return { child, url, port: Number(new URL(url).port), output: () => out, exited };
}

const slowQuery = (id: number) =>
  JSON.stringify({ query: `query InFlight${id} { projects(first: 1) { totalCount } }` });

function connectResult(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

for (const kind of databaseKinds) {
  describe(`graceful shutdown of the server process [${kind}]`, () => {
    let database: Awaited<ReturnType<typeof serverDatabase>>;
    let env: Record<string, string>;
    beforeAll(async () => {
      database = await serverDatabase(kind);
      env = database.env;
    });
    afterAll(() => database?.drop());

    it('on SIGTERM refuses new connections, answers every in-flight request with 200, and exits 0', async () => {
      const server = await startServer({ ...env, SHUTDOWN_GRACE_MS: '10000' });
      try {
        const inFlight = [1, 2, 3].map((i) =>
          fetch(server.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${database.key}`, 'x-fault-delay-ms': '1500' },
            body: slowQuery(i),
          }),
        );
        // Wait until the server holds the slow requests: on PostgreSQL their pg_sleep occupies three
        // pooled connections; on PGlite the delay is a timer (see fault.queries.ts), so give it time.
        const deadline = performance.now() + 10_000;
        for (;;) {
          const health = await (await fetch(server.url.replace('/graphql', '/health/database'), { headers: { authorization: `Bearer ${database.key}` } })).json();
          if (kind === 'postgres' ? health.pool.inFlight >= 3 : true) break;
          if (performance.now() > deadline) throw new Error('slow requests never reached the database');
          await new Promise((r) => setTimeout(r, 50));
        }
        if (kind === 'pglite') await new Promise((r) => setTimeout(r, 400));
        let settled = false;
        const all = Promise.all(inFlight).finally(() => (settled = true));
        server.child.kill('SIGTERM');
        // The listener closes as soon as the signal is handled, while the slow requests still run.
        let refusedWhileInFlight = false;
        while (!settled) {
          if ((await connectResult(server.port)) === 'ECONNREFUSED') {
            refusedWhileInFlight = !settled;
            break;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
        expect(refusedWhileInFlight).toBe(true);

        const responses = await all;
        for (const res of responses) {
          expect(res.status).toBe(200);
          expect(await res.json()).toEqual({ data: { projects: { totalCount: 0 } } });
        }
        const exit = await server.exited;
        expect(exit).toMatchObject({ code: 0, signal: null });
        // Drained within the grace: a request cut by its end would not have been answered 200 above.
        expect(server.output()).toContain('shutting down');
        expect(server.output()).toContain('shutdown complete');
      } finally {
        if (server.child.exitCode === null) server.child.kill('SIGKILL');
      }
    }, 120_000);
  });
}

// The bounded-grace path once, on PostgreSQL when available (its pool end is the part that can hang).
const boundedKind = databaseKinds[databaseKinds.length - 1];
describe(`shutdown with a request outliving the grace period [${boundedKind}]`, () => {
  let database: Awaited<ReturnType<typeof serverDatabase>>;
  let env: Record<string, string>;
  beforeAll(async () => {
    database = await serverDatabase(boundedKind);
    env = database.env;
  });
  afterAll(() => database?.drop());

  it('stops waiting for a request that outlives SHUTDOWN_GRACE_MS and still exits 0', async () => {
    const server = await startServer({ ...env, SHUTDOWN_GRACE_MS: '500', DB_STATEMENT_TIMEOUT_MS: '120000' });
    try {
      const hung = fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${database.key}`, 'x-fault-delay-ms': '60000' },
        body: slowQuery(9),
      }).then((r) => r.status, (err: Error) => `failed: ${err.message}`);
      await new Promise((r) => setTimeout(r, 400));
      const signalledAt = performance.now();
      server.child.kill('SIGTERM');
      const exit = await server.exited;
      expect(exit).toMatchObject({ code: 0, signal: null });
      // Grace (0.5 s) plus the pool's bounded end (≤ 5 s): the process exits long before the request's
      // 60 s would have ended (the margin is for a CPU-starved machine).
      expect(exit.at - signalledAt).toBeLessThan(60_000);
      // The cut request fails on the client side rather than hanging.
      expect(String(await hung)).toMatch(/^failed|^5\d\d$/);
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
  }, 240_000);
});
