// The tables of truthgraph, as Drizzle sees them. Migrations in drizzle/ are generated from this file;
// the row types below are the GraphQL mappers (codegen.ts), so resolvers receive exactly these shapes.
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  pgEnum,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

export const videoStatus = pgEnum('video_status', ['uploaded', 'processing', 'completed', 'failed']);
export const testSessionStatus = pgEnum('test_session_status', ['running', 'completed', 'failed']);
export const validationResult = pgEnum('validation_result', ['TP', 'FP', 'FN', 'PENDING']);

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const projects = pgTable(
  'projects',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    description: text('description'),
    createdAt: createdAt(),
  },
  (t) => [
    check('projects_name_length', sql`char_length(${t.name}) between 1 and 200`),
    index('projects_created_idx').on(t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
  ],
);

export const videos = pgTable(
  'videos',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    filename: text('filename').notNull(),
    status: videoStatus('status').notNull().default('uploaded'),
    processingStatus: text('processing_status'),
    createdAt: createdAt(),
    duration: doublePrecision('duration'),
    fileSize: bigint('file_size', { mode: 'number' }),
    groundTruthGenerated: boolean('ground_truth_generated').notNull().default(false),
    // Maintained by statement-level triggers on ground_truth_objects (drizzle/0001_aggregates.sql).
    groundTruthCount: integer('ground_truth_count').notNull().default(0),
    groundTruthValidated: integer('ground_truth_validated').notNull().default(0),
    maxConfidence: real('max_confidence'),
  },
  (t) => [
    check('videos_filename_length', sql`char_length(${t.filename}) between 1 and 1024`),
    check('videos_duration_nonneg', sql`${t.duration} >= 0`),
    check('videos_file_size_nonneg', sql`${t.fileSize} >= 0`),
    index('videos_project_created_idx').on(t.projectId, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('videos_project_status_created_idx').on(t.projectId, t.status, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('videos_project_gt_generated_idx')
      .on(t.projectId, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst())
      .where(sql`${t.groundTruthGenerated}`),
  ],
);

export const groundTruthObjects = pgTable(
  'ground_truth_objects',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    videoId: uuid('video_id')
      .notNull()
      .references(() => videos.id, { onDelete: 'cascade' }),
    frameNumber: integer('frame_number').notNull(),
    timestamp: doublePrecision('timestamp').notNull(),
    classLabel: text('class_label').notNull(),
    confidence: real('confidence').notNull(),
    x: real('x').notNull(),
    y: real('y').notNull(),
    width: real('width').notNull(),
    height: real('height').notNull(),
    validated: boolean('validated').notNull().default(false),
    difficult: boolean('difficult').notNull().default(false),
  },
  (t) => [
    check('gto_frame_nonneg', sql`${t.frameNumber} >= 0`),
    check('gto_timestamp_nonneg', sql`${t.timestamp} >= 0`),
    check('gto_confidence_range', sql`${t.confidence} between 0 and 1`),
    check('gto_size_positive', sql`${t.width} > 0 and ${t.height} > 0`),
    check('gto_class_label_length', sql`char_length(${t.classLabel}) between 1 and 128`),
    index('gto_video_frame_idx').on(t.videoId, t.frameNumber, t.confidence.desc().nullsFirst(), t.id),
    index('gto_video_class_frame_validated_idx')
      .on(t.videoId, t.classLabel, t.frameNumber, t.confidence.desc().nullsFirst(), t.id)
      .where(sql`${t.validated}`),
  ],
);

export const testSessions = pgTable(
  'test_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    videoId: uuid('video_id')
      .notNull()
      .references(() => videos.id, { onDelete: 'cascade' }),
    status: testSessionStatus('status').notNull().default('running'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    // Maintained by statement-level triggers on detection_events (drizzle/0001_aggregates.sql).
    detectionsTp: integer('detections_tp').notNull().default(0),
    detectionsFp: integer('detections_fp').notNull().default(0),
    detectionsFn: integer('detections_fn').notNull().default(0),
    detectionsPending: integer('detections_pending').notNull().default(0),
  },
  (t) => [
    index('test_sessions_project_started_idx').on(t.projectId, t.startedAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('test_sessions_project_status_started_idx').on(t.projectId, t.status, t.startedAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('test_sessions_video_started_idx').on(t.videoId, t.startedAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
  ],
);

export const detectionEvents = pgTable(
  'detection_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    // No foreign key: the per-row check cost 170–200 ms of a 10,000-row insert. The counter trigger checks
    // and locks the sessions once per statement and deleting a session deletes its detections
    // (drizzle/0005_detection_insert_cost.sql).
    testSessionId: uuid('test_session_id').notNull(),
    frameNumber: integer('frame_number').notNull(),
    timestamp: doublePrecision('timestamp').notNull(),
    classLabel: text('class_label').notNull(),
    confidence: real('confidence').notNull(),
    validationResult: validationResult('validation_result').notNull().default('PENDING'),
    boundingBoxX: real('bounding_box_x').notNull(),
    boundingBoxY: real('bounding_box_y').notNull(),
    boundingBoxWidth: real('bounding_box_width').notNull(),
    boundingBoxHeight: real('bounding_box_height').notNull(),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('det_frame_nonneg', sql`${t.frameNumber} >= 0`),
    check('det_timestamp_nonneg', sql`${t.timestamp} >= 0`),
    check('det_confidence_range', sql`${t.confidence} between 0 and 1`),
    check('det_size_positive', sql`${t.boundingBoxWidth} > 0 and ${t.boundingBoxHeight} > 0`),
    check('det_class_label_length', sql`char_length(${t.classLabel}) between 1 and 128`),
    index('det_session_timestamp_idx').on(t.testSessionId, t.timestamp, t.id),
    index('det_session_class_timestamp_idx').on(t.testSessionId, t.classLabel, t.timestamp, t.id),
    // PENDING detections (what an ingest writes) stay out of it: a PENDING page reads det_session_timestamp_idx.
    index('det_session_result_timestamp_judged_idx')
      .on(t.testSessionId, t.validationResult, t.timestamp, t.id)
      .where(sql`${t.validationResult} <> 'PENDING'`),
  ],
);

// Live evaluation (docs/evaluation.md): the sessions whose matching at `iouThreshold` (with every
// detection taking part) is kept current by every write, in the write's transaction. A session without
// a row, or with another threshold, is evaluated on demand; writes delete the row when they do not
// maintain it, so a row is never stale.
export const liveEvaluations = pgTable('live_evaluations', {
  testSessionId: uuid('test_session_id')
    .primaryKey()
    .references(() => testSessions.id, { onDelete: 'cascade' }),
  iouThreshold: doublePrecision('iou_threshold').notNull(),
});

// The matched detections of a live session: TP, or IGNORED when the box is difficult; a detection
// without a row is a FP. (frame, class) are the detection's group when it was matched, so a write that
// moves or deletes a box or a detection finds the group it left. No foreign key: its per-row check
// was a third of an ingest's match writes. Rows are only read for a session with a live_evaluations
// row, every statement that (re)creates or drops that row deletes the session's matches, and
// deleteVideo deletes its sessions' matches.
export const liveMatches = pgTable(
  'live_matches',
  {
    testSessionId: uuid('test_session_id').notNull(),
    detectionId: uuid('detection_id').notNull(),
    frameNumber: integer('frame_number').notNull(),
    classLabel: text('class_label').notNull(),
    boxId: uuid('box_id').notNull(),
    iou: doublePrecision('iou').notNull(),
    ignored: boolean('ignored').notNull(),
  },
  (t) => [primaryKey({ columns: [t.testSessionId, t.detectionId] })],
);

// One row per project, maintained by triggers on every table below it: the dashboard reads one row.
export const projectStats = pgTable('project_stats', {
  projectId: uuid('project_id')
    .primaryKey()
    .references(() => projects.id, { onDelete: 'cascade' }),
  videosUploaded: integer('videos_uploaded').notNull().default(0),
  videosProcessing: integer('videos_processing').notNull().default(0),
  videosCompleted: integer('videos_completed').notNull().default(0),
  videosFailed: integer('videos_failed').notNull().default(0),
  groundTruthTotal: integer('ground_truth_total').notNull().default(0),
  groundTruthValidated: integer('ground_truth_validated').notNull().default(0),
  sessionsRunning: integer('sessions_running').notNull().default(0),
  sessionsCompleted: integer('sessions_completed').notNull().default(0),
  sessionsFailed: integer('sessions_failed').notNull().default(0),
  detectionsTp: integer('detections_tp').notNull().default(0),
  detectionsFp: integer('detections_fp').notNull().default(0),
  detectionsFn: integer('detections_fn').notNull().default(0),
  detectionsPending: integer('detections_pending').notNull().default(0),
});

export const apiKeyRole = pgEnum('api_key_role', ['admin', 'member']);

// API keys: only the sha256 of the secret is stored. A key is 32 random bytes, so nobody can guess
// it offline from the hash and a slow password hash (bcrypt, argon2) would buy nothing but latency
// on every request; a fast digest also makes the lookup one indexed equality match.
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    keyHash: text('key_hash').notNull().unique('api_keys_key_hash_unique'),
    role: apiKeyRole('role').notNull(),
    createdAt: createdAt(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [check('api_keys_name_length', sql`char_length(${t.name}) between 1 and 200`)],
);

// The projects a member key may read (every row) and write (can_write); admins need no rows.
export const apiKeyProjects = pgTable(
  'api_key_projects',
  {
    keyId: uuid('key_id')
      .notNull()
      .references(() => apiKeys.id, { onDelete: 'cascade' }),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    canWrite: boolean('can_write').notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.keyId, t.projectId] }),
    index('api_key_projects_project_idx').on(t.projectId),
  ],
);

export type ProjectRow = typeof projects.$inferSelect;
export type VideoRow = typeof videos.$inferSelect;
export type GroundTruthObjectRow = typeof groundTruthObjects.$inferSelect;
export type TestSessionRow = typeof testSessions.$inferSelect;
export type DetectionEventRow = typeof detectionEvents.$inferSelect;
export type ProjectStatsRow = typeof projectStats.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type LiveMatchRow = typeof liveMatches.$inferSelect;
