// A fresh, migrated database per test file: PGlite always, and real PostgreSQL too when DATABASE_URL
// is set (a database of its own, dropped afterwards), so tests never see each other's rows.
// `describeEachDatabase` runs one suite against every available kind, like drizzle's driver tests.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { afterAll, beforeAll, describe } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys.js';
import { createPgliteDb, createPostgresDb, defaultPoolOptions, type Db, type PoolOptions } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { pgliteTemplatePath } from './paths.js';

export type DatabaseKind = 'pglite' | 'postgres';

export const postgresUrl = process.env.DATABASE_URL;
export const databaseKinds: DatabaseKind[] = postgresUrl ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase {
  db: Db;
  /** Connection URL of the database (PostgreSQL only). */
  url?: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function createTestDatabase(kind: DatabaseKind, pool: Partial<PoolOptions> = {}): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const db = await createPgliteDb({ loadDataDir: new Blob([readFileSync(pgliteTemplatePath)]) });
    return { db, drop: () => db.close() };
  }
  if (!postgresUrl) throw new Error('DATABASE_URL is not set');
  const name = `truthgraph_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(postgresUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = withDatabase(postgresUrl, name);
  const db = createPostgresDb(url, { ...defaultPoolOptions, max: 10, ...pool });
  await migrate(db);
  return {
    db,
    url,
    async drop() {
      await db.close();
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end({ timeout: 5 });
    },
  };
}

/**
 * A PGlite data directory unpacked from the migrated test template, holding an admin API key, for a
 * server run in a child process (a cold PGlite plus migrations takes far longer there).
 */
export async function pgliteDirWithKey(prefix: string, keyName: string): Promise<{ dir: string; secret: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    const pglite = new PGlite(dir, { loadDataDir: new Blob([readFileSync(pgliteTemplatePath)]) });
    await pglite.waitReady;
    await pglite.close();
    const db = await createPgliteDb({ dataDir: dir });
    const { secret } = await createApiKey(db, { name: keyName, role: 'admin' });
    await db.close();
    return { dir, secret, remove };
  } catch (err) {
    remove();
    throw err;
  }
}

/** Runs `suite` once per available database kind, each with a fresh database for the whole block. */
export function describeEachDatabase(name: string, suite: (get: () => TestDatabase, kind: DatabaseKind) => void) {
  for (const kind of databaseKinds) {
    describe(`${name} [${kind}]`, () => {
      let database: TestDatabase;
      beforeAll(async () => {
        database = await createTestDatabase(kind);
      });
      afterAll(async () => {
        await database?.drop();
      });
      suite(() => database, kind);
    });
  }
}
