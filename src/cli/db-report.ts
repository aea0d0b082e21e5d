// `npm run db:report [-- --json] [-- --limit N]`: the slowest statements, index usage, unused and
// invalid indexes and the largest tables of the configured database, as text or JSON.
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/open.js';
import { dbReport, type DbReport, type IndexUsage } from '../db/queries/db-report.queries.js';

function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

function table(headers: string[], rows: (string | number)[][]): string {
  if (rows.length === 0) return '  (none)';
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => '  ' + r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

const indexRows = (list: IndexUsage[]) => list.map((i) => [i.index, i.table, i.scans, bytes(i.sizeBytes), i.primary ? 'primary' : i.unique ? 'unique' : '']);

function renderReport(r: DbReport): string {
  const out: string[] = [];
  out.push(`database ${r.database} (PostgreSQL ${r.serverVersion}), statistics since ${r.statsResetAt ?? 'the cluster started'}`);
  out.push('', 'Slowest statements (pg_stat_statements, by total time)');
  if (r.slowStatements.available) {
    out.push(
      table(
        ['total ms', 'calls', 'mean ms', 'max ms', '% total', 'query'],
        r.slowStatements.statements.map((s) => [s.totalMs, s.calls, s.meanMs, s.maxMs, s.percentOfTotal, s.query.replace(/\s+/g, ' ').slice(0, 100)]),
      ),
    );
  } else {
    out.push(`  not available: ${r.slowStatements.reason}`);
  }
  out.push('', 'Index usage (largest first)', table(['index', 'table', 'scans', 'size', 'kind'], indexRows(r.indexes)));
  out.push('', 'Unused indexes (0 scans, not enforcing a constraint)', table(['index', 'table', 'scans', 'size', 'kind'], indexRows(r.unusedIndexes)));
  out.push('', 'Invalid indexes', table(['index', 'table', 'scans', 'size', 'kind'], indexRows(r.invalidIndexes)));
  out.push(
    '',
    'Largest tables',
    table(
      ['table', 'live rows', 'table', 'indexes', 'total', 'seq scans', 'index scans'],
      r.largestTables.map((t) => [t.table, t.liveRows, bytes(t.tableBytes), bytes(t.indexBytes), bytes(t.totalBytes), t.seqScans, t.indexScans]),
    ),
  );
  return out.join('\n');
}

async function main() {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const limitAt = args.indexOf('--limit');
  const limit = limitAt >= 0 ? Number(args[limitAt + 1]) : 10;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new Error(`--limit must be 1..1000, got ${args[limitAt + 1]}`);
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    const report = await dbReport(db, { limit });
    console.log(json ? JSON.stringify(report, null, 2) : renderReport(report));
  } finally {
    await db.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
