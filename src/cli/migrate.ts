// npm run db:migrate — applies drizzle/ and builds the secondary indexes CONCURRENTLY.
import { loadConfig } from '../config.js';
import { migrate, migrationVersion } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';

const config = loadConfig();
const db = await openDatabase(config);
try {
  const started = performance.now();
  await migrate(db);
  const version = await migrationVersion(db);
  console.log(`migrated ${db.kind} in ${Math.round(performance.now() - started)} ms (latest migration ${version?.createdAt ?? 'none'})`);
} finally {
  await db.close();
}
