// A/B of two checkouts on one read scenario, alternating so both see the same machine: each server
// starts in production mode on the benchmark database, is driven at one concurrency after a warm-up,
// and reports p50, requests/s and CPU per request of Node and of PostgreSQL (bench/cpu.ts) — the figure
// that stays comparable on a loaded machine. Checkouts share this one's node_modules (symlink them).
// Usage: npx tsx bench/ab-checkouts.ts <dirA>,<dirB> [scenario=video-list] [concurrency=32] [KEY=VALUE,...]
//   e.g. git worktree add --detach /tmp/main-tree main && ln -s $PWD/node_modules /tmp/main-tree/
//        npx tsx bench/ab-checkouts.ts /tmp/main-tree,. dashboard 32
//        npx tsx bench/ab-checkouts.ts /tmp/main-tree,. video-list 32 CACHE=on,REDIS_URL=redis://127.0.0.1:6379/15,REDIS_KEY_PREFIX=tg-ab:
// DATABASE_URL names a loaded scale-1 benchmark database (default …/truthgraph_bench_s1).
import os from 'node:os';
import { resolve } from 'node:path';
import { createApiKey } from '../src/auth/api-keys.js';
import { createPostgresDb, defaultPoolOptions } from '../src/db/client.js';
import { shapeForScale } from '../src/db/seed-data.js';
import { CpuMeter } from './cpu.js';
import { measure } from './measure.js';
import { readScenarios, targetsFor } from './scenarios.js';
import { startCheckout } from './server-process.js';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/truthgraph_bench_s1';
const dbName = new URL(url).pathname.slice(1);
const dirs = (process.argv[2] ?? '').split(',').filter(Boolean).map((d) => resolve(d));
if (dirs.length < 2) throw new Error('usage: npx tsx bench/ab-checkouts.ts <dirA>,<dirB> [scenario] [concurrency] [KEY=VALUE,...]');
const scenario = readScenarios.find((x) => x.key === (process.argv[3] ?? 'video-list'));
if (!scenario) throw new Error(`scenarios: ${readScenarios.map((s) => s.key).join(', ')}`);
const concurrency = Number(process.argv[4] ?? 32);
const extraEnv = Object.fromEntries((process.argv[5] ?? '').split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]));
const rounds = Number(process.env.ROUNDS ?? 2);

const db = createPostgresDb(url, { ...defaultPoolOptions, max: 1 });
const { secret } = await createApiKey(db, { name: `ab-${Date.now()}`, role: 'admin' });
await db.close();
const op = scenario.op(targetsFor(shapeForScale(1, 1)));

for (let round = 0; round < rounds; round++) {
  for (const dir of dirs) {
    const server = await startCheckout(dir, url, extraEnv);
    const port = server.port;
    const cpu = new CpuMeter(server.pid, url, dbName);
    try {
      const r = await measure({ url: `http://127.0.0.1:${port}/graphql`, requests: [{ body: JSON.stringify(op), headers: { authorization: `Bearer ${secret}` } }], concurrency, durationS: 8, warmupS: 3, cpu });
      console.log(
        `${dir.padEnd(28)} ${scenario.key} c=${concurrency}: p50 ${r.p50.toFixed(2)} ms, ${r.rps.toFixed(0)} req/s, CPU per request Node ${r.cpu?.nodeMs.toFixed(3)} ms, ` +
          `PostgreSQL ${r.cpu?.postgresMs?.toFixed(3)} ms, ${r.non2xx} non-2xx, load ${os.loadavg()[0].toFixed(1)}`,
      );
    } finally {
      await cpu.close();
      await server.stop();
    }
  }
}
