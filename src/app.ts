// Composition root: opens the database, applies migrations, builds Apollo and the HTTP routes, and
// knows how to close all of it. Plain functions wired here; no container.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { cacheSalt } from './cache/cache-key.js';
import { openCache } from './cache/open-cache.js';
import type { ResponseCache, ResponseCacheHooks } from './cache/response-cache.js';
import { responseCacheFastPath } from './cache/response-cache.middleware.js';
import { KnownRequests } from './cache/known-requests.js';
import { markRefresh } from './cache/response-cache.plugin.js';
import { createAuthenticator, type Authenticator } from './auth/authenticate.js';
import type { AccessScope } from './auth/scope.js';
import type { Config } from './config.js';
import { createContext, type Context } from './context.js';
import type { Db } from './db/client.js';
import { migrate } from './db/migrate.js';
import { openDatabase } from './db/open.js';
import { demoShape, seedData } from './db/seed-data.js';
import { AcceptedOperations } from './graphql/accepted-operations.js';
import { createApolloServer } from './graphql/apollo-server.js';
import { CompiledOperations } from './graphql/compiled-operations.js';
import { executableSchema, typeDefs } from './graphql/schema.js';
import { corsPolicy } from './http/cors.js';
import { loadManifestIfPresent, loadTrustedManifest, operationNames, persistedDocumentRequests, trustedDocumentsOnly } from './http/trusted-documents.js';
import { adminRoutes, defaultScopeFor, type ScopeFor } from './http/admin.routes.js';
import { httpErrorHandler, notFoundHandler } from './http/error-handler.js';
import { faultDelayHeader } from './http/fault-injection.js';
import { inFlightOperations } from './http/in-flight.js';
import { inputDepthLimit } from './http/input-depth.js';
import { graphiqlRoutes } from './http/graphiql.routes.js';
import { apolloHandler, graphqlRoute } from './http/graphql-route.js';
import type { Step, StepRequest, StepResponse } from './http/step.js';
import { jsonBody } from './http/json-body.js';
import { countConnections, healthRoutes } from './http/health.routes.js';
import { metricsRoutes } from './http/metrics.routes.js';
import { contextLeftToApollo, operationPath, releaseLeftTicket } from './http/operation-path.middleware.js';
import { operatorPaths, requireAdmin, servedElsewhere } from './http/ops-access.js';
import { createPricer } from './graphql/validation-rules/query-cost.plugin.js';
import { createLogger, type Logger } from './observability/logger.js';
import { createMetrics, type CacheStatsSource, type Metrics } from './observability/metrics.js';
import { recordOf, requestLog } from './observability/request-log.js';
import { attachRecord } from './observability/request-record.js';

export interface App {
  readonly config: Config;
  readonly db: Db;
  readonly logger: Logger;
  readonly httpServer: http.Server;
  /** The response cache: invalidate(tags), stats(), state() (for writes and the metrics endpoint). */
  readonly cache: ResponseCache;
  readonly metrics: Metrics;
  /** Authentication, with the API-key cache whose events tests follow. */
  readonly authenticator: Authenticator;
  /** Requests the operation path answered without Apollo's pipeline (src/http/operation-path.middleware.ts). */
  readonly operationPathServed: number;
  /** Of those, requests of bodies seen before, run from what their first run kept (src/cache/known-requests.ts). */
  readonly knownRunsServed: number;
  /** True once close() began (readiness then answers 503). */
  readonly shuttingDown: boolean;
  /** GraphQL requests (and refresh-ahead recomputations) not yet finished. */
  readonly inFlight: number;
  /** Origin of the operator endpoints once listening with OPS_PORT (null without it). */
  readonly opsUrl: string | null;
  /** Starts listening; resolves with the GraphQL URL. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

export interface AppDeps {
  /** A database opened by the caller (tests); the app then leaves closing it to the caller. */
  db?: Db;
  logger?: Logger;
  /**
   * Tests only: replaces the scope of the authenticated key per request (e.g. from a test header).
   * Authentication still runs first, so a request without a valid key is still a 401. The request is
   * node's own on the /graphql route (src/http/graphql-route.ts): no express helpers.
   */
  scopeFor?: (req: http.IncomingMessage) => AccessScope;
  /** Test seams of the response cache (e.g. holding a result just before it is stored). */
  cacheHooks?: ResponseCacheHooks;
}

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

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

  // The manifest's documents are persisted queries from the start; in trusted mode the only ones.
  const manifestPath = resolve(projectRoot, config.TRUSTED_DOCUMENTS_MANIFEST);
  const manifest = config.TRUSTED_DOCUMENTS_ONLY ? loadTrustedManifest(manifestPath) : loadManifestIfPresent(manifestPath);
  const caches = await openCache(config, { logger, hooks: deps.cacheHooks, manifest, manifestOnly: config.TRUSTED_DOCUMENTS_ONLY });
  const cache = caches.cache;

  const salt = cacheSalt(typeDefs, config.CACHE_VERSION);
  const liveEvaluation = { live: config.EVALUATION_LIVE, iouThreshold: config.EVALUATION_LIVE_IOU };
  const expressApp = express();
  expressApp.disable('x-powered-by');
  // Express hashes every string body for a weak ETag: ~3 ms of SHA-1 on a 2.6 MB ground-truth
  // page, for POST answers no HTTP cache may reuse. The response cache is the cache here.
  expressApp.set('etag', false);
  // The request listener is installed below, once the /graphql steps exist (src/http/graphql-route.ts).
  const httpServer = http.createServer();
  // Node closes an idle keep-alive socket after 5 s; a client (or load balancer) that reuses it at that
  // moment sees its request reset ("other side closed") — seen in the fuzz test on a busy machine. Keep
  // idle sockets longer than the usual 60 s idle timeout of proxies, and headers longer than that.
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  const metrics = createMetrics({
    pool: db.pool,
    addStatementListener: (l) => db.addStatementListener(l),
    connectionsOpen: () => countConnections(db),
    cache,
    knownOperations: manifest ? operationNames(Object.values(manifest)) : undefined,
  });
  let shuttingDown = false;
  let operationPathServed = 0;
  let knownRunsServed = 0;
  if (config.FAULT_INJECTION) logger.warn('FAULT_INJECTION is on: requests may ask for database delays (x-fault-delay-ms)');

  const authenticator = createAuthenticator(db, logger, { keyCacheMs: config.API_KEY_CACHE_MS });

  const schema = executableSchema();
  const operations = config.EXECUTOR === 'jit' ? new CompiledOperations(schema) : null;
  const accepted = new AcceptedOperations();
  const price = createPricer(config.QUERY_MAX_COST);
  const inFlight = inFlightOperations();
  const apollo = createApolloServer({
    config,
    logger,
    operations,
    schema,
    httpServer,
    persistedQueries: caches.persistedQueries,
    price,
    accepted,
    cache,
    salt,
  });
  await apollo.start();

  const invalidate = (changedTags: Iterable<string>) => cache.invalidate(changedTags);
  // Refresh-ahead runs a dropped hot entry's operation again, with the scope it was computed for,
  // through the same pipeline as a miss (the cache plugin keys, tags and version-guards its store).
  cache.refreshAhead?.setRunner(async (src) => {
    const contextValue = createContext(db, src.scope, { invalidate, liveEvaluation });
    markRefresh(contextValue);
    await inFlight.track(() =>
      apollo.executeOperation(
        { query: src.query, variables: src.variables, operationName: src.operationName ?? undefined },
        { contextValue },
      ),
    );
  });
  const scopeOf = (req: StepRequest, res: StepResponse) => (deps.scopeFor ? deps.scopeFor(req) : res.locals.scope);
  // Apollo's context, and the operation path's: the request's scope, counted database handle and loaders.
  const contextFor = (req: StepRequest, res: StepResponse, scope: AccessScope) => {
    const ran = contextLeftToApollo(res);
    if (ran) return ran;
    const record = recordOf(res);
    const context = createContext(db, scope, { requestId: record.id, invalidate, liveEvaluation, recordTags: cache.enabled });
    attachRecord(context, record);
    return context;
  };
  const apolloStep = apolloHandler(apollo, async ({ req, res }) => contextFor(req, res, scopeOf(req, res)!), expressApp);
  const logRequests = requestLog({ logger, metrics, slowRequestMs: config.SLOW_REQUEST_MS });
  // Before authentication: a preflight never carries the key. Only the API is shared with other
  // origins; health, metrics and admin routes are for operators, not pages.
  const cors = corsPolicy(config.CORS_ORIGINS);
  const persistedQueries = { store: caches.persistedQueries, ttlS: config.APQ_TTL_S || null };
  const body = jsonBody(config.BODY_LIMIT);
  const knownRequests = new KnownRequests();
  const path =
    operations && config.OPERATION_PATH
      ? operationPath({
          accepted,
          operations,
          price,
          cache,
          salt,
          persistedQueries,
          scopeOf,
          contextFor,
          knownRequests,
          leaveToApollo: (req) => config.FAULT_INJECTION && req.headers[faultDelayHeader] !== undefined,
          stopping: () => shuttingDown,
          onServed: (known) => {
            operationPathServed++;
            if (known) knownRunsServed++;
          },
        })
      : undefined;
  const fastPath = responseCacheFastPath(cache, {
    salt,
    accepted,
    persistedQueries,
    scopeOf,
    knownRequests,
    runKnown: path && inFlight.hold(path.runKnown),
    onHit: (_req, res, operationName) => {
      recordOf(res).graphql = { operation: operationName ?? 'anonymous', outcome: 'ok', statements: 0, sqlMs: 0, errorCodes: [] };
    },
  });
  const graphqlSteps: Step[] = [
    // Counted from here to its last piece of work, whichever way it ends (src/http/in-flight.ts).
    inFlight.middleware,
    // Authenticate before reading the body: an unauthenticated caller cannot make us parse 10 MB.
    authenticator.middleware,
    body.read,
    // Hits of bodies keyed before are answered from their text, before it is parsed.
    fastPath.known,
    body.parse,
    inputDepthLimit(config.QUERY_MAX_VARIABLE_DEPTH),
    persistedDocumentRequests(),
    ...(config.TRUSTED_DOCUMENTS_ONLY && manifest ? [trustedDocumentsOnly(manifest)] : []),
    // Hits of documents Apollo has already accepted are answered here, before the GraphQL pipeline.
    fastPath.hit,
    ...(path ? [inFlight.hold(path.run)] : []),
    inFlight.hold(async (req, res) => {
      try {
        await apolloStep(req, res);
      } finally {
        releaseLeftTicket(res, cache);
      }
    }),
  ];
  expressApp.use(logRequests);
  expressApp.use('/graphql', cors);
  const operatorRoutes = () => [healthRoutes({ db, cache, shuttingDown: () => shuttingDown, inFlight: () => inFlight.count }), metricsRoutes(metrics)];
  // /health/live and /health/ready stay open for probes; the rest is for operators (src/http/ops-access.ts).
  const opsApp = config.OPS_PORT === undefined ? null : express();
  if (opsApp) {
    opsApp.disable('x-powered-by');
    opsApp.use(...operatorRoutes(), notFoundHandler(), httpErrorHandler(logger));
    expressApp.use(operatorPaths, servedElsewhere);
  } else {
    expressApp.use(operatorPaths, authenticator.middleware, requireAdmin(scopeOf));
  }
  expressApp.use(...operatorRoutes());
  expressApp.use('/admin', authenticator.middleware);
  expressApp.use(adminRoutes({ db, scopeFor: (req) => (deps.scopeFor ? deps.scopeFor(req) : (req.res?.locals.scope as AccessScope | undefined) ?? null) }));
  if (config.GRAPHIQL) expressApp.use(graphiqlRoutes());
  expressApp.use('/graphql', ...graphqlSteps);
  // Errors outside GraphQL (a failing health query, a broken asset path) answer JSON, never a stack.
  const notFound = notFoundHandler();
  const onError = httpErrorHandler(logger);
  expressApp.use(notFound);
  expressApp.use(onError);
  // GET and POST /graphql skip express's router: the same steps, in the same order, run directly.
  httpServer.on('request', graphqlRoute({ expressApp, steps: [logRequests, cors, ...graphqlSteps], notFound, onError, graphiql: config.GRAPHIQL }));

  const opsServer = opsApp ? http.createServer(opsApp) : null;
  let opsUrl: string | null = null;

  let closed = false;
  return {
    config,
    db,
    logger,
    httpServer,
    cache,
    metrics,
    authenticator,
    get shuttingDown() {
      return shuttingDown;
    },
    get operationPathServed() {
      return operationPathServed;
    },
    get knownRunsServed() {
      return knownRunsServed;
    },
    get inFlight() {
      return inFlight.count;
    },
    get opsUrl() {
      return opsUrl;
    },
    async listen(port = config.PORT, host = config.HOST) {
      if (opsServer && config.OPS_PORT !== undefined) {
        await new Promise<void>((resolve, reject) => {
          opsServer.once('error', reject);
          opsServer.listen(config.OPS_PORT, config.OPS_HOST, () => resolve());
        });
        const addr = opsServer.address() as AddressInfo;
        opsUrl = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
      }
      return new Promise<string>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          const addr = httpServer.address() as AddressInfo;
          const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
          const url = `http://${shownHost}:${addr.port}/graphql`;
          authenticator.enableOpenModeIfAllowed(config.NODE_ENV === 'development', addr.address).then((open) => {
            if (open) {
              const banner = '*'.repeat(78);
              logger.warn(
                `\n${banner}\n  DEVELOPMENT OPEN MODE: no API key exists, so every request to ${url}\n` +
                  `  runs as ADMIN without a key. Create one (npm run keys -- create --name me --admin)\n` +
                  `  to end it. This mode exists only with NODE_ENV=development on loopback.\n${banner}`,
              );
            }
            resolve(url);
          }, reject);
        });
      });
    },
    /**
     * Graceful: readiness fails, the listener closes (no new connections), idle keep-alive sockets
     * close, in-flight requests finish within SHUTDOWN_GRACE_MS (then their sockets are cut),
     * operations still executing for clients that left finish within the same bound, and only then
     * the pool (with a bounded end, see client.ts) and the cache close.
     */
    async close() {
      if (closed) return;
      closed = true;
      shuttingDown = true;
      const deadline = performance.now() + config.SHUTDOWN_GRACE_MS;
      await apollo.stop();
      if (inFlight.count > 0) {
        logger.info({ operations: inFlight.count }, 'shutdown: waiting for operations whose clients left');
        await inFlight.settled(deadline);
      }
      metrics.close();
      if (opsServer?.listening) {
        opsServer.closeAllConnections();
        await new Promise((resolve) => opsServer.close(resolve));
      }
      await authenticator.close();
      // The pool before the cache: a write that outlived the grace fails with the pool instead of
      // committing after the cache closed, and one that committed still reaches the cache.
      if (!deps.db) await db.close();
      await caches.close().catch((err) => logger.warn({ err }, 'closing the cache failed'));
    },
  };
}
