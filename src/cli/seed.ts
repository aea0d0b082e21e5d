// npm run seed -- --scale N [--seed S] [--fresh] [--no-indexes] [--triggers]
// Fills DATABASE_URL (created if missing) or, without it, the embedded PGlite under PGLITE_DIR with the
// deterministic generated data set; progress per table on stderr, a summary of rows and time at the end.
import { parseArgs } from 'node:util';
import { createPgliteDb, createPostgresDb, defaultPoolOptions, type Db } from '../db/client.js';
import { bulkLoad, createDatabaseIfMissing, type BulkLoadEvent } from '../db/bulk-load.js';
import { shapeForScale } from '../db/seed-data.js';
import { loadConfig } from '../config.js';

const usage = `usage: npm run seed -- --scale N [--seed S] [--fresh] [--no-indexes] [--triggers]
  --scale N      1 = 10 projects, 10,000 videos, ~2M ground-truth boxes, 1,000 sessions, ~2M detections
                 (fractions allowed; PGlite is meant for scale <= 0.1)
  --seed S       generator seed (default 1); the same seed always yields the same rows and ids
  --fresh        drop all tables first and reload
  --no-indexes   leave the secondary indexes out (the benchmark's "current" baseline database)
  --triggers     keep the aggregate triggers firing during the load (slower; for comparison)`;

const fmt = (n: number) => n.toLocaleString('en-US');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main() {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string' },
      seed: { type: 'string', default: '1' },
      fresh: { type: 'boolean', default: false },
      'no-indexes': { type: 'boolean', default: false },
      triggers: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const scale = Number(values.scale);
  const seed = Number(values.seed);
  if (values.help || !Number.isFinite(scale) || scale <= 0 || !Number.isInteger(seed)) {
    console.error(usage);
    process.exit(values.help ? 0 : 2);
  }
  const config = loadConfig();
  let db: Db;
  let where: string;
  if (config.DATABASE_URL) {
    const created = await createDatabaseIfMissing(config.DATABASE_URL);
    // One connection without a statement timeout: session settings must hold for the whole load.
    db = createPostgresDb(config.DATABASE_URL, Object.assign({}, defaultPoolOptions, { max: 1, statementTimeoutMs: 0, idleInTransactionTimeoutMs: 0, prepare: false }));
    where = `${new URL(config.DATABASE_URL).pathname.slice(1)}${created ? ' (created)' : ''}`;
  } else {
    if (scale > 0.1) console.error(`warning: scale ${scale} on embedded PGlite will be slow; set DATABASE_URL for PostgreSQL`);
    db = await createPgliteDb({ dataDir: config.PGLITE_DIR === 'memory' ? undefined : config.PGLITE_DIR });
    where = `PGlite ${config.PGLITE_DIR}`;
  }
  const shape = shapeForScale(scale, seed);
  console.error(`seeding ${where}: scale ${scale}, seed ${seed}${values['no-indexes'] ? ', no secondary indexes' : ''}`);

  // A ticker on terminals, so a long statement does not look like a hang.
  let ticker: NodeJS.Timeout | undefined;
  let phaseStarted = 0;
  const tick = (label: string) => {
    if (!process.stderr.isTTY) return;
    clearInterval(ticker);
    phaseStarted = performance.now();
    ticker = setInterval(() => process.stderr.write(`\r  ${label} … ${secs(performance.now() - phaseStarted)}   `), 500);
  };
  const clearTick = () => {
    clearInterval(ticker);
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  };
  const tableOrder = ['projects', 'videos', 'ground_truth_objects', 'test_sessions', 'detection_events'];
  const onEvent = (e: BulkLoadEvent) => {
    if (e.kind === 'start') tick(e.phase === 'tables' ? tableOrder[0] : e.phase);
    else if (e.kind === 'table') {
      clearTick();
      const i = tableOrder.indexOf(e.table);
      const rate = e.ms > 0 ? ` (${fmt(Math.round((e.rows * 1000) / e.ms))} rows/s)` : '';
      console.error(`  [${i + 1}/${tableOrder.length}] ${e.table.padEnd(22)} ${fmt(e.rows).padStart(11)} rows  ${secs(e.ms).padStart(8)}${rate}`);
      if (tableOrder[i + 1]) tick(tableOrder[i + 1]);
    } else {
      clearTick();
      if (e.phase !== 'tables') console.error(`  ${e.phase.padEnd(28)} ${''.padStart(16)} ${secs(e.ms).padStart(8)}`);
    }
  };
  try {
    const result = await bulkLoad(db, shape, { fresh: values.fresh, skipIndexes: values['no-indexes'], triggers: values.triggers }, onEvent);
    clearTick();
    const total = Object.values(result.rows).reduce((a, b) => a + b, 0);
    if (!result.loaded) {
      console.error(`already loaded (${fmt(total)} rows; --fresh reloads):`);
    } else {
      console.error(`loaded ${fmt(total)} rows in ${secs(result.totalMs)}:`);
    }
    for (const [t, n] of Object.entries(result.rows)) console.error(`  ${t.padEnd(22)} ${fmt(n).padStart(11)}`);
    // The machine-readable summary on stdout.
    console.log(JSON.stringify({ scale, seed, ...result }));
  } finally {
    clearTick();
    await db.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
