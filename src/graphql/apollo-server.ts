// Apollo Server as truthgraph runs it: the executor (graphql-jit's compiled operations or graphql-js),
// the security settings of docs/security.md, and the plugins in the order their hooks depend on.
import type http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { GraphQLSchema } from 'graphql';
import type { ResponseCache } from '../cache/response-cache.js';
import { responseCachePlugin } from '../cache/response-cache.plugin.js';
import type { Config } from '../config.js';
import type { Context } from '../context.js';
import { ErrorCode } from '../errors.js';
import { faultInjectionPlugin } from '../http/fault-injection.js';
import { csrfPreflightHeaders } from '../http/graphql-request.js';
import type { Logger } from '../observability/logger.js';
import { requestRecordPlugin } from '../observability/request-record.js';
import { requestStatsPlugin } from '../observability/request-stats.js';
import { acceptOperationsPlugin, type AcceptedOperations } from './accepted-operations.js';
import { authorizationPlugin } from './authorization.plugin.js';
import type { CompiledOperations } from './compiled-operations.js';
import { errorStatusPlugin } from './error-status.plugin.js';
import { formatError } from './format-error.js';
import { jitGateway } from './jit-executor.js';
import { knownOperationTypesRule } from './validation-rules/known-operation-types.rule.js';
import { operationLimitRules } from './validation-rules/operation-limits.rule.js';
import { queryCostPlugin, type Pricer } from './validation-rules/query-cost.plugin.js';

export interface ApolloParts {
  config: Config;
  logger: Logger;
  /** graphql-jit's compiled operations (EXECUTOR=jit), or null for graphql-js on `schema`. */
  operations: CompiledOperations | null;
  schema: GraphQLSchema;
  /** Drained on stop. */
  httpServer: http.Server;
  /** Apollo's automatic persisted queries. */
  persistedQueries: KeyValueCache<string>;
  price: Pricer;
  /** The query operations Apollo accepts, for the cache's fast path. */
  accepted: AcceptedOperations;
  cache: ResponseCache;
  salt: string;
}

export function createApolloServer({ config, logger, operations, schema, httpServer, persistedQueries, price, accepted, cache, salt }: ApolloParts): ApolloServer<Context> {
  const production = config.NODE_ENV === 'production';
  return new ApolloServer<Context>({
    // Security (docs/security.md): introspection by config for every caller; no "Did you mean"
    // suggestions whenever the schema is not public; limits refused before execution.
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: production || !config.introspection,
    allowBatchedHttpRequests: false,
    // main.ts owns SIGTERM/SIGINT and closes everything in order. Apollo's own handler (on outside
    // NODE_ENV=test) re-raises the signal once it has drained, killing the process before main.ts
    // closes the pool: measured, exit by SIGTERM instead of 0 (npm run faults -- shutdown).
    stopOnTerminationSignals: false,
    // A request with one of these headers cannot be a browser's simple cross-site request (see
    // graphql-request.ts), so standard clients may GET queries with just their key.
    csrfPrevention: { requestHeaders: csrfPreflightHeaders },
    parseOptions: { maxTokens: config.QUERY_MAX_TOKENS },
    validationRules: [
      knownOperationTypesRule,
      ...operationLimitRules({
        maxDepth: config.QUERY_MAX_DEPTH,
        maxAliases: config.QUERY_MAX_ALIASES,
        maxDirectives: config.QUERY_MAX_DIRECTIVES,
      }),
    ],
    formatError: (formatted, error) => {
      const shown = formatError(formatted, error);
      // The client sees a masked message; the operator needs the cause.
      if (shown.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR) {
        logger.error({ err: unwrapResolverError(error), path: formatted.path }, 'unexpected error answered as INTERNAL_SERVER_ERROR');
      }
      return shown;
    },
    persistedQueries: { cache: persistedQueries, ttl: config.APQ_TTL_S || null },
    plugins: [
      // Roles before prices: a key that may not call a mutation learns that, not its cost.
      authorizationPlugin(),
      queryCostPlugin(price),
      errorStatusPlugin(),
      // The cacheControl plugin hooks every field and more than doubles the cost of big lists.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.SHUTDOWN_GRACE_MS }),
      requestStatsPlugin(),
      // Before the cache plugin, whose hits end responseForOperation.
      acceptOperationsPlugin(accepted),
      responseCachePlugin(cache, { salt }),
      requestRecordPlugin(),
      ...(config.FAULT_INJECTION ? [faultInjectionPlugin()] : []),
    ],
    // Last: an object literal that starts with a spread gets hidden classes of its own (test/ops/map-churn.test.ts).
    ...(operations ? { gateway: jitGateway(operations) } : { schema }),
  });
}
