// The one way a mutation runs a service: the service validates and commits its transaction and says
// which cache tags it changed; the tags are invalidated here, after commit and before the mutation
// answers, so the caller's next read cannot come from a stale cached response (read-your-writes).
import type { AccessScope } from '../auth/scope.js';
import type { Context } from '../context.js';
import type { Db } from '../db/client.js';
import type { LiveEvaluation } from '../evaluation/live.js';

/** What a service needs: the request's counted database handle and the caller's scope. */
export interface WriteDeps {
  db: Db;
  scope: AccessScope;
  /** Absent: live at the default threshold (defaultLiveEvaluation). */
  liveEvaluation?: LiveEvaluation;
}

export interface WriteResult<T> {
  value: T;
  changedTags: Iterable<string>;
}

export async function runWrite<T>(ctx: Context, write: (deps: WriteDeps) => Promise<WriteResult<T>>): Promise<T> {
  const { value, changedTags } = await write({ db: ctx.db, scope: ctx.scope, liveEvaluation: ctx.liveEvaluation });
  await ctx.invalidate([...new Set(changedTags)]);
  return value;
}
