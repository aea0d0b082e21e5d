// Applies drizzle/ (tables, triggers, functions) through Drizzle's migrator, then the secondary indexes
// in drizzle/concurrent/, each as its own autocommit CREATE INDEX CONCURRENTLY: that statement cannot
// run inside the migrator's transaction, and an interrupted build leaves an INVALID index that
// IF NOT EXISTS would silently keep, so such an index is dropped and rebuilt here.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import type { Db } from './client.js';

export const migrationsFolder = join(dirname(fileURLToPath(import.meta.url)), '../../drizzle');
const concurrentFolder = join(migrationsFolder, 'concurrent');

export interface ConcurrentIndex {
  name: string;
  statement: string;
}

export function concurrentIndexes(): ConcurrentIndex[] {
  return readdirSync(concurrentFolder)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => {
      const statement = readFileSync(join(concurrentFolder, f), 'utf8').trim().replace(/;\s*$/, '');
      const m = /INDEX\s+CONCURRENTLY\s+IF\s+NOT\s+EXISTS\s+"?(\w+)"?/i.exec(statement);
      if (!m) throw new Error(`${f}: expected one CREATE INDEX CONCURRENTLY IF NOT EXISTS statement`);
      return { name: m[1], statement };
    });
}

export interface MigrateOptions {
  /** Skip the secondary indexes (bulk loads build them after the data is in). */
  skipIndexes?: boolean;
}

export async function migrate(db: Db, opts: MigrateOptions = {}): Promise<void> {
  const d = db.driver;
  if (d.kind === 'postgres') {
    await migratePostgres(drizzlePostgres(d.sql), { migrationsFolder });
  } else {
    await migratePglite(drizzlePglite(d.pglite), { migrationsFolder });
  }
  if (!opts.skipIndexes) await buildIndexes(db);
}

export async function buildIndexes(db: Db): Promise<void> {
  for (const { name, statement } of concurrentIndexes()) {
    const invalid = await db.query(
      `/* findInvalidIndex */ SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE c.relname = $1 AND NOT i.indisvalid`,
      [name],
    );
    if (invalid.length) await db.query(`/* dropInvalidIndex */ DROP INDEX CONCURRENTLY IF EXISTS "${name}"`);
    await db.query(statement);
  }
}

/** The latest applied migration (for /health), or null before the first migration. */
export async function migrationVersion(db: Db): Promise<{ id: number; createdAt: number } | null> {
  const rows = await db.query<{ id: number; created_at: string | number }>(
    `/* migrationVersion */ SELECT id, created_at FROM drizzle.__drizzle_migrations ORDER BY created_at DESC LIMIT 1`,
  ).catch(() => []);
  return rows[0] ? { id: Number(rows[0].id), createdAt: Number(rows[0].created_at) } : null;
}

/** The newest migration in drizzle/meta/_journal.json: what a fully migrated database has applied. */
export function latestMigration(): { tag: string; createdAt: number; count: number } {
  const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as {
    entries: { tag: string; when: number }[];
  };
  const last = journal.entries[journal.entries.length - 1];
  return { tag: last.tag, createdAt: last.when, count: journal.entries.length };
}

export interface MigrationStatus {
  applied: { id: number; createdAt: number } | null;
  expected: { tag: string; createdAt: number; count: number };
  upToDate: boolean;
}

/** Whether the database has every migration this build ships (the migrator compares timestamps too). */
export async function migrationStatus(db: Db): Promise<MigrationStatus> {
  const applied = await migrationVersion(db);
  const expected = latestMigration();
  return { applied, expected, upToDate: applied !== null && applied.createdAt >= expected.createdAt };
}
