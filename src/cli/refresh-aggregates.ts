// npm run db:refresh-aggregates — recomputes every maintained counter from the rows, for data loaded
// by means that skip triggers (COPY with triggers disabled, replication, hand-written SQL).
import { loadConfig } from '../config.js';
import { refreshAggregates } from '../db/queries/aggregates.queries.js';
import { openDatabase } from '../db/open.js';

const config = loadConfig();
const db = await openDatabase(config);
try {
  const started = performance.now();
  await refreshAggregates(db);
  console.log(`aggregates refreshed in ${Math.round(performance.now() - started)} ms`);
} finally {
  await db.close();
}
