// Builds a migrated PGlite data directory once per run; every test file then starts its own PGlite
// from it in well under a second instead of migrating from scratch.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createPgliteDb } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { pgliteTemplatePath } from './paths.js';

export default async function setup() {
  const db = await createPgliteDb();
  await migrate(db);
  const pglite = (db.driver as { pglite: PGlite }).pglite;
  const dump = await pglite.dumpDataDir('gzip');
  mkdirSync(dirname(pgliteTemplatePath), { recursive: true });
  writeFileSync(pgliteTemplatePath, Buffer.from(await dump.arrayBuffer()));
  await db.close();
}
