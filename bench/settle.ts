// Between measurement windows: wait until a server has finished what autocannon abandoned when the
// last window closed, so one run's backlog never eats into the next.
import http from 'node:http';
import postgres from 'postgres';
import { agent } from './http-client.js';

/**
 * Waits (at most 5 minutes) until the server's event loop answers a trivial GET quickly and its
 * database runs no statement: the state a measurement window must start from.
 */
export function settler(url: string, databaseUrl: string, dbName: string): () => Promise<void> {
  return async () => {
    const origin = new URL(url).origin;
    const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    try {
      const deadline = Date.now() + 300_000;
      let quiet = 0;
      while (Date.now() < deadline && quiet < 2) {
        const t = performance.now();
        await new Promise<void>((resolve) => {
          const req = http.get(`${origin}/`, { agent }, (res) => {
            res.resume();
            res.on('end', resolve);
          });
          req.on('error', () => resolve());
        });
        const probeMs = performance.now() - t;
        const [{ n }] = await sql`SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = ${dbName} AND state = 'active' AND pid <> pg_backend_pid()`;
        quiet = probeMs < 20 && n === 0 ? quiet + 1 : 0;
        if (quiet < 2) await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await sql.end({ timeout: 5 });
    }
  };
}
