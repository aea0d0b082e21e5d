// Composition root: opens the database, applies migrations, builds Apollo and the HTTP routes, and
// knows how to close all of it. Plain functions wired here; no container.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import express from 'express';
import { adminScope } from './auth/scope.js';
import type { Config } from './config.js';
import { createContext, type Context } from './context.js';
import type { Db } from './db/client.js';
import { migrate } from './db/migrate.js';
import { openDatabase } from './db/open.js';
import { demoShape, seedData } from './db/seed-data.js';
import { formatError } from './graphql/format-error.js';
import { resolvers, typeDefs } from './graphql/schema.js';
import { adminRoutes, defaultScopeFor, type ScopeFor } from './http/admin.routes.js';
import { httpErrorHandler } from './http/error-handler.js';
import { faultInjectionPlugin } from './http/fault-injection.js';
import { graphiqlRoutes } from './http/graphiql.routes.js';
import { countConnections, healthRoutes } from './http/health.routes.js';
import { metricsRoutes } from './http/metrics.routes.js';
import { createLogger, type Logger } from './observability/logger.js';
import { createMetrics, type CacheStatsSource, type Metrics } from './observability/metrics.js';
import { recordOf, requestLog } from './observability/request-log.js';
import { attachRecord, requestRecordPlugin } from './observability/request-record.js';
import { requestStatsPlugin } from './observability/request-stats.js';

export interface App {
  readonly config: Config;
  readonly db: Db;
  readonly logger: Logger;
  readonly httpServer: http.Server;
  readonly metrics: Metrics;
  /** True once close() began (readiness then answers 503). */
  readonly shuttingDown: boolean;
  /** Starts listening; resolves with the GraphQL URL. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

export interface AppDeps {
  /** A database opened by the caller (tests); the app then leaves closing it to the caller. */
  db?: Db;
  logger?: Logger;
  /** The response cache's statistics, for /metrics and /health (wired by the cache work). */
  cache?: CacheStatsSource & { close?(): Promise<void> };
  /** Who the caller of an admin endpoint is (the API-key work plugs in here). */
  scopeFor?: ScopeFor;
}

/** Fills an empty embedded database with the demo data set on first start. */
async function ensureDemoData(db: Db, logger: Logger): Promise<void> {
  const [{ n }] = await db.query<{ n: number }>(`/* countProjects */ SELECT count(*)::int AS n FROM projects`);
  if (n > 0) return;
  logger.info('empty embedded database: loading the demo data set (first start only)');
  const steps = await seedData(db, demoShape);
  logger.info({ steps }, 'demo data loaded');
}

export async function createApp(config: Config, deps: AppDeps = {}): Promise<App> {
  const logger = deps.logger ?? createLogger(config);
  const db = deps.db ?? (await openDatabase(config));
  if (config.migrateOnStart) await migrate(db);
  if (!config.DATABASE_URL && config.DEMO_DATA && !deps.db) await ensureDemoData(db, logger);

  const production = config.NODE_ENV === 'production';
  const expressApp = express();
  expressApp.disable('x-powered-by');
  const httpServer = http.createServer(expressApp);
  const cache = deps.cache;
  const metrics = createMetrics({
    pool: db.pool,
    addStatementListener: (l) => db.addStatementListener(l),
    connectionsOpen: () => countConnections(db),
    cache,
  });
  let shuttingDown = false;
  if (config.FAULT_INJECTION) logger.warn('FAULT_INJECTION is on: requests may ask for database delays (x-fault-delay-ms)');

  const apollo = new ApolloServer<Context>({
    typeDefs,
    resolvers,
    introspection: !production,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: production,
    formatError: (formatted, error) => formatError(formatted, error),
    // main.ts owns the signals: Apollo's own handler would re-raise the signal and exit non-zero.
    stopOnTerminationSignals: false,
    plugins: [
      // The cacheControl plugin hooks every field and more than doubles the cost of big lists.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.SHUTDOWN_GRACE_MS }),
      requestStatsPlugin(),
      requestRecordPlugin(),
      ...(config.FAULT_INJECTION ? [faultInjectionPlugin()] : []),
    ],
  });
  await apollo.start();

  expressApp.use(requestLog({ logger, metrics, slowRequestMs: config.SLOW_REQUEST_MS }));
  expressApp.use(healthRoutes({ db, cache, shuttingDown: () => shuttingDown }));
  expressApp.use(metricsRoutes(metrics));
  expressApp.use(adminRoutes({ db, scopeFor: deps.scopeFor ?? defaultScopeFor(config.NODE_ENV) }));
  if (config.GRAPHIQL) expressApp.use(graphiqlRoutes());
  expressApp.use(
    '/graphql',
    express.json({ limit: '10mb' }),
    expressMiddleware(apollo, {
      context: async ({ res }) => {
        const record = recordOf(res);
        const context = createContext(db, adminScope, { requestId: record.id });
        attachRecord(context, record);
        return context;
      },
    }),
  );
  expressApp.use(httpErrorHandler(logger));

  let closed = false;
  return {
    config,
    db,
    logger,
    httpServer,
    metrics,
    get shuttingDown() {
      return shuttingDown;
    },
    listen(port = config.PORT, host = config.HOST) {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          const addr = httpServer.address() as AddressInfo;
          const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
          resolve(`http://${shownHost}:${addr.port}/graphql`);
        });
      });
    },
    /**
     * Graceful: readiness fails, the listener closes (no new connections), idle keep-alive sockets
     * close, in-flight requests finish within SHUTDOWN_GRACE_MS (then their sockets are cut), and
     * only then the cache and the pool close (the pool with a bounded end, see client.ts).
     */
    async close() {
      if (closed) return;
      closed = true;
      shuttingDown = true;
      await apollo.stop();
      metrics.close();
      if (cache?.close) await cache.close().catch((err) => logger.warn({ err }, 'closing the cache failed'));
      if (!deps.db) await db.close();
    },
  };
}
