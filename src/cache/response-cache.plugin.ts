// The response cache inside Apollo's request pipeline. For a query: compute the key once the
// operation is resolved, answer a hit without executing; on a miss execute, then store the result
// (only without errors) under the tags the loaders recorded in ctx.readTags. Mutations and an
// unavailable cache bypass. Every response says which it was in `x-cache: HIT | MISS | BYPASS`.
import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import type { Context } from '../context.js';
import { priorExecution } from '../graphql/compiled-operations.js';
import { cacheKey, documentHash } from './cache-key.js';
import type { ResponseCache, Ticket } from './response-cache.js';

// Marks the context of a refresh-ahead recomputation (src/cache/refresh-ahead.ts). A symbol-keyed
// property: Apollo hands plugins a shallow copy of the context, which keeps it.
const refreshMark = Symbol('truthgraph.refreshAhead');

export function markRefresh(context: object): void {
  (context as Record<symbol, boolean>)[refreshMark] = true;
}

const isRefresh = (context: object) => (context as Record<symbol, boolean | undefined>)[refreshMark] === true;

type Outcome = 'HIT' | 'MISS' | 'BYPASS';

export interface ResponseCachePluginOptions {
  /** cacheSalt(schema, CACHE_VERSION). */
  salt: string;
}

export function responseCachePlugin(cache: ResponseCache, opts: ResponseCachePluginOptions): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      let outcome: Outcome = 'BYPASS';
      let ticket: Ticket | undefined;
      return {
        async responseForOperation(rc: GraphQLRequestContext<Context>) {
          // The operation path began (and counted) this request's lookup already: finish its ticket.
          // One the request's end released already (its client left) is not looked up again.
          const prior = priorExecution(rc.contextValue);
          if (prior) {
            if (prior.cacheTaken) return null;
            prior.cacheTaken = true;
            if (prior.cache.outcome === 'MISS') {
              outcome = 'MISS';
              ticket = prior.cache.ticket;
            }
            return null;
          }
          if (!cache.enabled || rc.operation?.operation !== 'query') {
            cache.noteBypass();
            return null;
          }
          const key = cacheKey({
            salt: opts.salt,
            documentHash: documentHash(rc.queryHash, rc.document!),
            operationName: rc.operationName,
            variables: rc.request.variables,
            scopeId: rc.contextValue.scope.id,
          });
          const begun = await cache.begin(key, isRefresh(rc.contextValue));
          if (begun.kind === 'hit') {
            outcome = 'HIT';
            return { http: rc.response.http, body: { kind: 'single', singleResult: begun.result } };
          }
          if (begun.kind === 'miss') {
            outcome = 'MISS';
            ticket = begun.ticket;
          }
          return null;
        },
        async willSendResponse(rc) {
          rc.response.http.headers.set('x-cache', outcome);
          if (!ticket) return;
          const body = rc.response.body;
          const result =
            body.kind === 'single' && !body.singleResult.errors?.length && body.singleResult.data
              ? (body.singleResult as Record<string, unknown>)
              : null;
          await cache.complete(ticket, result, [...rc.contextValue.readTags], cache.refreshAhead && rc.source !== undefined
            ? { query: rc.source, variables: rc.request.variables, operationName: rc.request.operationName, scope: rc.contextValue.scope }
            : undefined);
        },
      };
    },
  };
}
