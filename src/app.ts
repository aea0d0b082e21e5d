// Composition root: opens the database, applies migrations, builds Apollo and the HTTP routes, and
// knows how to close all of it. Plain functions wired here; no container.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import express from 'express';
import { adminScope, type AccessScope } from './auth/scope.js';
import { cacheSalt } from './cache/cache-key.js';
import { openCache } from './cache/open-cache.js';
import type { ResponseCache, ResponseCacheHooks } from './cache/response-cache.js';
import { responseCacheFastPath } from './cache/response-cache.middleware.js';
import { responseCachePlugin } from './cache/response-cache.plugin.js';
import type { Config } from './config.js';
import { createContext, type Context } from './context.js';
import type { Db } from './db/client.js';
import { migrate } from './db/migrate.js';
import { openDatabase } from './db/open.js';
import { demoShape, seedData } from './db/seed-data.js';
import { formatError } from './graphql/format-error.js';
import { loadTrustedManifest, trustedDocumentsOnly } from './http/trusted-documents.js';
import { resolvers, typeDefs } from './graphql/schema.js';
import { createLogger, type Logger } from './observability/logger.js';
import { requestStatsPlugin } from './observability/request-stats.js';

export interface App {
  readonly config: Config;
  readonly db: Db;
  readonly logger: Logger;
  readonly httpServer: http.Server;
  /** The response cache: invalidate(tags), stats(), state() (for writes and the metrics endpoint). */
  readonly cache: ResponseCache;
  /** Starts listening; resolves with the GraphQL URL. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

export interface AppDeps {
  /** A database opened by the caller (tests); the app then leaves closing it to the caller. */
  db?: Db;
  logger?: Logger;
  /** The caller's access scope for a request (until API keys land every request is admin). */
  scopeFor?: (req: express.Request) => AccessScope;
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

  const trustedManifest = config.TRUSTED_DOCUMENTS_ONLY
    ? loadTrustedManifest(resolve(projectRoot, config.TRUSTED_DOCUMENTS_MANIFEST))
    : undefined;
  const caches = await openCache(config, { logger, hooks: deps.cacheHooks, trustedManifest });
  const cache = caches.cache;

  const salt = cacheSalt(typeDefs, config.CACHE_VERSION);
  const production = config.NODE_ENV === 'production';
  const expressApp = express();
  expressApp.disable('x-powered-by');
  const httpServer = http.createServer(expressApp);

  const apollo = new ApolloServer<Context>({
    typeDefs,
    resolvers,
    introspection: !production,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: production,
    formatError: (formatted, error) => formatError(formatted, error),
    persistedQueries: { cache: caches.persistedQueries, ttl: config.APQ_TTL_S || null },
    plugins: [
      // The cacheControl plugin hooks every field and more than doubles the cost of big lists.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      requestStatsPlugin(),
      responseCachePlugin(cache, { salt }),
    ],
  });
  await apollo.start();

  expressApp.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  const scopeFor = deps.scopeFor ?? (() => adminScope);
  const invalidate = (changedTags: Iterable<string>) => cache.invalidate(changedTags);
  expressApp.use(
    '/graphql',
    express.json({ limit: '10mb' }),
    ...(trustedManifest ? [trustedDocumentsOnly(trustedManifest)] : []),
    responseCacheFastPath(cache, { salt, scopeOf: (req) => scopeFor(req) }),
    expressMiddleware(apollo, { context: async ({ req }) => createContext(db, scopeFor(req), { invalidate }) }),
  );

  let closed = false;
  return {
    config,
    db,
    logger,
    httpServer,
    cache,
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
    async close() {
      if (closed) return;
      closed = true;
      await apollo.stop();
      await caches.close();
      if (!deps.db) await db.close();
    },
  };
}
