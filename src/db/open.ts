// Opens the database the configuration names: PostgreSQL through one postgres.js pool when
// DATABASE_URL is set, otherwise embedded PGlite stored under PGLITE_DIR.
import { mkdirSync } from 'node:fs';
import type { Config } from '../config.js';
import { createPgliteDb, createPostgresDb, type Db, type PoolOptions, type StatementListener } from './client.js';

/** The postgres.js pool settings the configuration names (the benchmark's floor uses the same). */
export function poolOptionsOf(config: Config): PoolOptions {
  return {
    max: config.DB_POOL_MAX,
    idleTimeoutS: config.DB_IDLE_TIMEOUT_S,
    maxLifetimeS: config.DB_MAX_LIFETIME_S,
    connectTimeoutS: config.DB_CONNECT_TIMEOUT_S,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    idleInTransactionTimeoutMs: config.DB_IDLE_IN_TX_TIMEOUT_MS,
    prepare: config.DB_PREPARE,
    randomPageCost: config.DB_RANDOM_PAGE_COST,
    reconnectBackoffMaxMs: config.DB_RECONNECT_BACKOFF_MAX_MS,
  };
}

export async function openDatabase(config: Config, listeners: StatementListener[] = []): Promise<Db> {
  if (config.DATABASE_URL) return createPostgresDb(config.DATABASE_URL, poolOptionsOf(config), listeners);
  const dataDir = config.PGLITE_DIR === 'memory' ? undefined : config.PGLITE_DIR;
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  return createPgliteDb({ dataDir, randomPageCost: config.DB_RANDOM_PAGE_COST }, listeners);
}
