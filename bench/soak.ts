// npm run soak: a mixed workload for SOAK_DURATION_S (default 600 s) with SOAK_CLIENTS loops
// (default 20) against truthgraph on a throwaway PostgreSQL (PGlite in memory when the PostgreSQL
// binaries are missing), with the response cache in Redis when REDIS_URL is set (a key prefix of its
// own, removed at the end) or in process, reporting unexpected answers, the cache's counters and
// memory (RSS, heap after GC) at the start (after a warm-up) and at the end, plus samples in
// between, so a leak shows as a trend. Writes (a video's processing status, a few boxes upserted
// by id) keep invalidating what the reads cached, so the run exercises misses, stores and
// invalidations, not only hits.
import { randomBytes, randomUUID } from 'node:crypto';
import { createApiKey } from '../src/auth/api-keys.js';
import { startFaultSystem, smallShape, type FaultSystem } from './fault-system.js';
import { sendOnce } from './load.js';
import { throwawayPostgresAvailable } from './throwaway-postgres.js';
import { removePrefix } from './throwaway-redis.js';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { seedData } from '../src/db/seed-data.js';

const durationS = Number(process.env.SOAK_DURATION_S ?? 600);
const clients = Number(process.env.SOAK_CLIENTS ?? 20);
const gc = (globalThis as { gc?: () => void }).gc;
const redisPrefix = `tg-soak:${randomBytes(4).toString('hex')}:`;
const cacheEnv: Record<string, string> = process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: redisPrefix } : {};

async function startSystem(): Promise<Omit<FaultSystem, 'pg'> & { kind: string }> {
  if (throwawayPostgresAvailable) return { ...(await startFaultSystem({ FAULT_INJECTION: 'false', CACHE: 'on', ...cacheEnv })), kind: 'postgres (throwaway)' };
  const app = await createApp(loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'silent', PGLITE_DIR: 'memory', MIGRATE_ON_START: 'true', DEMO_DATA: 'false', ...cacheEnv }));
  await seedData(app.db, smallShape);
  const { secret } = await createApiKey(app.db, { name: 'soak', role: 'admin' });
  return { app, url: await app.listen(0, '127.0.0.1'), key: secret, close: () => app.close(), kind: 'pglite (memory)' };
}

function memory() {
  gc?.();
  const m = process.memoryUsage();
  return { rssMb: +(m.rss / 2 ** 20).toFixed(1), heapUsedMb: +(m.heapUsed / 2 ** 20).toFixed(1) };
}

async function main() {
  const sys = await startSystem();
  try {
    const [video] = await sys.app.db.query<{ id: string; project_id: string }>(`SELECT id, project_id FROM videos ORDER BY id LIMIT 1`);
    const [session] = await sys.app.db.query<{ id: string }>(`SELECT id FROM test_sessions ORDER BY id LIMIT 1`);
    const member = (await createApiKey(sys.app.db, { name: 'soak-member', role: 'member', read: [video.project_id] })).secret;
    // Each operation with the answer it must get: reads (admin and member), a refused query, no key.
    // Boxes upserted by id from a fixed set: after the first rounds every write is an update, so the
    // database does not grow with the run and memory trends are the process's own.
    const boxIds = Array.from({ length: 53 }, () => randomUUID());
    const box = (id: string, i: number) => ({ id, frameNumber: i, timestamp: i / 30, classLabel: 'soak', confidence: (sent % 100) / 100, x: 1, y: 1, width: 5, height: 5 });
    const upsertBoxes = 'mutation($id: ID!, $objects: [GroundTruthInput!]!) { upsertGroundTruth(videoId: $id, objects: $objects) { inserted updated } }';
    const mix: { key: string; body: unknown | (() => unknown); expect: (status: number, code: string | null) => boolean }[] = [
      { key: sys.key, body: { query: '{ projects(first: 3) { totalCount nodes { id stats { videoCount groundTruthTotal } } } }' }, expect: (s, c) => s === 200 && !c },
      { key: member, body: { query: 'query($id: ID!) { video(id: $id) { id groundTruth(first: 100, minConfidence: 0) { totalCount nodes { id frameNumber confidence } } groundTruthStats { totalObjects } } }', variables: { id: video.id } }, expect: (s, c) => s === 200 && !c },
      { key: sys.key, body: { query: 'query($id: ID!) { testSession(id: $id) { id video { id } detectionStats { total } detections(first: 50) { nodes { id classLabel } } } }', variables: { id: session.id } }, expect: (s, c) => s === 200 && !c },
      { key: sys.key, body: { query: '{ projects(first: 10) { nodes { videos(first: 20) { nodes { id groundTruthCount testSessions { id } } } } } }' }, expect: (s, c) => s === 200 && !c },
      { key: sys.key, body: { query: '{ projects(first: 100) { nodes { videos(first: 100) { nodes { groundTruth(first: 10000) { nodes { id } } } } } } }' }, expect: (s, c) => s === 400 && c === 'QUERY_TOO_COMPLEX' },
      { key: 'tg_invalid', body: { query: '{ projects { totalCount } }' }, expect: (s, c) => s === 401 && c === 'UNAUTHENTICATED' },
      { key: sys.key, body: () => ({ query: 'mutation($id: ID!, $p: String) { updateVideo(id: $id, input: { processingStatus: $p }) { id } }', variables: { id: video.id, p: `soak-${sent}` } }), expect: (s, c) => s === 200 && !c },
      { key: sys.key, body: () => ({ query: upsertBoxes, variables: { id: video.id, objects: boxIds.slice(sent % 50, (sent % 50) + 3).map(box) } }), expect: (s, c) => s === 200 && !c },
    ];
    let sent = 0;
    let unexpected = 0;
    const unexpectedCodes: Record<string, number> = {};
    const samples: { t: number; rssMb: number; heapUsedMb: number; requests: number }[] = [];
    const started = performance.now();
    const deadline = started + durationS * 1000;
    const warmupMs = Math.min(30_000, durationS * 100);
    let start: ReturnType<typeof memory> | null = null;
    const sampler = setInterval(() => {
      const t = Math.round((performance.now() - started) / 1000);
      if (!start && performance.now() - started >= warmupMs) start = memory();
      samples.push({ t, ...memory(), requests: sent });
    }, Math.max(1000, Math.min(30_000, durationS * 100)));
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let i = c; performance.now() < deadline; i += clients) {
          const op = mix[i % mix.length];
          const r = await sendOnce(sys.url, op.key, typeof op.body === 'function' ? op.body() : op.body);
          sent++;
          if (!op.expect(r.status, r.code)) {
            unexpected++;
            unexpectedCodes[`${r.status}:${r.code}`] = (unexpectedCodes[`${r.status}:${r.code}`] ?? 0) + 1;
          }
        }
      }),
    );
    clearInterval(sampler);
    const end = memory();
    const { hits, misses, stores, invalidations, bypasses } = sys.app.cache.stats();
    console.log(JSON.stringify({ database: sys.kind, cache: sys.app.cache.state(), durationS, clients, sent, reqPerS: Math.round(sent / durationS), unexpected, unexpectedCodes,
      cacheCounters: { hits, misses, stores, invalidations, bypasses },
      gcExposed: !!gc, memoryStart: start ?? samples[0], memoryEnd: end, samples }, null, 2));
    process.exitCode = unexpected ? 1 : 0;
  } finally {
    await sys.close();
    if (process.env.REDIS_URL) await removePrefix(process.env.REDIS_URL, redisPrefix);
  }
}


main().catch((err) => {
  console.error(err);
  process.exit(1);
});
