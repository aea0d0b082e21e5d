// The per-request context: who is asking, the request's counted database handle, its loaders, and
// the cache tags of everything the request read.
import { randomUUID } from 'node:crypto';
import type { AccessScope } from './auth/scope.js';
import type { Db, SqlStats } from './db/client.js';
import { createLoaders, type Loaders } from './loaders/index.js';

export interface Context {
  requestId: string;
  scope: AccessScope;
  db: Db;
  loaders: Loaders;
  sqlStats: SqlStats;
  readTags: Set<string>;
}

export function createContext(db: Db, scope: AccessScope, requestId: string = randomUUID()): Context {
  const sqlStats: SqlStats = { statements: 0, durationMs: 0 };
  const counted = db.counted(sqlStats);
  const readTags = new Set<string>();
  const loaders = createLoaders({ db: counted, scope, record: (tag) => readTags.add(tag) });
  return { requestId, scope, db: counted, loaders, sqlStats, readTags };
}
