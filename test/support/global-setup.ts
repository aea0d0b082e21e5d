// Builds a migrated PGlite data directory once per run; every test file then starts its own PGlite
// from it in well under a second instead of migrating from scratch.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
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
  // Write a new file and rename it over the old one: worktrees whose node_modules were copied with
  // hard links share the old file's inode, and writing into it would hand them our migrations.
  const tmp = `${pgliteTemplatePath}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
  renameSync(tmp, pgliteTemplatePath);
  await db.close();
}
