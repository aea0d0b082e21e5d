// ingestDetections of 10,000 new detections (no ids: the server makes them), end to end over HTTP, for
// two or more checkouts each on its own copy of the scale-1 benchmark database (a checkout with a new
// migration must not migrate the shared one), alternating round by round so every checkout sees the
// same machine. Each round starts the checkout's server in production mode, warms it up, times RUNS
// sequential calls into the first running session, reports the median and the CPU per call of Node and
// of PostgreSQL (bench/cpu.ts), then deletes the rows it inserted and vacuums, so rounds stay alike.
// Usage: npx tsx bench/ingest-ab.ts <dirA>@<databaseUrlA> <dirB>@<databaseUrlB> …   (ROUNDS=3, RUNS=9)
//   e.g. createdb -T truthgraph_bench_s1 tg_a_s1; createdb -T truthgraph_bench_s1 tg_b_s1
//        git worktree add --detach /tmp/main-tree main && ln -s $PWD/node_modules /tmp/main-tree/
//        (cd . && DATABASE_URL=…/tg_b_s1 npm run db:migrate)
//        npx tsx bench/ingest-ab.ts /tmp/main-tree@postgres://postgres@127.0.0.1:5432/tg_a_s1 .@postgres://postgres@127.0.0.1:5432/tg_b_s1
import os from 'node:os';
import { resolve } from 'node:path';
import postgres from 'postgres';
import { createApiKey } from '../src/auth/api-keys.js';
import { createPostgresDb, defaultPoolOptions } from '../src/db/client.js';
import { CpuMeter } from './cpu.js';
import { ingestDetections, newBenchDetections } from './scenarios.js';
import { startCheckout } from './server-process.js';

const targets = process.argv.slice(2).map((a) => {
  const at = a.indexOf('@');
  return { dir: resolve(a.slice(0, at)), url: a.slice(at + 1) };
});
if (targets.length < 1) throw new Error('usage: npx tsx bench/ingest-ab.ts <dir>@<databaseUrl> …');
const rounds = Number(process.env.ROUNDS ?? 3);
const runs = Number(process.env.RUNS ?? 9);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fresh = JSON.stringify(newBenchDetections(10_000, 'nested-box'));

const keys = new Map<string, string>();
for (const t of targets) {
  const db = createPostgresDb(t.url, { ...defaultPoolOptions, max: 1 });
  keys.set(t.url, (await createApiKey(db, { name: `ingest-ab-${Date.now()}`, role: 'admin' })).secret);
  await db.close();
}

for (let round = 0; round < rounds; round++) {
  for (const { dir, url } of targets) {
    const dbName = new URL(url).pathname.slice(1);
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    const [{ id: sessionId }] = await sql`SELECT id FROM test_sessions WHERE status = 'running' ORDER BY id LIMIT 1`;
    const server = await startCheckout(dir, url);
    const port = server.port;
    const started = new Date();
    const cpu = new CpuMeter(server.pid, url, dbName);
    try {
      const body = `{"query":${JSON.stringify(ingestDetections)},"variables":{"sessionId":"${sessionId}","detections":${fresh}}}`;
      const post = async () => {
        const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.get(url)}` },
          body,
        });
        const text = await res.text();
        if (!text.includes('"inserted":10000')) throw new Error(`${dir}: ${text.slice(0, 300)}`);
      };
      for (let i = 0; i < 3; i++) await post();
      const load = os.loadavg()[0];
      const before = await cpu.sample();
      const wall: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        await post();
        wall.push(performance.now() - t);
      }
      const after = await cpu.sample();
      let pg = 0;
      for (const [pid, ms] of after.backends) pg += ms - (before.backends.get(pid) ?? 0);
      console.log(
        `round ${round} ${dir.padEnd(24)} ${dbName}: median ${median(wall).toFixed(0)} ms (min ${Math.min(...wall).toFixed(0)}, max ${Math.max(...wall).toFixed(0)}), ` +
          `CPU per call Node ${((after.node! - before.node!) / runs).toFixed(0)} ms, PostgreSQL ${(pg / runs).toFixed(0)} ms, load ${load.toFixed(1)}`,
      );
    } finally {
      await cpu.close();
      await server.stop();
      await sql`DELETE FROM detection_events WHERE test_session_id = ${sessionId}::uuid AND created_at >= ${started}`;
      await sql`VACUUM detection_events`;
      await sql.end({ timeout: 5 });
    }
  }
}
