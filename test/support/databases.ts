// A fresh, migrated database per test file: PGlite always, and real PostgreSQL too when DATABASE_URL
// is set (a database of its own, dropped afterwards), so tests never see each other's rows.
// `describeEachDatabase` runs one suite against every available kind, like drizzle's driver tests.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe } from 'vitest';
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
