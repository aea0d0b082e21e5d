// npm run import -- <file.ndjson> [--chunk-size N] [--lanes N]: streams the file into the configured database
// (DATABASE_URL, or PGlite under PGLITE_DIR: stop the dev server first, PGlite has no cross-process
// lock) with a progress bar on stderr, rejected lines reported by number, and a JSON summary on
// stdout. With REDIS_URL it purges the response cache of what each chunk changed, right after the
// chunk commits (the server's in-process cache, without REDIS_URL, is out of this process's reach:
// its entries expire after CACHE_TTL_S). Exits 1 when any line was rejected, 2 on a usage or database
// error or when an invalidation was lost.
import { openCache, type OpenedCache } from '../cache/open-cache.js';
import { loadConfig } from '../config.js';
import { migrate } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';
import { importNdjson, type ImportProgress } from '../services/import.service.js';

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: npm run import -- <file.ndjson> [--chunk-size N] [--lanes N]\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
const file = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
if (!file) usage('missing the NDJSON file');
function intOption(name: string, fallback: number | undefined, max: number): number | undefined {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isInteger(n) || n < 1 || n > max) usage(`--${name} must be 1..${max}`);
  return n;
}
const chunkSize = intOption('chunk-size', undefined, 1_000_000);
// Default: 2 on PostgreSQL, 1 on PGlite (one connection).
const lanes = intOption('lanes', undefined, 16);

const tty = process.stderr.isTTY;
let lastDraw = 0;
function draw(p: ImportProgress, final = false) {
  const now = performance.now();
  // On a terminal redraw one line at most 10 times a second; in logs print a line every 5 seconds.
  if (!final && now - lastDraw < (tty ? 100 : 5000)) return;
  lastDraw = now;
  const s = p.elapsedMs / 1000;
  const rate = s > 0 ? p.rows / s : 0;
  const frac = p.totalBytes ? Math.min(1, p.bytesRead / p.totalBytes) : 1;
  const eta = frac > 0 && frac < 1 ? (s / frac) * (1 - frac) : 0;
  const width = 24;
  const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
  const text = `[${bar}] ${(frac * 100).toFixed(0).padStart(3)}%  ${p.rows.toLocaleString('en')} rows  ${Math.round(rate).toLocaleString('en')} rows/s  ETA ${eta.toFixed(0)}s  rejected ${p.rejected}`;
  process.stderr.write(tty ? `\r${text}\x1b[K${final ? '\n' : ''}` : `${text}\n`);
}

const config = loadConfig();
const db = await openDatabase(config);
let cache: OpenedCache | undefined;
let exitCode = 0;
try {
  if (config.migrateOnStart) await migrate(db);
  // The servers' shared cache; committed chunks are purged from it as the import goes.
  if (config.REDIS_URL && config.CACHE === 'on') cache = await openCache(config);
  const invalidate = async (tags: string[]) => cache?.cache.invalidate(tags);
  let shownRejects = 0;
  const summary = await importNdjson(db, file, {
    chunkSize,
    lanes,
    onCommit: invalidate,
    liveEvaluation: { live: config.EVALUATION_LIVE, iouThreshold: config.EVALUATION_LIVE_IOU },
    onProgress: (p) => draw(p),
    onReject: (line, reason) => {
      // Every rejected line goes to stderr up to a bound; the summary counts them all.
      if (shownRejects++ < 1000) process.stderr.write(`${tty ? '\r\x1b[K' : ''}line ${line}: ${reason}\n`);
    },
  });
  draw({ lines: summary.lines, rows: summary.groundTruth.inserted + summary.groundTruth.updated + summary.detections.inserted + summary.detections.updated, rejected: summary.rejectedCount, bytesRead: 1, totalBytes: 1, elapsedMs: summary.elapsedMs }, true);
  if (cache && cache.cache.stats().errors > 0) {
    // A purge failed (Redis down or slow): one more try with everything the import changed.
    const before = cache.cache.stats().errors;
    await invalidate(summary.changedTags);
    if (cache.cache.stats().errors > before) {
      process.stderr.write(`\nresponse cache: invalidation lost; cached answers may be stale for up to ${config.CACHE_TTL_S} s\n`);
      exitCode = 2;
    }
  }
  const { changedTags, ...report } = summary;
  process.stdout.write(`${JSON.stringify(Object.assign({}, report, { changedTags: changedTags.length }), null, 2)}\n`);
  if (summary.rejectedCount > 0 && exitCode === 0) exitCode = 1;
} catch (err) {
  process.stderr.write(`\nimport failed: ${(err as Error).message}\n`);
  exitCode = 2;
} finally {
  await cache?.close();
  await db.close();
}
process.exit(exitCode);
