// Run by test/http/hit-path-names.test.ts as `node --import ./test/support/count-function-names.mjs
// --import tsx` (the way npm start runs the server): serves cache hits, then misses of the benchmark's
// read shapes, and prints, as JSON, the closures the server's own code named at start-up and while
// serving each.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiKey } from '../../src/auth/api-keys.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { seedData } from '../../src/db/seed-data.js';
import { readShapes } from './read-shapes.js';

const tally = (globalThis as unknown as { functionNameDefines: Map<string, number> }).functionNameDefines;
const ours = () => [...tally].filter(([file]) => file.includes('/src/')).sort((a, b) => b[1] - a[1]);

const dir = mkdtempSync(join(tmpdir(), 'hit-names-'));
const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  PGLITE_DIR: dir,
  DEMO_DATA: 'false',
  CACHE: 'on',
  CACHE_REFRESH_AHEAD: '0',
  ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `hit-names-${process.pid}-${Date.now()}:` } : {}),
});
const app = await createApp(config);
const { secret } = await createApiKey(app.db, { name: 'hit-names', role: 'admin' });
const url = await app.listen(0, '127.0.0.1');
const atStart = ours().reduce((n, [, c]) => n + c, 0);
const body = JSON.stringify({ query: 'query Probe { projects(first: 5) { nodes { id name } } }', operationName: 'Probe' });
const headers = { 'content-type': 'application/json', authorization: `Bearer ${secret}` };
const caches: string[] = [];
// Warm-up: the first answer is a miss that stores the entry; the fast path then knows the document.
for (let i = 0; i < 5; i++) await (await fetch(url, { method: 'POST', headers, body })).text();
tally.clear();
for (let i = 0; i < 20; i++) {
  // Every other hit finds its API key out of the key cache (as after its bound), so both ways are counted.
  if (i % 2 === 1) app.authenticator.keys.invalidate('local-write');
  const res = await fetch(url, { method: 'POST', headers, body });
  await res.text();
  caches.push(res.headers.get('x-cache') ?? 'none');
}
const duringHits = ours();

// Misses of the benchmark's read shapes (bench/scenarios.ts) on a little data: loaders, resolvers,
// SQL and the store. A variable no operation declares makes every request a key of its own.
await seedData(app.db, { projects: 2, videosPerProject: 4, groundTruthMean: 20, bigVideoEvery: 1000, sessionEvery: 1, detectionsMean: 30, seed: 7 });
const post = async (query: string, variables: Record<string, unknown>) => {
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  return { cache: res.headers.get('x-cache') ?? 'none', body: (await res.json()) as { data?: any; errors?: unknown } };
};
const reads = await readShapes(post);
// Warm-up: each shape once (compiled, accepted, its module code run).
for (const [query, variables] of reads) await post(query, { ...variables, probe: -1 });
tally.clear();
const misses: string[] = [];
for (let i = 0; i < 4; i++) {
  for (const [query, variables] of reads) {
    const { cache, body } = await post(query, { ...variables, probe: i });
    misses.push(body.errors || !body.data ? 'error' : cache);
  }
}
const duringMisses = ours();
await app.close();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(JSON.stringify({ atStart, caches, duringHits, misses, duringMisses }) + '\n');
