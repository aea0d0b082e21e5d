// The operation path, in front of Apollo: a query whose document Apollo has already accepted (see
// src/graphql/accepted-operations.ts) runs its compiled form directly — priced, cached and recorded as the plugins
// would — instead of through Apollo's per-request pipeline, whose hooks, hashing, negotiation and
// promise chains cost about as much Node CPU as a small read's SQL and JSON (docs/benchmarks.md).
// It answers only what it can answer exactly as Apollo would: a result without errors. A request it
// cannot run — an unknown document, a price over the limit, a fault-injection header, shutdown — goes on
// to Apollo untouched. A result with errors (or variables that did not coerce) goes on to Apollo with
// what was done: the context, the result and the cache's ticket (PriorExecution), so Apollo words and
// records it without running the operation a second time.
import type { RequestHandler } from 'express';
import type { AccessScope } from '../auth/scope.js';
import type { AcceptedOperations } from '../graphql/accepted-operations.js';
import { cacheKey } from '../cache/cache-key.js';
import type { ResponseCache, Ticket } from '../cache/response-cache.js';
import type { Context } from '../context.js';
import { priorExecution, setPriorExecution, type CompiledOperations, type PriorExecution } from '../graphql/compiled-operations.js';
import { isCompiledQuery } from 'graphql-jit';
import type { Pricer } from '../graphql/validation-rules/query-cost.plugin.js';
import { recordOf } from '../observability/request-log.js';
import { operationRequestOf, persistedDocument, registerPersisted, type OperationRequest, type PersistedQueries } from './graphql-request.js';

type Req = Parameters<RequestHandler>[0];
type Res = Parameters<RequestHandler>[1];

export interface OperationPathOptions {
  /** The query operations Apollo has accepted: the only ones run here. */
  accepted: AcceptedOperations;
  operations: CompiledOperations;
  price: Pricer;
  cache: ResponseCache;
  /** cacheSalt(schema, CACHE_VERSION). */
  salt: string;
  persistedQueries: PersistedQueries;
  /** The scope Apollo's context would get; undefined: leave the request to Apollo. */
  scopeOf(req: Req, res: Res): AccessScope | undefined;
  /** Apollo's context function: the same context, attached to the same request record. */
  contextFor(req: Req, res: Res, scope: AccessScope): Context;
  /** Requests Apollo must see whatever they ask (fault injection's header). */
  leaveToApollo(req: Req): boolean;
  /** True once the server is shutting down: Apollo answers what still arrives. */
  stopping(): boolean;
  /** Called for every request answered here (tests count them). */
  onServed?(): void;
}

export function operationPath(opts: OperationPathOptions): RequestHandler {
  const { operations, cache } = opts;
  return async (req, res, next) => {
    let ticket: Ticket | undefined;
    try {
      // Conditional requests get express's res.send from Apollo's handler (src/http/graphql-route.ts).
      if (opts.stopping() || opts.leaveToApollo(req) || req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined) return next();
      const request = operationRequestOf(req);
      if (!request) return next();
      const { params, queryHash } = request;
      const operation = opts.accepted.get(queryHash, params.operationName);
      if (!operation) return next();
      const scope = opts.scopeOf(req, res);
      if (!scope) return next();
      if (opts.price(operations.schema, operation.document, operation.operationName, params.variables)) return next();
      const query = operations.compile(queryHash, operation.document, operation.operationName);
      if (!isCompiledQuery(query)) return next();
      let source = params.query;
      if (request.hashOnly) {
        source = await persistedDocument(opts.persistedQueries, queryHash);
        if (source === undefined) return next();
      }

      let outcome: 'HIT' | 'MISS' | 'BYPASS' = 'BYPASS';
      if (cache.enabled) {
        const key = cacheKey({
          salt: opts.salt,
          documentHash: operation.documentHash,
          operationName: operation.operationName,
          variables: params.variables,
          scopeId: scope.id,
        });
        const begun = await cache.begin(key);
        if (begun.kind === 'hit') {
          answer(res, request, JSON.stringify(ordered(begun.result)), 'HIT', 0, 0, operation.operationName, opts);
          return;
        }
        if (begun.kind === 'miss') {
          outcome = 'MISS';
          ticket = begun.ticket;
        }
      } else {
        cache.noteBypass();
      }

      const context = opts.contextFor(req, res, scope);
      const result = await query.query(undefined, context, params.variables ?? {});
      if (result.errors?.length || result.data === undefined || result.data === null) {
        const prior: PriorExecution = {
          queryHash,
          operationName: operation.operationName,
          result,
          cache: ticket ? { outcome: 'MISS', ticket } : { outcome: 'BYPASS' },
          resultTaken: false,
          cacheTaken: false,
        };
        setPriorExecution(context, prior);
        (res.locals as Record<symbol, Context>)[contextKey] = context;
        // Apollo's step ends the flight if Apollo never reached the cache plugin (releaseLeftTicket).
        ticket = undefined;
        return next();
      }
      const body = { data: result.data };
      const json = JSON.stringify(body);
      if (ticket) {
        const t = ticket;
        ticket = undefined;
        await cache.complete(
          t,
          body,
          [...context.readTags],
          cache.refreshAhead ? { query: source!, variables: params.variables, operationName: params.operationName, scope } : undefined,
          json,
        );
      }
      answer(res, request, json, outcome, context.sqlStats.statements, context.sqlStats.durationMs, operation.operationName, opts);
    } catch {
      // Apollo answers (and words) whatever went wrong here, running the request afresh: a flight begun
      // is released first, and work done here is not in the new context's counts.
      if (ticket) await cache.complete(ticket, null, []).catch(() => {});
      next();
    }
  };
}

const contextKey = Symbol('truthgraph.pathContext');

/** The context the operation path ran a request with, when it left the request to Apollo after running it. */
export function contextLeftToApollo(res: Res): Context | undefined {
  return (res.locals as Record<symbol, Context | undefined>)[contextKey];
}

/**
 * After Apollo's step: a cache flight the path began and left to Apollo, which Apollo did not finish
 * (it stopped before the cache plugin), ends here with nothing stored.
 */
export function releaseLeftTicket(res: Res, cache: ResponseCache): void {
  const context = contextLeftToApollo(res);
  const prior = context && priorExecution(context);
  if (!prior || prior.cacheTaken) return;
  prior.cacheTaken = true;
  if (prior.cache.outcome === 'MISS') void cache.complete(prior.cache.ticket, null, []).catch(() => {});
}

/** Apollo's field order of a single result: errors, data, extensions. */
const ordered = (result: Record<string, unknown>) => ({ errors: result.errors, data: result.data, extensions: result.extensions });

function answer(
  res: Res,
  request: OperationRequest,
  json: string,
  outcome: 'HIT' | 'MISS' | 'BYPASS',
  statements: number,
  sqlMs: number,
  operationName: string | null,
  opts: OperationPathOptions,
): void {
  registerPersisted(opts.persistedQueries, request);
  opts.onServed?.();
  recordOf(res).graphql = { operation: operationName ?? request.params.operationName ?? 'anonymous', outcome: 'ok', statements, sqlMs, errorCodes: [] };
  // Apollo's bytes: its JSON and a newline, with a length, in one write.
  const bytes = Buffer.from(json + '\n', 'utf8');
  res.statusCode = 200;
  res.setHeader('content-type', request.contentType);
  res.setHeader('x-sql-statements', String(statements));
  res.setHeader('x-cache', outcome);
  res.setHeader('content-length', bytes.length);
  res.end(bytes);
}
