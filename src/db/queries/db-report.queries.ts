// SQL behind `npm run db:report` and GET /admin/db-report: the slowest statements (pg_stat_statements,
// when the server has it), index usage and size, unused and invalid indexes, and the largest tables.
// Statistics views count since the last stats reset, so "unused" means "unused since then".
import type { Queryable } from '../client.js';

export interface SlowStatement {
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  maxMs: number;
  rows: number;
  /** Share of the total execution time of all statements recorded for this database. */
  percentOfTotal: number;
}

export type StatementsReport =
  | { available: true; statements: SlowStatement[] }
  | { available: false; reason: string };

export interface IndexUsage {
  table: string;
  index: string;
  scans: number;
  sizeBytes: number;
  unique: boolean;
  primary: boolean;
  valid: boolean;
}

export interface TableSize {
  table: string;
  liveRows: number;
  tableBytes: number;
  indexBytes: number;
  totalBytes: number;
  seqScans: number;
  indexScans: number;
}

export interface DbReport {
  generatedAt: string;
  database: string;
  serverVersion: string;
  statsResetAt: string | null;
  slowStatements: StatementsReport;
  indexes: IndexUsage[];
  unusedIndexes: IndexUsage[];
  invalidIndexes: IndexUsage[];
  largestTables: TableSize[];
}

/** Top statements by total execution time, or why they cannot be shown. */
export async function slowStatements(db: Queryable, limit: number): Promise<StatementsReport> {
  const [ext] = await db.query<{ installed: boolean; available: boolean; preloaded: boolean }>(
    `/* pgStatStatementsState */ SELECT
       EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements') AS installed,
       EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_stat_statements') AS available,
       coalesce(current_setting('shared_preload_libraries', true), '') ~ 'pg_stat_statements' AS preloaded`,
  );
  if (!ext.installed) {
    return {
      available: false,
      reason: ext.available
        ? 'pg_stat_statements is not installed in this database: add it to shared_preload_libraries, restart PostgreSQL, then CREATE EXTENSION pg_stat_statements'
        : 'pg_stat_statements is not available on this server (embedded PGlite, or PostgreSQL without the contrib package)',
    };
  }
  if (!ext.preloaded) {
    return {
      available: false,
      reason: 'the pg_stat_statements extension exists but the library is not loaded: add it to shared_preload_libraries and restart PostgreSQL',
    };
  }
  const rows = await db.query<SlowStatement>(
    `/* slowStatements */ SELECT query, calls::int8 AS calls,
       round(total_exec_time::numeric, 3)::float8 AS "totalMs",
       round(mean_exec_time::numeric, 3)::float8 AS "meanMs",
       round(max_exec_time::numeric, 3)::float8 AS "maxMs",
       rows::int8 AS rows,
       round((100 * total_exec_time / nullif(sum(total_exec_time) OVER (), 0))::numeric, 2)::float8 AS "percentOfTotal"
     FROM pg_stat_statements
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
     ORDER BY total_exec_time DESC LIMIT $1::int`,
    [limit],
  );
  return { available: true, statements: rows };
}

const indexColumns = `s.schemaname || '.' || s.relname AS "table", s.indexrelname AS "index",
  s.idx_scan::int8 AS scans, pg_relation_size(s.indexrelid)::int8 AS "sizeBytes",
  i.indisunique AS "unique", i.indisprimary AS "primary", (i.indisvalid AND i.indisready) AS valid`;

/** Every user index with its scans and size, largest first. */
export async function indexUsage(db: Queryable): Promise<IndexUsage[]> {
  return db.query(
    `/* indexUsage */ SELECT ${indexColumns}
     FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
     ORDER BY pg_relation_size(s.indexrelid) DESC, s.indexrelname`,
  );
}

/**
 * Indexes never scanned that enforce nothing: primary keys and unique indexes are kept out because
 * they guard constraints even when no query reads them.
 */
export async function unusedIndexes(db: Queryable): Promise<IndexUsage[]> {
  return db.query(
    `/* unusedIndexes */ SELECT ${indexColumns}
     FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
     WHERE s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary
     ORDER BY pg_relation_size(s.indexrelid) DESC, s.indexrelname`,
  );
}

/** Indexes left INVALID (an interrupted CREATE INDEX CONCURRENTLY): written to, never used. */
export async function invalidIndexes(db: Queryable): Promise<IndexUsage[]> {
  return db.query(
    `/* invalidIndexes */ SELECT ${indexColumns}
     FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
     WHERE NOT (i.indisvalid AND i.indisready)
     ORDER BY s.indexrelname`,
  );
}

export async function largestTables(db: Queryable, limit: number): Promise<TableSize[]> {
  return db.query(
    `/* largestTables */ SELECT t.schemaname || '.' || t.relname AS "table", t.n_live_tup::int8 AS "liveRows",
       pg_table_size(t.relid)::int8 AS "tableBytes", pg_indexes_size(t.relid)::int8 AS "indexBytes",
       pg_total_relation_size(t.relid)::int8 AS "totalBytes",
       coalesce(t.seq_scan, 0)::int8 AS "seqScans", coalesce(t.idx_scan, 0)::int8 AS "indexScans"
     FROM pg_stat_user_tables t
     ORDER BY pg_total_relation_size(t.relid) DESC, t.relname LIMIT $1::int`,
    [limit],
  );
}

export async function reportHeader(db: Queryable): Promise<{ database: string; serverVersion: string; statsResetAt: string | null }> {
  const [row] = await db.query<{ database: string; serverVersion: string; statsResetAt: string | null }>(
    `/* reportHeader */ SELECT current_database() AS database, current_setting('server_version') AS "serverVersion",
       (SELECT stats_reset::text FROM pg_stat_database WHERE datname = current_database()) AS "statsResetAt"`,
  );
  return row;
}

/** The whole report, one statement after another (it is an operator's tool, not a hot path). */
export async function dbReport(db: Queryable, opts: { limit?: number } = {}): Promise<DbReport> {
  const limit = opts.limit ?? 10;
  const header = await reportHeader(db);
  const slow = await slowStatements(db, limit);
  const indexes = await indexUsage(db);
  const unused = await unusedIndexes(db);
  const invalid = await invalidIndexes(db);
  const tables = await largestTables(db, limit);
  return {
    generatedAt: new Date().toISOString(),
    ...header,
    slowStatements: slow,
    indexes,
    unusedIndexes: unused,
    invalidIndexes: invalid,
    largestTables: tables,
  };
}
