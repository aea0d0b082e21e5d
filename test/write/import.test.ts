// `npm run import` as a library: a small NDJSON file mixing boxes and detections, good and bad lines,
// loaded in several chunks; bad lines are reported by number and reason, the good ones land, the
// counters stay exact, and running the same file again changes nothing (derived ids included).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importNdjson } from '../../src/services/import.service.js';
import { aggregateDrift, rowCounts } from '../support/aggregates.js';
import { describeEachDatabase } from '../support/databases.js';
import { redisUrl, removePrefix, uniquePrefix } from '../support/redis.js';
import { createTestApp, dataOf, type GraphQLResponse, type TestApp } from '../support/test-app.js';
import { box, createWriteHarness, detection, M, type WriteHarness } from '../support/write-harness.js';

describeEachDatabase('NDJSON import', (database, kind) => {
  let h: WriteHarness;
  let file: string;
  let videoId: string;
  let sessionId: string;
  const foreignBox = randomUUID();
  const repeated = randomUUID();

  beforeAll(async () => {
    h = await createWriteHarness(database().db);
    const projectId = (await h.ok(M.createProject, { input: { name: 'import' } })).createProject.id;
    const video = async () => (await h.ok(M.createVideo, { input: { projectId, filename: 'i.mp4', duration: 1, fileSize: 1 } })).createVideo.id;
    videoId = await video();
    const otherVideo = await video();
    sessionId = (await h.ok(M.createTestSession, { input: { projectId, videoId } })).createTestSession.id;
    const doneSession = (await h.ok(M.createTestSession, { input: { projectId, videoId } })).createTestSession.id;
    await h.ok(M.completeTestSession, { id: doneSession, status: 'FAILED' });
    await h.ok(M.upsertGroundTruth, { videoId: otherVideo, objects: [box({ id: foreignBox })] });

    const lines = [
      /* 1 */ JSON.stringify({ videoId, ...box({ id: randomUUID(), confidence: 0.9 }) }),
      /* 2 */ JSON.stringify({ videoId, ...box({ classLabel: 'tab\there \\ "quoted"', validated: true }) }), // no id: derived
      /* 3 */ '{not json',
      /* 4 */ JSON.stringify({ testSessionId: sessionId, ...detection({ validationResult: 'TP' }) }), // no id: derived
      /* 5 */ JSON.stringify({ videoId, ...box({ confidence: 7 }) }),
      /* 6 */ '',
      /* 7 */ JSON.stringify({ videoId: randomUUID(), ...box() }),
      /* 8 */ JSON.stringify({ testSessionId: doneSession, ...detection() }),
      /* 9 */ JSON.stringify({ videoId, ...box({ id: foreignBox }) }),
      /* 10 */ JSON.stringify({ videoId, testSessionId: sessionId, ...box() }),
      /* 11 */ JSON.stringify({ testSessionId: sessionId, ...detection({ id: randomUUID(), confidence: 0.3 }) }),
      /* 12 */ JSON.stringify({ videoId, ...box({ id: repeated, confidence: 0.2 }) }),
      /* 13 */ JSON.stringify({ videoId, ...box({ id: repeated, confidence: 0.6 }) }),
      /* 14 */ JSON.stringify({ videoId, ...box({ classLabel: 'nul\u0000' }) }),
      /* 15 */ JSON.stringify({ videoId, ...box({ x: 1e400 }) }).replace('null', '1e400'),
      /* 16 */ JSON.stringify({ videoId: otherVideo, ...box({ id: repeated }) }),
    ];
    file = join(mkdtempSync(join(tmpdir(), 'tg-import-')), 'mixed.ndjson');
    writeFileSync(file, lines.join('\r\n') + '\n');
  });
  afterAll(() => h?.stop());

  const expectedRejects = [3, 5, 7, 8, 9, 10, 14, 15, 16];

  it('loads the good lines, reports each bad line with its reason, and keeps the counters exact', async () => {
    const before = await rowCounts(database().db);
    const progress: number[] = [];
    // One lane: which of two lines giving one id two parents wins is then fixed (the first).
    const s = await importNdjson(database().db, file, { chunkSize: 3, lanes: 1, onProgress: (p) => progress.push(p.rows) });
    expect(s.lines).toBe(16);
    expect(s.rejected.map((r) => r.line)).toEqual(expectedRejects);
    expect(s.rejectedCount).toBe(expectedRejects.length);
    const reason = (line: number) => s.rejected.find((r) => r.line === line)!.reason;
    expect(reason(3)).toContain('JSON');
    expect(reason(5)).toContain('confidence');
    expect(reason(7)).toContain('unknown video');
    expect(reason(8)).toContain('not running');
    expect(reason(9)).toBe('id is not available');
    expect(reason(10)).toContain('exactly one');
    expect(reason(14)).toContain('NUL');
    expect(reason(15)).toContain('x');
    expect(reason(16)).toMatch(/another video/);
    // Boxes: lines 1, 2 and the repeated id once (its last line wins); detections: lines 4 and 11.
    expect(s.groundTruth).toEqual({ inserted: 3, updated: 0 });
    expect(s.detections).toEqual({ inserted: 2, updated: 0 });
    expect(s.changedTags).toEqual(expect.arrayContaining([`ground-truth-of:${videoId}`, `detections-of:${sessionId}`]));
    expect(progress.length).toBeGreaterThan(1);
    // New rows went in by COPY straight into the table; the chunk with line 9 (an id of another video)
    // fell back to staging + upsert, which found it. The test databases connect as superuser, so the
    // per-row foreign-key triggers were skipped, and the counters below must still be exact.
    expect(s.chunks.copy).toBeGreaterThan(0);
    expect(s.chunks.upsert).toBeGreaterThan(0);
    expect(s.chunks.foreignKeyTriggersSkipped).toBe(s.chunks.copy + s.chunks.upsert);
    const after = await rowCounts(database().db);
    expect(after.groundTruth - before.groundTruth).toBe(3);
    expect(after.detections - before.detections).toBe(2);
    const [rep] = await database().db.query<{ confidence: number }>(`SELECT confidence FROM ground_truth_objects WHERE id = $1`, [repeated]);
    expect(rep.confidence).toBeCloseTo(0.6, 5);
    const [odd] = await database().db.query<{ class_label: string }>(`SELECT class_label FROM ground_truth_objects WHERE class_label LIKE 'tab%'`);
    expect(odd.class_label).toBe('tab\there \\ "quoted"');
    const [foreign] = await database().db.query<{ video_id: string }>(`SELECT video_id FROM ground_truth_objects WHERE id = $1`, [foreignBox]);
    expect(foreign.video_id).not.toBe(videoId);
    expect(await aggregateDrift(database().db)).toEqual([]);
  });

  it('is idempotent on rerun: every good line updates in place, lines without ids included', async () => {
    const before = await rowCounts(database().db);
    const s = await importNdjson(database().db, file, { chunkSize: 4, lanes: 1 });
    expect(s.groundTruth).toEqual({ inserted: 0, updated: 3 });
    expect(s.detections).toEqual({ inserted: 0, updated: 2 });
    expect(s.chunks.upsert).toBeGreaterThan(0);
    expect(s.rejected.map((r) => r.line)).toEqual(expectedRejects);
    expect(await rowCounts(database().db)).toEqual(before);
    expect(await aggregateDrift(database().db)).toEqual([]);
  });

  it('loads the same rows when split over several lanes by parent', async () => {
    const db = database().db;
    const projectId = (await h.ok(M.createProject, { input: { name: 'lanes' } })).createProject.id;
    const parents: string[] = [];
    for (let i = 0; i < 6; i++) {
      parents.push((await h.ok(M.createVideo, { input: { projectId, filename: 'l.mp4', duration: 1, fileSize: 1 } })).createVideo.id);
    }
    const lanesFile = join(mkdtempSync(join(tmpdir(), 'tg-lanes-')), 'lanes.ndjson');
    writeFileSync(lanesFile, Array.from({ length: 300 }, (_, i) => JSON.stringify({ videoId: parents[i % 6], ...box({ validated: i % 3 === 0 }) })).join('\n'));
    const s = await importNdjson(db, lanesFile, { chunkSize: 20, lanes: 3 });
    expect(s.groundTruth).toEqual({ inserted: 300, updated: 0 });
    expect(s.rejectedCount).toBe(0);
    const again = await importNdjson(db, lanesFile, { chunkSize: 7, lanes: 2 });
    expect(again.groundTruth).toEqual({ inserted: 0, updated: 300 });
    const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ground_truth_objects WHERE video_id = ANY($1::uuid[])`, [`{${parents.join(',')}}`]);
    expect(n).toBe(300);
    expect(await aggregateDrift(db)).toEqual([]);
  });

  it('loads the first chunk of a lane and kind small and each next one twice as big, up to the chunk size', async () => {
    const db = database().db;
    const projectId = (await h.ok(M.createProject, { input: { name: 'ramp' } })).createProject.id;
    const video = (await h.ok(M.createVideo, { input: { projectId, filename: 'r.mp4', duration: 1, fileSize: 1 } })).createVideo.id;
    const session = (await h.ok(M.createTestSession, { input: { projectId, videoId: video } })).createTestSession.id;
    const rampFile = join(mkdtempSync(join(tmpdir(), 'tg-ramp-')), 'ramp.ndjson');
    const boxes = Array.from({ length: 16_000 }, (_, i) => JSON.stringify({ videoId: video, ...box({ frameNumber: i }) }));
    const detections = Array.from({ length: 3_000 }, (_, i) => JSON.stringify({ testSessionId: session, ...detection({ frameNumber: i }) }));
    writeFileSync(rampFile, [...boxes, ...detections].join('\n'));
    const committed: number[] = [];
    const s = await importNdjson(db, rampFile, { chunkSize: 6_000, lanes: 1, onProgress: (p) => committed.push(p.rows) });
    // Boxes 2,500, 5,000, 6,000 (capped); detections start again at 2,500; then what is left of each kind.
    expect(committed).toEqual([2_500, 7_500, 13_500, 16_000, 18_500, 19_000]);
    expect(s.chunks.copy).toBe(6);
    expect(s.groundTruth).toEqual({ inserted: 16_000, updated: 0 });
    expect(s.detections).toEqual({ inserted: 3_000, updated: 0 });
    expect(await aggregateDrift(db)).toEqual([]);
  });

  it('rewrites only the boxes whose values changed on a rerun, leaves the others unlocked, and the counters follow', async () => {
    const db = database().db;
    const projectId = (await h.ok(M.createProject, { input: { name: 'changed' } })).createProject.id;
    const video = (await h.ok(M.createVideo, { input: { projectId, filename: 'c.mp4', duration: 1, fileSize: 1 } })).createVideo.id;
    const boxes: Record<string, unknown>[] = Array.from({ length: 10 }, (_, i) => ({ videoId: video, ...box({ id: randomUUID(), confidence: 0.1 + i / 20 }) }));
    const dir = mkdtempSync(join(tmpdir(), 'tg-changed-'));
    writeFileSync(join(dir, 'a.ndjson'), boxes.map((b) => JSON.stringify(b)).join('\n'));
    expect((await importNdjson(db, join(dir, 'a.ndjson'))).groundTruth).toEqual({ inserted: 10, updated: 0 });
    // Two boxes change (one becomes validated, one the new maximum confidence); eight stay as they are.
    boxes[3] = { ...boxes[3], validated: true };
    boxes[7] = { ...boxes[7], confidence: 0.99 };
    writeFileSync(join(dir, 'b.ndjson'), boxes.map((b) => JSON.stringify(b)).join('\n'));
    const [{ xmins }] = await db.query<{ xmins: number }>(`SELECT count(DISTINCT xmin::text)::int AS xmins FROM ground_truth_objects WHERE video_id = $1`, [video]);
    expect((await importNdjson(db, join(dir, 'b.ndjson'))).groundTruth).toEqual({ inserted: 0, updated: 10 });
    const [{ rewritten }] = await db.query<{ rewritten: number }>(
      `SELECT count(*)::int AS rewritten FROM ground_truth_objects WHERE video_id = $1 AND id = ANY($2::uuid[]) AND xmin::text NOT IN (SELECT xmin::text FROM ground_truth_objects WHERE video_id = $1 AND id <> ALL($2::uuid[]))`,
      [video, `{${boxes[3].id},${boxes[7].id}}`],
    );
    expect(xmins).toBe(1);
    expect(rewritten).toBe(2);
    // The eight unchanged boxes were not even locked (a lock writes the row's xmax): a rerun only reads them.
    const [{ locked }] = await db.query<{ locked: number }>(
      `SELECT count(*)::int AS locked FROM ground_truth_objects WHERE video_id = $1 AND id <> ALL($2::uuid[]) AND xmax::text <> '0'`,
      [video, `{${boxes[3].id},${boxes[7].id}}`],
    );
    expect(locked).toBe(0);
    const [v] = await db.query<{ ground_truth_validated: number; max_confidence: number }>(
      `SELECT ground_truth_validated, max_confidence FROM videos WHERE id = $1`, [video]);
    expect(v.ground_truth_validated).toBe(1);
    expect(v.max_confidence).toBeCloseTo(0.99, 5);
    expect(await aggregateDrift(db)).toEqual([]);
  });

  // The CLI opens DATABASE_URL itself; on PGlite it would need a data directory of its own.
  if (kind === 'postgres') it('runs as `npm run import`: summary on stdout, rejected lines on stderr, exit code 1', async () => {
    const run = promisify(execFile);
    const err = await run('npx', ['tsx', 'src/cli/import.ts', file], {
      env: { ...process.env, DATABASE_URL: database().url!, NODE_ENV: 'test' },
    }).catch((e) => e as { code: number; stdout: string; stderr: string });
    expect((err as { code: number }).code).toBe(1);
    const summary = JSON.parse((err as { stdout: string }).stdout);
    expect(summary.groundTruth).toEqual({ inserted: 0, updated: 3 });
    expect((err as { stderr: string }).stderr).toContain('line 7: unknown video');
    expect((err as { stderr: string }).stderr).toMatch(/rows\/s/);
  });

  // What an import changes must leave the response cache like a mutation would: purged after commit.
  describe('response cache', () => {
    const query = /* GraphQL */ `query($videoId: ID!) { video(id: $videoId) { id groundTruthCount groundTruth(first: 5) { totalCount } } }`;
    const xcache = (r: GraphQLResponse) => r.headers.get('x-cache');
    const count = (r: GraphQLResponse) => dataOf(r).video.groundTruth.totalCount as number;
    const oneBoxFile = (video: string) => {
      const f = join(mkdtempSync(join(tmpdir(), 'tg-cache-')), 'one.ndjson');
      writeFileSync(f, JSON.stringify({ videoId: video, ...box({ id: randomUUID() }) }) + '\n');
      return f;
    };
    /** Reads twice (the second read a hit), so a later read can only be fresh if the import purged. */
    const cachedCount = async (app: TestApp, video: string) => {
      await app.execute(query, { videoId: video });
      const hit = await app.execute(query, { videoId: video });
      expect(xcache(hit)).toBe('HIT');
      return count(hit);
    };

    it('purges what each committed chunk changed through the onCommit hook', async () => {
      const app = await createTestApp(database().db, { CACHE: 'on' });
      try {
        const before = await cachedCount(app, videoId);
        const s = await importNdjson(database().db, oneBoxFile(videoId), { onCommit: (t) => app.app.cache.invalidate(t) });
        expect(s.groundTruth.inserted).toBe(1);
        const after = await app.execute(query, { videoId });
        expect(xcache(after)).toBe('MISS');
        expect(count(after)).toBe(before + 1);
      } finally {
        await app.close();
      }
    });

    // The CLI reaches the servers' cache through Redis (without it, entries expire after CACHE_TTL_S).
    it.skipIf(kind !== 'postgres' || !redisUrl)('`npm run import` purges the shared Redis cache of a running server', async () => {
      const prefix = uniquePrefix('import-cli');
      const env = { CACHE: 'on', REDIS_URL: redisUrl!, REDIS_KEY_PREFIX: prefix, CACHE_REDIS_TIMEOUT_MS: '2000' };
      const app = await createTestApp(database().db, env);
      try {
        const before = await cachedCount(app, videoId);
        await promisify(execFile)('npx', ['tsx', 'src/cli/import.ts', oneBoxFile(videoId)], {
          env: { ...process.env, ...env, DATABASE_URL: database().url!, NODE_ENV: 'test' },
        });
        const after = await app.execute(query, { videoId });
        expect(xcache(after)).toBe('MISS');
        expect(count(after)).toBe(before + 1);
      } finally {
        await app.close();
        await removePrefix(redisUrl!, prefix);
      }
      // The CLI is a cold tsx process: most of a minute on a busy machine.
    }, 240_000);
  });
});
