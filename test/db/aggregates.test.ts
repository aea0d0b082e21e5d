// The maintained counters (per video, per session, per project) must equal fresh aggregates after any
// mix of writes, and refresh_aggregates() must repair data loaded behind the triggers' back.
import { expect, it } from 'vitest';
import { aggregateDrift, refreshAggregates } from '../../src/db/queries/aggregates.queries.js';
import type { Db } from '../../src/db/client.js';
import { mulberry32 } from '../support/prng.js';
import { describeEachDatabase } from '../support/databases.js';
import { insertDetections, insertGroundTruth, insertProject, insertTestSession, insertVideo } from '../support/factories.js';


const statuses = ['uploaded', 'processing', 'completed', 'failed'] as const;
const results = ['TP', 'FP', 'FN', 'PENDING'] as const;

async function randomStep(db: Db, rnd: () => number, projects: string[]): Promise<string> {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const ids = async (sql: string) => (await db.query<{ id: string }>(sql)).map((r) => r.id);
  const videos = await ids('SELECT id FROM videos ORDER BY id');
  const sessions = await ids('SELECT id FROM test_sessions ORDER BY id');
  const op = Math.floor(rnd() * 12);
  const fraction = rnd().toFixed(3);
  switch (op) {
    case 0: {
      const project = pick(projects);
      await insertVideo(db, project, { status: pick(statuses) });
      return 'insert video';
    }
    case 1:
      if (!videos.length) return 'noop';
      await insertGroundTruth(db, pick(videos), Array.from({ length: 1 + Math.floor(rnd() * 40) }, (_, i) => ({
        frame_number: i, confidence: Math.round(rnd() * 1000) / 1000, validated: rnd() < 0.4,
      })));
      return 'insert boxes';
    case 2:
      await db.query(`UPDATE ground_truth_objects SET confidence = (confidence * 0.5)::real WHERE random() < ${fraction}`);
      return 'lower confidences (may remove a maximum)';
    case 3:
      await db.query(`UPDATE ground_truth_objects SET validated = NOT validated WHERE random() < ${fraction}`);
      return 'flip validated';
    case 4:
      await db.query(`DELETE FROM ground_truth_objects WHERE random() < ${fraction} / 2`);
      return 'delete boxes';
    case 5: {
      if (!videos.length) return 'noop';
      const video = pick(videos);
      const [{ project_id }] = await db.query<{ project_id: string }>('SELECT project_id FROM videos WHERE id = $1', [video]);
      await insertTestSession(db, project_id, video, { status: rnd() < 0.5 ? 'running' : 'completed' });
      return 'insert session';
    }
    case 6:
      if (!sessions.length) return 'noop';
      await insertDetections(db, pick(sessions), Array.from({ length: 1 + Math.floor(rnd() * 40) }, (_, i) => ({
        frame_number: i, confidence: rnd(), validation_result: pick(results),
      })));
      return 'insert detections';
    case 7:
      await db.query(`UPDATE detection_events SET validation_result = $1::validation_result WHERE random() < ${fraction}`, [pick(results)]);
      return 'set validation results';
    case 8:
      await db.query(`DELETE FROM detection_events WHERE random() < ${fraction} / 2`);
      return 'delete detections';
    case 9:
      await db.query(`UPDATE videos SET status = $1::video_status WHERE random() < ${fraction}`, [pick(statuses)]);
      return 'change video status';
    case 10:
      if (!videos.length) return 'noop';
      await db.query('DELETE FROM videos WHERE id = $1', [pick(videos)]);
      return 'delete video (cascades)';
    default:
      await db.query(`UPDATE test_sessions SET status = 'completed', completed_at = now() WHERE random() < ${fraction}`);
      if (sessions.length && rnd() < 0.3) await db.query('DELETE FROM test_sessions WHERE id = $1', [pick(sessions)]);
      return 'complete / delete sessions';
  }
}

describeEachDatabase('maintained aggregates', (database) => {
  it('equal fresh COUNT/MAX after every step of a random mix of inserts, updates and deletes', async () => {
    const db = database().db;
    const rnd = mulberry32(20261128);
    const projects = [await insertProject(db), await insertProject(db)];
    for (const p of projects) for (let i = 0; i < 3; i++) await insertVideo(db, p);
    const steps: string[] = [];
    for (let i = 0; i < 80; i++) {
      steps.push(await randomStep(db, rnd, projects));
      const drift = await aggregateDrift(db);
      expect(drift, `after steps: ${steps.join(' → ')}`).toEqual([]);
    }
    const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM ground_truth_objects');
    expect(n).toBeGreaterThan(0);
  });

  // `npm run import` skips the foreign-key triggers with this role; the counters must not notice.
  it('keep counting under session_replication_role = replica: every counter trigger is ENABLE ALWAYS', async () => {
    const db = database().db;
    const notAlways = await db.query<{ tgname: string }>(
      `SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'A'
         AND tgrelid IN ('ground_truth_objects'::regclass, 'detection_events'::regclass, 'videos'::regclass,
                         'test_sessions'::regclass, 'projects'::regclass, 'project_stats'::regclass)`,
    );
    expect(notAlways).toEqual([]);
    const project = await insertProject(db);
    const video = await insertVideo(db, project);
    const session = await insertTestSession(db, project, video);
    await db.transaction(async (tx) => {
      await tx.query(`SET LOCAL session_replication_role = replica`);
      await insertGroundTruth(tx, video, [{ frame_number: 1, confidence: 0.7, validated: true }, { frame_number: 2, confidence: 0.2 }]);
      await insertDetections(tx, session, [{ frame_number: 1, confidence: 0.8, validation_result: 'TP' }]);
      await tx.query(`UPDATE ground_truth_objects SET validated = false WHERE video_id = $1`, [video]);
      await tx.query(`DELETE FROM detection_events WHERE test_session_id = $1`, [session]);
    });
    const [v] = await db.query<{ ground_truth_count: number; ground_truth_validated: number }>(
      'SELECT ground_truth_count, ground_truth_validated FROM videos WHERE id = $1', [video]);
    expect(v).toEqual({ ground_truth_count: 2, ground_truth_validated: 0 });
    expect(await aggregateDrift(db)).toEqual([]);
  });

  it('refresh_aggregates repairs rows loaded with the triggers switched off', async () => {
    const db = database().db;
    const project = await insertProject(db);
    const video = await insertVideo(db, project);
    const session = await insertTestSession(db, project, video);
    await db.query('ALTER TABLE ground_truth_objects DISABLE TRIGGER USER');
    await db.query('ALTER TABLE detection_events DISABLE TRIGGER USER');
    try {
      await insertGroundTruth(db, video, [{ frame_number: 1, confidence: 0.9, validated: true }, { frame_number: 2, confidence: 0.4 }]);
      await insertDetections(db, session, [{ frame_number: 1, confidence: 0.8, validation_result: 'FP' }]);
    } finally {
      // Back to ALWAYS (drizzle/0003): a plain ENABLE would make them ORIGIN-only.
      for (const t of ['insert', 'update', 'delete']) {
        await db.query(`ALTER TABLE ground_truth_objects ENABLE ALWAYS TRIGGER ground_truth_${t}_aggregates`);
        await db.query(`ALTER TABLE detection_events ENABLE ALWAYS TRIGGER detection_${t}_aggregates`);
      }
    }
    expect((await aggregateDrift(db)).map((d) => d.kind).sort()).toEqual(['project', 'session', 'video']);
    await refreshAggregates(db);
    expect(await aggregateDrift(db)).toEqual([]);
    const [v] = await db.query<{ ground_truth_count: number; max_confidence: number }>(
      'SELECT ground_truth_count, max_confidence FROM videos WHERE id = $1', [video]);
    expect(v).toEqual({ ground_truth_count: 2, max_confidence: 0.9 });
  });
});
