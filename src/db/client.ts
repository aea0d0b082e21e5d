// The database handle: PostgreSQL through one postgres.js pool, or embedded PGlite, behind one small
// interface. Every statement goes through `query`, which is where statements are counted per request
// and timed for metrics, so the counts in tests and in /metrics are the ones the database saw.
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { copyIn } from './copy.js';
import { PoolStats } from './pool-stats.js';
import { reservedTransaction } from './reserved-transaction.js';
import { retryUnreached } from './retry.js';
import { useNoDelaySockets } from './socket.js';

export type Param = string | number | boolean | null;

export interface Queryable {
  query<T = Record<string, unknown>>(text: string, params?: readonly Param[]): Promise<T[]>;
}

/** What one request (or one CLI run) sent to the database. */
export interface SqlStats {
  statements: number;
  /** Milliseconds spent waiting on the database, summed. */
  durationMs: number;
}

/** Called after every statement; the text and parameters let tools (bench/floor-capture.ts) replay it. */
export type StatementListener = (name: string, durationMs: number, ok: boolean, text: string, params: readonly Param[]) => void;

/** A statement handle inside a transaction: statements, and COPY for bulk rows. */
export interface Transaction extends Queryable {
  /**
   * `/* name *\/ COPY target FROM STDIN` with `data` (whole lines in COPY text format, UTF-8) as its
   * data; counted and timed as one statement.
   */
  copyIn(name: string, target: string, data: Uint8Array<ArrayBuffer>): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** A view of this handle that also counts into `stats` (one per request). */
  counted(stats: SqlStats): Db;
  close(): Promise<void>;
  /** Pool statistics (busy, waiting, time waited, utilisation), shared by every counted view. */
  readonly pool: PoolStats;
  /** Adds a listener called after every statement (metrics); returns its removal. */
  addStatementListener(listener: StatementListener): () => void;
  /**
   * LISTEN on `channel`; `onListen` runs on every (re)connect (notifications sent meanwhile are lost).
   * On PostgreSQL a dedicated connection outside the pool (application_name truthgraph-listen), opened
   * on first use. Resolves the function that stops listening.
   */
  listen(channel: string, onNotify: (payload: string) => void, onListen: () => void): Promise<() => Promise<void>>;
  /** The driver underneath, for the migrator and the driver-specific bulk paths only. */
  readonly driver: { kind: 'postgres'; sql: postgres.Sql } | { kind: 'pglite'; pglite: PGlite };
}

export interface PoolOptions {
  max: number;
  idleTimeoutS: number;
  maxLifetimeS: number;
  connectTimeoutS: number;
  statementTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
  prepare: boolean;
  /** Cap on the wait before reconnecting after failed connection attempts (see createPostgresDb). */
  reconnectBackoffMaxMs?: number;
  /** The planner's cost of a random page read (see plannerSettings). */
  randomPageCost?: number;
}

export const defaultPoolOptions: PoolOptions = {
  max: 20,
  idleTimeoutS: 30,
  maxLifetimeS: 1800,
  connectTimeoutS: 5,
  statementTimeoutMs: 15_000,
  idleInTransactionTimeoutMs: 30_000,
  prepare: true,
  randomPageCost: 1.1,
};

/**
 * Planner settings of every connection. random_page_cost: PostgreSQL's default 4 prices a random
 * read as a spinning disk's, so for a 10,000-box page it picked a bitmap scan of every matching box
 * and a sort (12,000 rows, 17 ms of execution on the scale-1 data) over the index that already
 * holds them in page order (2.9 ms); 1.1 is the usual figure for SSDs and data that fits in memory.
 * plan_cache_mode: box and detection counts per parent are heavily skewed, so every execution is
 * planned with its own parameters — a 10,000-box video gets an index-ordered scan, not the average
 * video's plan. The statements count on it too: an optional filter (`$n IS NULL OR …`) or an admin's
 * scope (`$admin OR …`) folds away only when the values are known, and a partial index is chosen only
 * when its predicate follows from them.
 */
export const plannerSettings = (randomPageCost = defaultPoolOptions.randomPageCost!) => ({
  random_page_cost: String(randomPageCost),
  plan_cache_mode: 'force_custom_plan',
});

/** Names per statement text (our texts are a fixed set): the metrics listener names every statement. */
const statementNames = new Map<string, string>();

/** Our statement texts are a fixed set; the bounds guard against a caller that builds texts per call. */
function remember<V>(memo: Map<string, V>, text: string, value: V): void {
  if (text.length > 16_384) return;
  if (memo.size >= 1_000) memo.clear();
  memo.set(text, value);
}

/** `/* videoPageByProject *\/ SELECT …` → "videoPageByProject"; the name metrics and logs use. */
export function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    const m = /^\s*\/\*\s*([\w.:-]+)\s*\*\//.exec(text);
    name = m ? m[1] : 'anonymous';
    remember(statementNames, text, name);
  }
  return name;
}

type RawQuery = (text: string, params: readonly Param[]) => Promise<unknown[]>;
/** A driver's COPY FROM of `text` into `target` (`table (columns…)`), named `name` (metrics, logs). */
type RawCopy = (name: string, target: string, data: Uint8Array<ArrayBuffer>) => Promise<void>;

/**
 * Runs one statement (or COPY) counted into `stats`, reported to `listeners` and, outside a transaction,
 * accounted to the `pool` as a unit of work (one async step per statement, not one per concern).
 */
async function timed<T>(
  listeners: readonly StatementListener[],
  stats: SqlStats | undefined,
  text: string,
  params: readonly Param[],
  op: () => Promise<T>,
  pool?: PoolStats,
): Promise<T> {
  const started = performance.now();
  if (stats) stats.statements++;
  let done: (() => void) | undefined;
  let ok = false;
  try {
    done = pool?.enter();
    const result = await op();
    ok = true;
    return result;
  } finally {
    done?.();
    const ms = performance.now() - started;
    if (stats) stats.durationMs += ms;
    if (listeners.length) {
      const name = statementName(text);
      for (const l of listeners) l(name, ms, ok, text, params);
    }
  }
}

// Methods, not arrow properties, in what is built per request (counted): tsx would name each arrow
// with a defineProperty call.
function instrument(run: RawQuery, listeners: readonly StatementListener[], stats?: SqlStats, pool?: PoolStats): Queryable {
  return {
    query<T>(text: string, params: readonly Param[] = []) {
      return timed(listeners, stats, text, params, () => run(text, params) as Promise<T[]>, pool);
    },
  };
}

interface DriverParts {
  kind: Db['kind'];
  pool: PoolStats;
  driver: Db['driver'];
  run: RawQuery;
  transaction<T>(fn: (run: RawQuery, copy: RawCopy) => Promise<T>): Promise<T>;
  listen: Db['listen'];
  close(): Promise<void>;
}

function assemble(parts: DriverParts, listeners: StatementListener[], stats?: SqlStats): Db {
  // A statement outside a transaction, or a whole transaction, is one unit of pool work; the
  // statements inside a transaction run on the connection it already holds.
  const base = instrument(parts.run, listeners, stats, parts.pool);
  return {
    kind: parts.kind,
    driver: parts.driver,
    pool: parts.pool,
    query: base.query,
    transaction<T>(fn: (tx: Transaction) => Promise<T>) {
      return parts.pool.track(() =>
        parts.transaction((run, copy) =>
          fn({
            query: instrument(run, listeners, stats).query,
            // Counted and timed as one statement; listeners see the statement without its data.
            copyIn(name, target, data) {
              return timed(listeners, stats, `/* ${name} */ COPY ${target} FROM STDIN`, [], () => copy(name, target, data));
            },
          }),
        ),
      );
    },
    counted(s) {
      return assemble(parts, listeners, s);
    },
    listen: parts.listen,
    close: parts.close,
    addStatementListener(listener) {
      listeners.push(listener);
      return () => {
        const i = listeners.indexOf(listener);
        if (i >= 0) listeners.splice(i, 1);
      };
    },
  };
}

export function createPostgresDb(
  url: string,
  opts: PoolOptions = defaultPoolOptions,
  listeners: StatementListener[] = [],
): Db {
  const sql = postgres(url, {
    max: opts.max,
    idle_timeout: opts.idleTimeoutS || undefined,
    max_lifetime: opts.maxLifetimeS || null,
    connect_timeout: opts.connectTimeoutS,
    prepare: opts.prepare,
    // postgres.js waits (0.5..1)·min(3^failures/100, 20) s before reconnecting, with the failure count
    // shared by the pool: after a few seconds of outage queries wait up to 20 s for a connection
    // attempt, long after PostgreSQL is back (measured: 10 requests lost, 3 s recovery). A short cap
    // keeps failures fast during an outage (a refused connect costs ~1 ms) and recovery sub-second.
    // No pipelining: by default postgres.js stacks up to 100 queries on a busy connection, so a cheap
    // query can wait behind a slow one (measured: 60 slow requests on 20 connections, some answered
    // only after 11 s of 1 s timeouts in a row). One request's statements per connection at a time keeps
    // the queue FIFO across the pool and bounds a request's wait by the pool, not by its neighbour (a
    // transaction may still queue its own next statement behind its current one, as an ingest does).
    // (max_pipeline is a postgres.js option its type definitions omit.)
    ...({ max_pipeline: 1 } as object),
    backoff: (failures: number) => Math.min(0.05 * 2 ** failures, (opts.reconnectBackoffMaxMs ?? 500) / 1000),
    onnotice: () => {},
    connection: {
      application_name: 'truthgraph',
      statement_timeout: opts.statementTimeoutMs,
      idle_in_transaction_session_timeout: opts.idleInTransactionTimeoutMs,
      ...plannerSettings(opts.randomPageCost),
    },
    // int8 (counts, file sizes) as numbers, the same as PGlite; our values stay below 2^53.
    types: {
      int8: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) },
      // Bulk rows arrive as JSON text we serialized ourselves (`$1::json`); postgres.js would
      // JSON.stringify that string again into a JSON scalar ("cannot call json_to_recordset on a
      // scalar") unless drizzle's migrator had already swapped the serializer in this process.
      json: {
        to: 114,
        from: [114, 3802],
        serialize: (x: unknown) => (typeof x === 'string' ? x : JSON.stringify(x)),
        parse: (x: string) => JSON.parse(x),
      },
    },
  });
  // TCP_NODELAY (socket.ts): a COMMIT after a COPY no longer waits 40 ms for a delayed ACK.
  useNoDelaySockets(sql.options);
  // postgres.js fetches the array types on every new connection and drops that query's promise
  // (porsager/postgres#1192, #1223): a connection lost during the fetch — any reconnect during an
  // outage — raises an unhandled rejection (a crash under Node's default) and replays the old
  // backend's error onto the next query. The types land in options shared by the whole pool, so once
  // a query has succeeded (its connection fetched them first) new connections skip the fetch. Without
  // the fetch postgres.js never handed a new connection to a reserve (porsager/postgres#1219): the
  // next transaction after PostgreSQL ended the idle connections waited forever;
  // patches/postgres+3.4.9.patch (applied by npm's postinstall) fixes that and the other ways a
  // transaction hung after PostgreSQL ended connections (docs/operations.md).
  let typesFetched = false;
  const delivered = (rows: unknown[]): unknown[] => {
    if (!typesFetched) {
      typesFetched = true;
      (sql.options as { fetch_types: boolean }).fetch_types = false;
    }
    return plainRows(rows);
  };
  let listener: postgres.Sql | undefined;
  const runOn =
    (q: postgres.Sql | postgres.TransactionSql): RawQuery =>
    (text, params) =>
      (q.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: opts.prepare }) as Promise<unknown[]>).then(delivered);
  const runOnPool = runOn(sql);
  return assemble(
    {
      kind: 'postgres',
      pool: new PoolStats(opts.max),
      driver: { kind: 'postgres', sql },
      run: (text, params) => (isReadOnly(text) ? retryUnreached(() => runOnPool(text, params)) : runOnPool(text, params)),
      transaction: (fn) =>
        retryUnreached(() =>
          reservedTransaction(sql, (tx, send) =>
            fn(
              (text, params) => send(() => runOn(tx)(text, params)),
              (name, target, data) => send(() => copyIn(tx, `/* ${name} */ COPY ${target} FROM STDIN`, [data])),
            ),
          ),
        ),
      listen: async (channel, onNotify, onListen) => {
        listener ??= postgres(url, {
          max: 1,
          connect_timeout: opts.connectTimeoutS,
          backoff: (failures: number) => Math.min(0.05 * 2 ** failures, (opts.reconnectBackoffMaxMs ?? 500) / 1000),
          onnotice: () => {},
          connection: { application_name: 'truthgraph-listen' },
        });
        const sub = await listener.listen(channel, onNotify, onListen);
        return () => sub.unlisten();
      },
      // postgres.js end() can hang after an outage (porsager/postgres#1097): always bound it.
      close: async () => {
        await Promise.all([sql.end({ timeout: 5 }), listener?.end({ timeout: 5 })]);
      },
    },
    listeners,
  );
}

/**
 * postgres.js's rows arrive in its Result, an Array subclass, and V8 runs map, slice and filter on a
 * subclass through its generic path, an element at a time (docs/operations.md). No caller reads
 * Result's fields (the handle's type hides them): the same array, with Array's own prototype. Anything
 * else (a COPY's stream) is left as it is.
 */
export function plainRows<T>(rows: T): T {
  return Array.isArray(rows) ? (Object.setPrototypeOf(rows, Array.prototype) as T) : rows;
}

/** Read-only or not, per statement text: the test is two regular expressions over the whole text. */
const readOnlyTexts = new Map<string, boolean>();

/** `/* name *\/ SELECT …` or `WITH …` without a write anywhere in it (our statements are static text). */
function isReadOnly(text: string): boolean {
  let known = readOnlyTexts.get(text);
  if (known === undefined) {
    known = readOnlyText(text);
    remember(readOnlyTexts, text, known);
  }
  return known;
}

function readOnlyText(text: string): boolean {
  const body = text.replace(/^\s*\/\*[^]*?\*\/\s*/, '');
  return /^(SELECT|WITH)\b/i.test(body) && !/\b(INSERT|UPDATE|DELETE|MERGE|COPY|CALL|LOCK)\b|nextval|setval|pg_sleep|set_config/i.test(body);
}

export async function createPgliteDb(
  source: { dataDir?: string; loadDataDir?: Blob; randomPageCost?: number } = {},
  listeners: StatementListener[] = [],
): Promise<Db> {
  const pglite = source.loadDataDir
    ? new PGlite({ loadDataDir: source.loadDataDir })
    : new PGlite(source.dataDir);
  await pglite.waitReady;
  // One embedded session: the planner settings of a postgres.js connection, set once.
  for (const [name, value] of Object.entries(plannerSettings(source.randomPageCost))) await pglite.query(`SET ${name} = '${value}'`);
  const runOn =
    (q: Pick<PGlite, 'query'>): RawQuery =>
    async (text, params) =>
      (await q.query(text, params as unknown[])).rows;
  return assemble(
    {
      kind: 'pglite',
      // PGlite is one embedded backend that runs one statement at a time: a pool of one.
      pool: new PoolStats(1),
      driver: { kind: 'pglite', pglite },
      run: runOn(pglite),
      // PGlite's COPY reads one in-memory blob.
      transaction: (fn) =>
        pglite.transaction((tx) =>
          fn(runOn(tx), async (name, target, data) => {
            await tx.query(`/* ${name} */ COPY ${target} FROM '/dev/blob'`, [], { blob: new Blob([data]) });
          }),
        ),
      listen: async (channel, onNotify, onListen) => {
        const unsubscribe = await pglite.listen(channel, onNotify);
        onListen();
        return () => unsubscribe();
      },
      close: () => pglite.close(),
    },
    listeners,
  );
}
