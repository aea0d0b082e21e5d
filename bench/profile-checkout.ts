// A CPU profile of one checkout's server under one read scenario: the server starts as in
// bench/ab-checkouts.ts (production, the checkout's start-script flags, uncached unless KEY=VALUE says
// otherwise) under `node --cpu-prof`, is driven at one concurrency, and writes its profile to <outDir>
// when it stops. Read it with bench/profile-summary.ts (self time per package) or
// bench/profile-inclusive.ts (inclusive).
// Usage: npx tsx bench/profile-checkout.ts <dir> <outDir> [scenario=dashboard] [concurrency=32] [KEY=VALUE,...]
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createApiKey } from '../src/auth/api-keys.js';
import { createPostgresDb, defaultPoolOptions } from '../src/db/client.js';
import { shapeForScale } from '../src/db/seed-data.js';
import { CpuMeter } from './cpu.js';
import { measure } from './measure.js';
import { readScenarios, targetsFor } from './scenarios.js';
import { freePort, startNodeFlags } from './server-process.js';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/truthgraph_bench_s1';
const [dirArg, outArg, scenarioKey = 'dashboard', c = '32', extra = ''] = process.argv.slice(2);
if (!dirArg || !outArg) throw new Error('usage: npx tsx bench/profile-checkout.ts <dir> <outDir> [scenario] [concurrency] [KEY=VALUE,...]');
const scenario = readScenarios.find((x) => x.key === scenarioKey);
if (!scenario) throw new Error(`scenarios: ${readScenarios.map((s) => s.key).join(', ')}`);
const extraEnv = Object.fromEntries(extra.split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));

const db = createPostgresDb(url, { ...defaultPoolOptions, max: 1 });
const { secret } = await createApiKey(db, { name: `profile-${Date.now()}`, role: 'admin' });
await db.close();
const op = scenario.op(targetsFor(shapeForScale(1, 1)));

const port = await freePort();
const child = spawn(process.execPath, [...startNodeFlags(resolve(dirArg)), '--cpu-prof', `--cpu-prof-dir=${resolve(outArg)}`, '--import', 'tsx', 'src/main.ts'], {
  cwd: resolve(dirArg),
  env: { PATH: process.env.PATH!, NODE_ENV: 'production', DATABASE_URL: url, CACHE: 'off', LOG_LEVEL: 'warn', MIGRATE_ON_START: 'false', PORT: String(port), HOST: '127.0.0.1', ...extraEnv },
  stdio: 'inherit',
});
let exited = false;
child.once('exit', () => (exited = true));
for (;;) {
  if (exited) throw new Error('the server exited during start');
  try {
    await fetch(`http://127.0.0.1:${port}/`);
    break;
  } catch {
    await new Promise((r) => setTimeout(r, 200));
  }
}
const cpu = new CpuMeter(child.pid!, url, new URL(url).pathname.slice(1));
const r = await measure({ url: `http://127.0.0.1:${port}/graphql`, requests: [{ body: JSON.stringify(op), headers: { authorization: `Bearer ${secret}` } }], concurrency: Number(c), durationS: Number(process.env.SECONDS ?? 10), warmupS: 3, cpu });
console.log(`${scenario.key} c=${c}: p50 ${r.p50.toFixed(2)} ms, ${r.rps.toFixed(0)} req/s, Node ${r.cpu?.nodeMs.toFixed(3)} ms, PostgreSQL ${r.cpu?.postgresMs?.toFixed(3)} ms per request`);
await cpu.close();
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
