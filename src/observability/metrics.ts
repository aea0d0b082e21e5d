// The Prometheus registry of one app: HTTP and GraphQL requests, SQL statements, the connection pool,
// the response cache (when one is wired in) and Node's process metrics, all named truthgraph_*.
// One registry per app (not prom-client's global one) so several apps in one test process don't clash.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { PoolStats } from '../db/pool-stats.js';
import type { StatementListener } from '../db/client.js';
import { BoundCounter, BoundHistogram, type CounterSeries, type HistogramSeries } from './bound-series.js';
import type { Outcome } from './request-record.js';

export interface CacheStats {
  hits: number;
  misses: number;
  stores: number;
  bypasses: number;
  invalidations: number;
  bytes: number;
  /** Hot entries recomputed after a write (refresh-ahead). */
  refreshes?: number;
  /** Responses above the entry bound: served, not stored. */
  oversizeNotStored?: number;
  /** Hits served from this process's copies of large bodies (included in hits). */
  localCopyHits?: number;
  /** Hits of request bodies keyed before, answered before they were parsed (included in hits). */
  knownBodyHits?: number;
}

/** What the response cache offers to operations: cumulative counters and a state word ("ready", "down"…). */
export interface CacheStatsSource {
  stats(): CacheStats;
  state(): string;
}

export interface MetricsDeps {
  pool: PoolStats;
  /** Registers the statement listener; returns its removal. */
  addStatementListener(listener: StatementListener): () => void;
  /** Connections the database sees from this app, or null when it cannot tell. */
  connectionsOpen(): Promise<number | null>;
  cache?: CacheStatsSource;
  /**
   * Operation names that get a label value of their own (the trusted-documents manifest's); any other
   * name is `other`. Absent: the first 200 well-formed names a client sends.
   */
  knownOperations?: ReadonlySet<string>;
}

export interface HttpObservation {
  route: string;
  method: string;
  status: number;
  seconds: number;
  graphql?: { operation: string; outcome: Outcome; statements: number };
}

export interface Metrics {
  readonly registry: Registry;
  observe(o: HttpObservation): void;
  /** Prometheus text exposition. */
  text(): Promise<string>;
  readonly contentType: string;
  close(): void;
}

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const statementBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const labelPattern = /^[A-Za-z_][\w.:-]{0,63}$/;
// Clients choose operation names: cap the distinct values so a client cannot blow up the series count.
const maxDistinctLabels = 200;

/** Names the server itself gives an operation it could not name from the document. */
const ownOperationNames = new Set(['anonymous', 'unknown']);

function boundedLabel(seen: Set<string>, value: string, known?: ReadonlySet<string>): string {
  if (known) return known.has(value) || ownOperationNames.has(value) ? value : 'other';
  if (!labelPattern.test(value)) return 'other';
  if (seen.has(value)) return value;
  if (seen.size >= maxDistinctLabels) return 'other';
  seen.add(value);
  return value;
}

export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'truthgraph_' });
  const operations = new Set<string>();
  const statements = new Set<string>();

  // The series observed per request or per statement are bound ones (src/observability/bound-series.ts).
  const httpRequests = new BoundCounter(
    'truthgraph_http_requests_total',
    'HTTP requests answered, by route, method and status code.',
    ['route', 'method', 'status'],
    registry,
  );
  const httpDuration = new BoundHistogram(
    'truthgraph_http_request_duration_seconds',
    'HTTP request latency, by route, method and status code.',
    ['route', 'method', 'status'],
    latencyBuckets,
    registry,
  );
  const graphqlRequests = new BoundCounter(
    'truthgraph_graphql_requests_total',
    'GraphQL requests, by operation name and outcome (ok, client_error, error).',
    ['operation', 'outcome'],
    registry,
  );
  const graphqlDuration = new BoundHistogram(
    'truthgraph_graphql_request_duration_seconds',
    'GraphQL request latency, by operation name and outcome.',
    ['operation', 'outcome'],
    latencyBuckets,
    registry,
  );
  const statementsPerRequest = new BoundHistogram(
    'truthgraph_graphql_sql_statements_per_request',
    'SQL statements one GraphQL request sent, by operation name.',
    ['operation'],
    [0, 1, 2, 3, 5, 8, 12, 20, 50, 100],
    registry,
  );
  const statementDuration = new BoundHistogram(
    'truthgraph_db_statement_duration_seconds',
    'SQL statement latency as the app saw it (including the wait for a connection), by statement name and outcome.',
    ['statement', 'outcome'],
    statementBuckets,
    registry,
  );
  const poolWait = new BoundHistogram(
    'truthgraph_db_pool_wait_seconds',
    'Time a statement or transaction waited for a free connection (FIFO pool model, see src/db/pool-stats.ts).',
    [],
    [0, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registry,
  ).labels({});

  const pool = deps.pool;
  // Both connection gauges read one pg_stat_activity count per scrape. The count queues for a
  // connection like any statement, so under pressure a scrape uses the last known value after 1 s
  // rather than stalling.
  let openCount: { at: number; value: Promise<number | null> } | undefined;
  let lastOpen: number | null = null;
  const connectionsOpen = () => {
    const now = Date.now();
    if (!openCount || now - openCount.at > 500) {
      const counted = deps.connectionsOpen().then(
        (n) => (lastOpen = n),
        () => lastOpen,
      );
      const fallback = new Promise<number | null>((resolve) => setTimeout(() => resolve(lastOpen), 1000).unref());
      openCount = { at: now, value: Promise.race([counted, fallback]) };
    }
    return openCount.value;
  };
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge('truthgraph_db_pool_max_connections', 'Configured maximum connections of the pool.', () => pool.max);
  gauge('truthgraph_db_pool_busy', 'Statements or transactions holding a connection now.', () => pool.snapshot().busy);
  gauge('truthgraph_db_pool_waiting', 'Statements or transactions waiting for a connection now.', () => pool.snapshot().waiting);
  gauge('truthgraph_db_pool_utilisation_ratio', 'Busy / max, time-weighted over the last 60 s.', () => pool.snapshot().utilisation);
  gauge('truthgraph_db_pool_peak_waiting', 'Most statements or transactions ever waiting at once.', () => pool.snapshot().peakWaiting);
  new Gauge({
    name: 'truthgraph_db_pool_connections_open',
    help: 'Connections the database server sees from this app (pg_stat_activity; 1 for embedded PGlite).',
    registers: [registry],
    async collect() {
      const n = await connectionsOpen();
      if (n !== null) this.set(n);
    },
  });
  new Gauge({
    name: 'truthgraph_db_pool_idle',
    help: 'Open connections not holding work (connections open - busy).',
    registers: [registry],
    async collect() {
      const n = await connectionsOpen();
      if (n !== null) this.set(Math.max(0, n - pool.snapshot().busy));
    },
  });
  const removeWait = pool.onWait((s) => poolWait.observe(s));

  // Each label combination is bound once; a request then updates its series without building labels.
  const statementSeries = new Map<string, HistogramSeries>();
  const removeStatement = deps.addStatementListener((name, ms, ok) => {
    const key = ok ? name : `${name}\u0000error`;
    let series = statementSeries.get(key);
    if (!series) {
      series = statementDuration.labels({ statement: boundedLabel(statements, name), outcome: ok ? 'ok' : 'error' });
      if (statementSeries.size < 4 * maxDistinctLabels) statementSeries.set(key, series);
    }
    series.observe(ms / 1000);
  });
  interface HttpSeries {
    route: string;
    method: string;
    status: number;
    requests: CounterSeries;
    duration: HistogramSeries;
  }
  interface GraphqlSeries {
    operation: string;
    outcome: Outcome;
    requests: CounterSeries;
    duration: HistogramSeries;
    statements: HistogramSeries;
  }
  const httpSeries = new Map<string, HttpSeries>();
  const graphqlSeries = new Map<string, GraphqlSeries>();
  let lastHttp: HttpSeries | undefined;
  let lastGraphql: GraphqlSeries | undefined;
  // route is one of a fixed set and method/status are bounded by HTTP: few combinations.
  const httpSeriesOf = ({ route, method, status }: HttpObservation): HttpSeries => {
    const httpKey = `${route} ${method} ${status}`;
    let http = httpSeries.get(httpKey);
    if (!http) {
      const labels = { route, method, status: String(status) };
      http = { route, method, status, requests: httpRequests.labels(labels), duration: httpDuration.labels(labels) };
      if (httpSeries.size < 1000) httpSeries.set(httpKey, http);
    }
    return http;
  };
  const graphqlSeriesOf = ({ operation: name, outcome }: NonNullable<HttpObservation['graphql']>): GraphqlSeries => {
    const gqlKey = `${name}\u0000${outcome}`;
    let gql = graphqlSeries.get(gqlKey);
    if (!gql) {
      const operation = boundedLabel(operations, name, deps.knownOperations);
      gql = {
        operation: name,
        outcome,
        requests: graphqlRequests.labels({ operation, outcome }),
        duration: graphqlDuration.labels({ operation, outcome }),
        statements: statementsPerRequest.labels({ operation }),
      };
      // Operation names come from clients: only names that got a series of their own are kept.
      if (operation !== 'other' && graphqlSeries.size < 4 * maxDistinctLabels) graphqlSeries.set(gqlKey, gql);
    }
    return gql;
  };

  const cache = deps.cache;
  if (cache) {
    // The cache keeps cumulative counters; a prom-client Counter only increments, so add the delta
    // since the last scrape (and start over if the source was reset).
    const counterFrom = (name: string, help: string, key: keyof CacheStats) => {
      let last = 0;
      return new Counter({
        name,
        help,
        registers: [registry],
        collect() {
          const v = cache.stats()[key] ?? 0;
          if (v < last) {
            this.reset();
            last = 0;
          }
          this.inc(v - last);
          last = v;
        },
      });
    };
    counterFrom('truthgraph_cache_hits_total', 'Responses served from the response cache.', 'hits');
    counterFrom('truthgraph_cache_misses_total', 'Cacheable requests not found in the cache.', 'misses');
    counterFrom('truthgraph_cache_stores_total', 'Responses written to the cache.', 'stores');
    counterFrom('truthgraph_cache_bypasses_total', 'Requests that skipped the cache (mutations, errors, uncacheable).', 'bypasses');
    counterFrom('truthgraph_cache_invalidations_total', 'Tag invalidations applied to the cache.', 'invalidations');
    counterFrom('truthgraph_cache_oversize_total', 'Responses above CACHE_MAX_ENTRY_BYTES: served, not stored.', 'oversizeNotStored');
    counterFrom('truthgraph_cache_refreshes_total', 'Hot entries recomputed ahead of their next reader after a write dropped them.', 'refreshes');
    counterFrom('truthgraph_cache_known_body_hits_total', 'Hits (of the hits) of a request body keyed before, answered before it was parsed.', 'knownBodyHits');
    counterFrom('truthgraph_cache_local_copy_hits_total', "Hits (of the hits) served from this process's copy of a large body, its freshness read from Redis.", 'localCopyHits');
    gauge('truthgraph_cache_bytes', 'Bytes held by the response cache.', () => cache.stats().bytes);
    gauge('truthgraph_cache_hit_ratio', 'hits / (hits + misses) since start.', () => {
      const s = cache.stats();
      return s.hits + s.misses > 0 ? s.hits / (s.hits + s.misses) : 0;
    });
    new Gauge({
      name: 'truthgraph_cache_state',
      help: 'The response cache state: 1 for the current state label.',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        this.reset();
        this.set({ state: cache.state() }, 1);
      },
    });
  }

  return {
    registry,
    contentType: registry.contentType,
    observe(o) {
      // Most requests repeat the last one's labels: those series are kept at hand, without a key to build.
      let http = lastHttp;
      if (http === undefined || http.route !== o.route || http.method !== o.method || http.status !== o.status) lastHttp = http = httpSeriesOf(o);
      http.requests.inc();
      http.duration.observe(o.seconds);
      if (o.graphql) {
        let gql = lastGraphql;
        if (gql === undefined || gql.operation !== o.graphql.operation || gql.outcome !== o.graphql.outcome) lastGraphql = gql = graphqlSeriesOf(o.graphql);
        gql.requests.inc();
        gql.duration.observe(o.seconds);
        gql.statements.observe(o.graphql.statements);
      }
    },
    text: () => registry.metrics(),
    close() {
      removeWait();
      removeStatement();
      registry.clear();
    },
  };
}
