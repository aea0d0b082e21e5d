// Loads a generated data set fast: tables first, then the secondary indexes (one sorted build each
// instead of millions of incremental inserts into them), maintained aggregates recomputed once, and
// VACUUM ANALYZE so the first benchmark reads find fresh statistics and set hint bits on nothing.
import type { Db } from './client.js';
import { buildIndexes, concurrentIndexes, migrate } from './migrate.js';
import { seedData, type SeedShape, type SeedStep } from './seed-data.js';

export interface BulkLoadOptions {
  /** Drop everything (both schemas) and load from scratch. */
  fresh?: boolean;
  /** Leave the secondary indexes out (the benchmark's "current" baseline database). */
  skipIndexes?: boolean;
  /**
   * Keep the aggregate and foreign-key triggers firing during the load. Off by default: with
   * `session_replication_role = replica` the rows go in without per-row foreign-key checks and
   * without folding 2M-row transition tables, and one `refresh_aggregates()` afterwards computes
   * the same counters in a single grouped pass (docs/benchmarks.md has the timings).
   */
  triggers?: boolean;
}

export type BulkLoadEvent =
  | { kind: 'start'; phase: string }
  | ({ kind: 'table' } & SeedStep)
  | { kind: 'done'; phase: string; ms: number };

export interface BulkLoadResult {
  loaded: boolean;
  /** Rows per table (also when the database was already loaded). */
  rows: Record<string, number>;
  phases: { phase: string; ms: number }[];
  totalMs: number;
}

const tables = ['projects', 'videos', 'ground_truth_objects', 'test_sessions', 'detection_events'] as const;

export async function countRows(db: Db): Promise<Record<string, number>> {
  const rows: Record<string, number> = {};
  for (const t of tables) {
    const [{ n }] = await db.query<{ n: number }>(`/* bulkLoadCount */ SELECT count(*)::int AS n FROM ${t}`);
    rows[t] = n;
  }
  return rows;
}

/**
 * Migrates and loads `shape` into `db`, unless the database already holds projects (then it only
 * reports what is there). `db` must be a single-connection handle with no statement timeout: the
 * session settings below have to apply to every statement of the load.
 */
export async function bulkLoad(
  db: Db,
  shape: SeedShape,
  opts: BulkLoadOptions = {},
  onEvent: (e: BulkLoadEvent) => void = () => {},
): Promise<BulkLoadResult> {
  if (db.driver.kind === 'postgres' && db.driver.sql.options.max !== 1) {
    throw new Error(`bulkLoad needs a single-connection handle (max: 1), got a pool of ${db.driver.sql.options.max}`);
  }
  const started = performance.now();
  const phases: { phase: string; ms: number }[] = [];
  const phase = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    onEvent({ kind: 'start', phase: name });
    const t = performance.now();
    const value = await fn();
    const ms = Math.round(performance.now() - t);
    phases.push({ phase: name, ms });
    onEvent({ kind: 'done', phase: name, ms });
    return value;
  };

  await phase('migrate', async () => {
    if (opts.fresh) {
      await db.query(`/* bulkLoadDropDrizzle */ DROP SCHEMA IF EXISTS drizzle CASCADE`);
      await db.query(`/* bulkLoadDropPublic */ DROP SCHEMA IF EXISTS public CASCADE`);
      await db.query(`/* bulkLoadCreatePublic */ CREATE SCHEMA public`);
    }
    await migrate(db, { skipIndexes: true });
  });
  const [{ n }] = await db.query<{ n: number }>(`/* bulkLoadCountProjects */ SELECT count(*)::int AS n FROM projects`);
  if (n > 0) {
    // Indexes added by later migrations (IF NOT EXISTS: the existing ones cost nothing).
    if (!opts.skipIndexes) await phase('indexes', () => buildIndexes(db));
    return { loaded: false, rows: await countRows(db), phases, totalMs: Math.round(performance.now() - started) };
  }

  await phase('drop indexes', async () => {
    for (const { name } of concurrentIndexes()) await db.query(`/* bulkLoadDropIndex */ DROP INDEX IF EXISTS "${name}"`);
  });
  if (db.kind === 'postgres') {
    // Memory for the sorts of the index builds and the aggregate refresh; this session only.
    await db.query(`/* bulkLoadSettings */ SET maintenance_work_mem = '1GB'`);
    await db.query(`/* bulkLoadSettings */ SET work_mem = '256MB'`);
    await db.query(`/* bulkLoadSettings */ SET synchronous_commit = off`);
  }
  // One transaction for the rows and their aggregates: a load that fails half-way leaves nothing, so
  // "projects exist" always means "fully loaded". SET LOCAL ends with it.
  await db.transaction(async (tx) => {
    // The counter triggers are ENABLE ALWAYS (drizzle/0003_import_triggers_always.sql), which the
    // replica role does not silence: switch them off by name for the load and back to ALWAYS before
    // the refresh (ALTER TABLE is transactional, so a failed load leaves them as they were).
    const always = opts.triggers
      ? []
      : await tx.query<{ rel: string; name: string }>(
          `/* bulkLoadAlwaysTriggers */ SELECT c.relname AS rel, t.tgname AS name FROM pg_trigger t
           JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = current_schema() AND NOT t.tgisinternal AND t.tgenabled = 'A' ORDER BY 1, 2`,
        );
    if (!opts.triggers) {
      await tx.query(`/* bulkLoadNoTriggers */ SET LOCAL session_replication_role = replica`);
      for (const t of always) await tx.query(`/* bulkLoadDisableTrigger */ ALTER TABLE "${t.rel}" DISABLE TRIGGER "${t.name}"`);
    }
    await phase('tables', () => seedData(tx, shape, (step) => onEvent({ kind: 'table', ...step })));
    if (!opts.triggers) {
      for (const t of always) await tx.query(`/* bulkLoadEnableTrigger */ ALTER TABLE "${t.rel}" ENABLE ALWAYS TRIGGER "${t.name}"`);
      await tx.query(`/* bulkLoadTriggers */ SET LOCAL session_replication_role = DEFAULT`);
      await phase('aggregates', () => tx.query(`/* bulkLoadRefreshAggregates */ SELECT refresh_aggregates()`));
    }
  });
  if (!opts.skipIndexes) {
    await phase('indexes', async () => {
      // Nothing reads during a load, so plain builds (one scan each) replace CONCURRENTLY (two).
      for (const { statement } of concurrentIndexes()) {
        await db.query(`/* bulkLoadCreateIndex */ ${statement.replace(/\bCONCURRENTLY\s+/i, '')}`);
      }
    });
  }
  await phase('vacuum analyze', () => db.query(`/* bulkLoadVacuum */ VACUUM (ANALYZE)`));
  return { loaded: true, rows: await countRows(db), phases, totalMs: Math.round(performance.now() - started) };
}

/** Creates the database `url` names when it does not exist yet (connecting to `postgres` on the same server). */
export async function createDatabaseIfMissing(url: string): Promise<boolean> {
  const { default: postgres } = await import('postgres');
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name must match [a-z_][a-z0-9_]*, got: ${JSON.stringify(name)}`);
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const admin = postgres(adminUrl.toString(), { max: 1, onnotice: () => {} });
  try {
    const found = await admin.unsafe(`/* findDatabase */ SELECT 1 FROM pg_database WHERE datname = $1`, [name]);
    if (found.length) return false;
    await admin.unsafe(`CREATE DATABASE ${name}`);
    return true;
  } finally {
    await admin.end({ timeout: 5 });
  }
}
