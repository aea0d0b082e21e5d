// The per-request context: who is asking, the request's counted database handle, its loaders, and
// the cache tags of everything the request read.
import { randomUUID } from 'node:crypto';
import type { AccessScope } from './auth/scope.js';
import type { Db, SqlStats } from './db/client.js';
import { defaultLiveEvaluation, type LiveEvaluation } from './evaluation/live.js';
import { createLoaders, type Loaders } from './loaders/index.js';
import { WaveScheduler } from './loaders/wave-scheduler.js';

export interface Context {
  requestId: string;
  scope: AccessScope;
  db: Db;
  loaders: Loaders;
  sqlStats: SqlStats;
  readTags: Set<string>;
  /**
   * Reports the cache tags a committed write changed; the response cache drops every entry carrying
   * one. Services call it after commit and before the mutation answers (read-your-writes).
   */
  invalidate(changedTags: Iterable<string>): Promise<void>;
  /** What writes keep live of evaluation (EVALUATION_LIVE, EVALUATION_LIVE_IOU). */
  liveEvaluation: LiveEvaluation;
}

export interface ContextOptions {
  requestId?: string;
  invalidate?: (changedTags: Iterable<string>) => Promise<void>;
  liveEvaluation?: LiveEvaluation;
  /**
   * Whether loads record cache tags in readTags (default true). Off only where no response cache
   * exists (CACHE=off): the tags of a page are a string per row, built for nothing there.
   */
  recordTags?: boolean;
}

export function createContext(db: Db, scope: AccessScope, opts: ContextOptions = {}): Context {
  const sqlStats: SqlStats = { statements: 0, durationMs: 0 };
  const counted = db.counted(sqlStats);
  const readTags = new Set<string>();
  const liveEvaluation = opts.liveEvaluation ?? defaultLiveEvaluation;
  const loaders = createLoaders({ db: counted, scope, record: opts.recordTags === false ? null : (tag) => readTags.add(tag), waves: new WaveScheduler(), liveEvaluation });
  return {
    requestId: opts.requestId ?? randomUUID(),
    scope,
    db: counted,
    loaders,
    sqlStats,
    readTags,
    invalidate: opts.invalidate ?? (async () => {}),
    liveEvaluation,
  };
}
