// What every loader closes over: the request's counted database handle, the caller's scope, and the
// recorder of cache tags for what this request read (null when no response cache could store it).
import type { AccessScope } from '../auth/scope.js';
import type { TagRecorder } from '../cache/cache-tags.js';
import type { Queryable } from '../db/client.js';
import type { LiveEvaluation } from '../evaluation/live.js';
import type { WaveScheduler } from './wave-scheduler.js';

export interface LoaderDeps {
  db: Queryable;
  scope: AccessScope;
  record: TagRecorder | null;
  waves: WaveScheduler;
  /** The threshold writes keep live (absent: the default, live). */
  liveEvaluation?: LiveEvaluation;
}

/** Rows of timestamp-ordered lists carry their sort key in microseconds for exact cursors. */
export type WithTs<T> = T & { _ts: number };
