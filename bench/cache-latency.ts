// Response-cache figures on real PostgreSQL and Redis: server time of a HIT vs a MISS (and CACHE=off)
// for the video-list page and a 10k-box ground-truth page, and the hit rate of a read-heavy mixed
// workload. Server time is measured inside the HTTP server (request in → response finished); the
// client runs in a child process, so the server's CPU time per request (process.cpuUsage) is also
// reported — the figure that stays meaningful when the machine is loaded by other work.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379 npm run bench:cache
//
// Creates and drops a database of its own and uses a Redis key prefix of its own (removed at the end).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { createApp, type App } from '../src/app.js';
import { createApiKey } from '../src/auth/api-keys.js';
import { writeTags } from '../src/cache/cache-tags.js';
import { loadConfig } from '../src/config.js';
import { createPostgresDb, defaultPoolOptions, type Db } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { seedData } from '../src/db/seed-data.js';
import { removePrefix } from './throwaway-redis.js';

const baseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
if (!baseUrl || !redisUrl) {
  console.error('needs DATABASE_URL and REDIS_URL');
  process.exit(2);
}

const videoList = `query VideoList($projectId: ID!, $first: Int = 50) {
  project(id: $projectId) { id name videos(first: $first) { totalCount pageInfo { hasNextPage endCursor }
    nodes { id filename status createdAt duration fileSize groundTruthGenerated groundTruthCount maxConfidence } } } }`;
const groundTruth = `query VideoGroundTruth($videoId: ID!, $first: Int = 10000, $minConfidence: Float = 0) {
  video(id: $videoId) { id groundTruthCount groundTruth(first: $first, minConfidence: $minConfidence) { totalCount
    pageInfo { hasNextPage endCursor } nodes { id frameNumber timestamp classLabel confidence x y width height validated difficult } } } }`;
const dashboard = `query ProjectDashboard($projectId: ID!) { project(id: $projectId) { id name stats { videoCount groundTruthTotal
  groundTruthValidated detectionsByResult { total tp fp fn pending } } testSessions(first: 10) { nodes { id status detectionStats { total tp } } } } }`;

interface Served {
  ms: number;
  cache: string;
}

function withServerTimer(app: App) {
  const times: Served[] = [];
  app.httpServer.prependListener('request', (_req, res) => {
    const t = performance.now();
    res.on('finish', () => times.push({ ms: performance.now() - t, cache: String(res.getHeader('x-cache')) }));
  });
  return times;
}

/** The admin key the run creates (every request needs one). */
let apiKey = '';

async function post(url: string, query: string, variables: Record<string, unknown>) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return res.headers.get('x-cache');
}

// The client: n sequential requests; with `nonce` each carries an unused variable of its own, so
// every request is a distinct cache key doing the same work (a miss), otherwise all are one key.
const clientScript = `
const [url, query, vars, n, nonce, key] = process.argv.slice(1);
const counts = {};
for (let i = 0; i < Number(n); i++) {
  const variables = { ...JSON.parse(vars), ...(nonce === '1' ? { nonce: process.pid + '-' + i + '-' + Math.random() } : {}) };
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + key }, body: JSON.stringify({ query, variables }) });
  const text = await res.text();
  if (text.includes('"errors"')) throw new Error(text.slice(0, 300));
  const x = res.headers.get('x-cache');
  counts[x] = (counts[x] ?? 0) + 1;
}
console.log(JSON.stringify(counts));
`;

async function fromChild(url: string, query: string, vars: Record<string, unknown>, n: number, nonce: boolean, times: Served[]) {
  times.length = 0;
  const cpu = process.cpuUsage();
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', clientScript, url, query, JSON.stringify(vars), String(n), nonce ? '1' : '0', apiKey]);
  const used = process.cpuUsage(cpu);
  return { counts: JSON.parse(stdout) as Record<string, number>, cpuMs: (used.user + used.system) / 1000 / n, wall: times.map((t) => t.ms) };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(2)} ms, p95 ${pct(xs, 95).toFixed(2)} ms (n=${xs.length})`;

async function main() {
  const name = `truthgraph_bench_cache_${randomBytes(4).toString('hex')}`;
  const admin = postgres(baseUrl!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const u = new URL(baseUrl!);
  u.pathname = `/${name}`;
  const db: Db = createPostgresDb(u.toString(), { ...defaultPoolOptions, max: 10 });
  const prefix = `tg-bench:${randomBytes(4).toString('hex')}:`;
  const apps: App[] = [];
  try {
    await migrate(db);
    const t = performance.now();
    await seedData(db, { projects: 2, videosPerProject: 200, groundTruthMean: 60, bigVideoEvery: 100, sessionEvery: 10, detectionsMean: 100, seed: 7 });
    console.log(`seeded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    apiKey = (await createApiKey(db, { name: 'bench-cache', role: 'admin' })).secret;
    const [big] = await db.query<{ id: string; projectId: string; n: number }>(
      `SELECT id, project_id AS "projectId", ground_truth_count AS n FROM videos WHERE ground_truth_count >= 10000 ORDER BY id LIMIT 1`,
    );
    const projects = await db.query<{ id: string }>(`SELECT id FROM projects ORDER BY id`);
    const videos = await db.query<{ id: string; projectId: string }>(`SELECT id, project_id AS "projectId" FROM videos ORDER BY id LIMIT 40`);
    console.log(`big video ${big.id}: ${big.n} boxes`);

    for (const mode of ['on', 'off'] as const) {
      const config = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'silent', DATABASE_URL: u.toString(), REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix, CACHE: mode, MIGRATE_ON_START: 'false' });
      const app = await createApp(config, { db });
      apps.push(app);
      const url = await app.listen(0, '127.0.0.1');
      const times = withServerTimer(app);
      const cases = [
        { label: 'video list (50 videos)', query: videoList, vars: { projectId: big.projectId }, misses: 30, hits: 3000, warmup: 1000 },
        { label: `ground truth page (${big.n} boxes, first 10000)`, query: groundTruth, vars: { videoId: big.id }, misses: 10, hits: 100, warmup: 20 },
      ];
      for (const c of cases) {
        // Warm-up (and fill): a server runs hot code; the first few hundred requests run unoptimized.
        await fromChild(url, c.query, c.vars, c.warmup, false, times);
        if (mode === 'on') {
          const miss = await fromChild(url, c.query, c.vars, c.misses, true, times);
          const hit = await fromChild(url, c.query, c.vars, c.hits, false, times);
          if (miss.counts.MISS !== c.misses || hit.counts.HIT !== c.hits) throw new Error(`unexpected: ${JSON.stringify([miss.counts, hit.counts])}`);
          console.log(`CACHE=on  ${c.label}: MISS ${fmt(miss.wall)}, server CPU ${miss.cpuMs.toFixed(2)} ms/req`);
          console.log(`CACHE=on  ${c.label}: HIT  ${fmt(hit.wall)}, server CPU ${hit.cpuMs.toFixed(2)} ms/req`);
        } else {
          const off = await fromChild(url, c.query, c.vars, c.misses, false, times);
          console.log(`CACHE=off ${c.label}: ${fmt(off.wall)}, server CPU ${off.cpuMs.toFixed(2)} ms/req`);
        }
      }

      if (mode === 'on') {
        // Read-heavy mixed workloads from a cold cache: 2,000 operations, reads over 48 distinct pages
        // (skewed popularity), 5% or 1% writes, each invalidating what a ground-truth write to one
        // video changes (its page, its project's video lists and dashboard). Deterministic sequence.
        const pages = [
          ...projects.map((p) => ({ query: dashboard, vars: { projectId: p.id } })),
          ...projects.flatMap((p) => [10, 25, 50].map((first) => ({ query: videoList, vars: { projectId: p.id, first } }))),
          ...videos.map((v) => ({ query: groundTruth, vars: { videoId: v.id, first: 200 } })),
        ];
        for (const writeShare of [0.05, 0.01]) {
        let seed = 12345;
        const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
        await app.cache.store!.bumpEpoch(); // start each mix from a cold cache
        const before = app.cache.stats();
        for (let i = 0; i < 2000; i++) {
          if (rnd() < writeShare) {
            const v = videos[Math.floor(rnd() * videos.length)];
            await app.cache.invalidate(writeTags.groundTruth(v));
          } else {
            // Skewed popularity: low page indexes are read more often.
            const page = pages[Math.floor(rnd() ** 2 * pages.length)];
            await post(url, page.query, page.vars);
          }
        }
        const after = app.cache.stats();
        const hits = after.hits - before.hits;
        const misses = after.misses - before.misses;
        console.log(
          `mixed workload (2000 ops, ${writeShare * 100}% writes, ${pages.length} pages): hit rate ${((100 * hits) / (hits + misses)).toFixed(1)}% (${hits} hits, ${misses} misses, ${after.invalidatedEntries - before.invalidatedEntries} entries invalidated)`,
        );
        }
      }
      await app.close();
    }
  } finally {
    for (const app of apps) await app.close();
    await db.close();
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end({ timeout: 5 });
    await removePrefix(redisUrl!, prefix);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
