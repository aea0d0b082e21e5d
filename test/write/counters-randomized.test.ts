// A seeded random walk of inserts, updates, deletes and validation changes through the mutations;
// after every step the maintained counters (videos, test_sessions, project_stats) must equal fresh
// COUNT/MAX aggregates of the rows. A failure prints the seed and step to replay it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { aggregateDrift } from '../support/aggregates.js';
import { mulberry32 } from '../support/prng.js';
import { box, createWriteHarness, detection, M, type WriteHarness } from '../support/write-harness.js';

/** A seeded PRNG with the picks this walk needs, replayable from its seed. */
function prng(seed: number) {
  const next = mulberry32(seed);
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick<T>(xs: readonly T[]): T | undefined {
      return xs.length ? xs[Math.floor(next() * xs.length)] : undefined;
    },
    sample<T>(xs: readonly T[], k: number): T[] {
      return xs.filter(() => next() < k / Math.max(1, xs.length));
    },
  };
}

const seed = Number(process.env.WRITE_SEED ?? 20261128);
const steps = 70;

describeEachDatabase('maintained counters under random writes', (database) => {
  let h: WriteHarness;
  beforeAll(async () => {
    h = await createWriteHarness(database().db);
  });
  afterAll(() => h?.stop());

  it(`stay equal to fresh aggregates after every step (seed ${seed})`, async () => {
    const rnd = prng(seed);
    const db = database().db;
    const ids = async (sql: string) => (await db.query<{ id: string }>(sql)).map((r) => r.id);
    const projects: string[] = [];
    for (let i = 0; i < 2; i++) projects.push((await h.ok(M.createProject, { input: { name: `r${i}` } })).createProject.id);
    const conf = () => Math.round(rnd.next() * 100) / 100;
    const results = ['TP', 'FP', 'FN', 'PENDING'] as const;
    const statuses = ['UPLOADED', 'PROCESSING', 'COMPLETED', 'FAILED'] as const;

    const ops: Record<string, () => Promise<unknown>> = {
      createVideo: () =>
        h.ok(M.createVideo, { input: { projectId: rnd.pick(projects), filename: 'r.mp4', duration: 1, fileSize: 1, status: rnd.pick(statuses) } }),
      updateVideo: async () => {
        const v = rnd.pick(await ids(`SELECT id FROM videos ORDER BY id`));
        if (v) await h.ok(M.updateVideo, { id: v, input: { status: rnd.pick(statuses) } });
      },
      deleteVideo: async () => {
        const v = rnd.pick(await ids(`SELECT id FROM videos ORDER BY id`));
        if (v && rnd.next() < 0.5) await h.ok(M.deleteVideo, { id: v });
      },
      upsertGroundTruth: async () => {
        const v = rnd.pick(await ids(`SELECT id FROM videos ORDER BY id`));
        if (!v) return;
        const existing = rnd.sample(await ids(`SELECT id FROM ground_truth_objects WHERE video_id = '${v}' ORDER BY id`), 5);
        const fresh = Array.from({ length: rnd.int(30) }, () => randomUUID());
        const objects = [...existing, ...fresh].map((id) => box({ id, confidence: conf(), validated: rnd.next() < 0.3 }));
        await h.ok(M.upsertGroundTruth, { videoId: v, objects });
      },
      setGroundTruthValidated: async () => {
        const some = rnd.sample(await ids(`SELECT id FROM ground_truth_objects ORDER BY id`), 15);
        await h.ok(M.setGroundTruthValidated, { ids: some, validated: rnd.next() < 0.5 });
      },
      deleteGroundTruth: async () => {
        const some = rnd.sample(await ids(`SELECT id FROM ground_truth_objects ORDER BY id`), 8);
        await h.ok(M.deleteGroundTruth, { ids: some });
      },
      createTestSession: async () => {
        const [v] = await db.query<{ id: string; project_id: string }>(`SELECT id, project_id FROM videos ORDER BY id LIMIT 1 OFFSET $1`, [
          rnd.int(5),
        ]);
        if (v) await h.ok(M.createTestSession, { input: { projectId: v.project_id, videoId: v.id } });
      },
      completeTestSession: async () => {
        const s = rnd.pick(await ids(`SELECT id FROM test_sessions WHERE status = 'running' ORDER BY id`));
        if (s && rnd.next() < 0.4) await h.ok(M.completeTestSession, { id: s, status: rnd.next() < 0.5 ? 'COMPLETED' : 'FAILED' });
      },
      ingestDetections: async () => {
        const s = rnd.pick(await ids(`SELECT id FROM test_sessions WHERE status = 'running' ORDER BY id`));
        if (!s) return;
        const existing = rnd.sample(await ids(`SELECT id FROM detection_events WHERE test_session_id = '${s}' ORDER BY id`), 5);
        const fresh = Array.from({ length: rnd.int(40) }, () => randomUUID());
        const detections = [...existing, ...fresh].map((id) => detection({ id, confidence: conf(), validationResult: rnd.pick(results) }));
        await h.ok(M.ingestDetections, { testSessionId: s, detections });
      },
      setValidationResults: async () => {
        const some = rnd.sample(await ids(`SELECT id FROM detection_events ORDER BY id`), 20);
        await h.ok(M.setValidationResults, { detectionIds: some, result: rnd.pick(results) });
      },
    };
    // Weighted so that the data grows while deletes and updates keep happening.
    const plan = [
      ...Array(3).fill('createVideo'), 'updateVideo', 'deleteVideo', ...Array(4).fill('upsertGroundTruth'),
      ...Array(2).fill('setGroundTruthValidated'), 'deleteGroundTruth', ...Array(2).fill('createTestSession'),
      'completeTestSession', ...Array(4).fill('ingestDetections'), ...Array(2).fill('setValidationResults'),
    ];
    const done: string[] = [];
    for (let step = 0; step < steps; step++) {
      const op = rnd.pick(plan)!;
      await ops[op]();
      done.push(op);
      const drift = await aggregateDrift(db);
      if (drift.length) throw new Error(`seed ${seed}, step ${step} (${op}) left the counters off:\n${drift.join('\n')}\nsteps: ${done.join(', ')}`);
    }
    // The walk did exercise every kind of write.
    expect(new Set(done).size).toBeGreaterThanOrEqual(9);
    const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ground_truth_objects`);
    expect(n).toBeGreaterThan(0);
  });

  it('the comparison notices a counter that is off (so the walk above can fail)', async () => {
    const db = database().db;
    const [v] = await db.query<{ id: string }>(`SELECT id FROM videos ORDER BY id LIMIT 1`);
    await db.query(`UPDATE videos SET ground_truth_count = ground_truth_count + 1 WHERE id = $1`, [v.id]);
    expect((await aggregateDrift(db)).some((d) => d.startsWith(`video ${v.id}`))).toBe(true);
    await db.query(`SELECT refresh_aggregates()`);
    expect(await aggregateDrift(db)).toEqual([]);
  });
});
