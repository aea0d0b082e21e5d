// The operation path, in front of Apollo: a query whose document Apollo has already accepted (see
// src/graphql/accepted-operations.ts) runs its compiled form directly — priced, cached and recorded as the plugins
// would — instead of through Apollo's per-request pipeline, whose hooks, hashing, negotiation and
// promise chains cost about as much Node CPU as a small read's SQL and JSON (docs/benchmarks.md).
// It answers only what it can answer exactly as Apollo would: a result without errors. A request it
// cannot run — an unknown document, a price over the limit, a fault-injection header, shutdown — goes on
// to Apollo untouched. A result with errors (or variables that did not coerce) goes on to Apollo with
// what was done: the context, the result and the cache's ticket (PriorExecution), so Apollo words and
// records it without running the operation a second time. A POST body it ran cleanly is known by its
// text from then on (src/cache/known-requests.ts): its next request is run from what this run kept,
// before the body is parsed, priced or checked again (runKnown).
import type { AccessScope } from '../auth/scope.js';
import type { AcceptedOperation, AcceptedOperations } from '../graphql/accepted-operations.js';
import { deepFreeze, requestIdOf, type KnownRequests, type KnownRun } from '../cache/known-requests.js';
import { knownRequestOf } from '../cache/response-cache.middleware.js';
import { cacheKey } from '../cache/cache-key.js';
import type { ResponseCache, Ticket } from '../cache/response-cache.js';
import type { Context } from '../context.js';
import { priorExecution, setPriorExecution, type CompiledOperations, type PriorExecution } from '../graphql/compiled-operations.js';
import { isCompiledQuery } from 'graphql-jit';
import type { Pricer } from '../graphql/validation-rules/query-cost.plugin.js';
import { recordOf } from '../observability/request-log.js';
import { answerBytes } from './answer-bytes.js';
import { operationRequestOf, persistedDocument, registerDocument, type PersistedQueries } from './graphql-request.js';
import type { Step, StepNext, StepRequest, StepResponse } from './step.js';

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
  scopeOf(req: StepRequest, res: StepResponse): AccessScope | undefined;
  /** Apollo's context function: the same context, attached to the same request record. */
  contextFor(req: StepRequest, res: StepResponse, scope: AccessScope): Context;
  /** Requests Apollo must see whatever they ask (fault injection's header). */
  leaveToApollo(req: StepRequest): boolean;
  /** True once the server is shutting down: Apollo answers what still arrives. */
  stopping(): boolean;
  /** The bodies seen before (src/cache/known-requests.ts), shared with the cache's known step. */
  knownRequests: KnownRequests;
  /** Called for every request answered here (tests count them): `known` for a known body's run. */
  onServed?(known: boolean): void;
}

/** The operation path's two steps: the usual one, and the run of a known body (src/cache/known-requests.ts). */
export interface OperationPath {
  /** After the request's checks: runs an operation Apollo accepted, from the parsed request. */
  run: Step;
  /**
   * Before the parse, from the known step (response-cache.middleware.ts's knownRequestOf): runs a body
   * this path ran cleanly before, from what that run kept — no parse, no pricing, no lookups but the
   * document's. A result with errors goes on through the usual steps to Apollo, which words it from this
   * run (nothing runs twice), and what was kept is dropped until a clean run keeps it again.
   */
  runKnown: Step;
}

/** One run of an operation, from a parsed request or as a known body kept it. */
type Execution = KnownRun;

export function operationPath(opts: OperationPathOptions): OperationPath {
  const { operations, cache, knownRequests } = opts;

  /**
   * Runs `exec` and answers it, or leaves a result with errors to Apollo (PriorExecution) through `next`
   * — at once, or for a known body (`known`) through the usual steps, which then run nothing again.
   * False when it neither answered nor went on: nothing was looked up or run.
   */
  const execute = async (
    req: StepRequest,
    res: StepResponse,
    next: StepNext,
    exec: Execution,
    operation: AcceptedOperation,
    scope: AccessScope,
    known: boolean,
  ): Promise<boolean> => {
    let ticket: Ticket | undefined;
    try {
      const query = operations.compile(exec.queryHash, operation.document, operation.operationName);
      if (!isCompiledQuery(query)) return false;
      let source = exec.query;
      if (exec.hashOnly) {
        source = await persistedDocument(opts.persistedQueries, exec.queryHash);
        if (source === undefined) return false;
      }

      let outcome: 'HIT' | 'MISS' | 'BYPASS' = 'BYPASS';
      let key = exec.key;
      if (cache.enabled) {
        key ??= cacheKey({
          salt: opts.salt,
          documentHash: operation.documentHash,
          operationName: operation.operationName,
          variables: exec.variables,
          scopeId: scope.id,
        });
        const begun = await cache.begin(key);
        if (begun.kind === 'hit') {
          answer(res, exec, operation, JSON.stringify(ordered(begun.result)), 'HIT', 0, 0, known, opts);
          return true;
        }
        if (begun.kind === 'miss') {
          outcome = 'MISS';
          ticket = begun.ticket;
        }
      } else {
        cache.noteBypass();
      }

      const context = opts.contextFor(req, res, scope);
      const result = await query.query(undefined, context, (exec.variables ?? {}) as Record<string, unknown>);
      if (result.errors?.length || result.data === undefined || result.data === null) {
        const prior: PriorExecution = {
          queryHash: exec.queryHash,
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
        if (known) {
          // The usual steps lie between: should one of them answer, the flight still ends with the response.
          res.once('close', () => releaseLeftTicket(res, cache));
          const id = requestIdOf(req);
          if (id !== undefined) knownRequests.setRun(id, undefined);
        }
        next();
        return true;
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
          cache.refreshAhead ? { query: source!, variables: exec.variables as Record<string, unknown> | undefined, operationName: exec.requestedName, scope } : undefined,
          json,
        );
      }
      // Kept before the answer: nothing after the answer may throw into a second one.
      if (!known) remember(req, exec, operation, key);
      answer(res, exec, operation, json, outcome, context.sqlStats.statements, context.sqlStats.durationMs, known, opts);
      return true;
    } finally {
      // A flight begun and neither finished nor handed to Apollo (an error) ends with nothing stored.
      if (ticket) await cache.complete(ticket, null, []).catch(() => {});
    }
  };

  /**
   * Keeps what this clean run needed beyond the body's text, for the next request with the same text,
   * scope and Accept (again, for a body whose kept run was dropped after a result with errors).
   */
  const remember = (req: StepRequest, exec: Execution, operation: AcceptedOperation, key: string | undefined) => {
    const id = requestIdOf(req);
    if (id === undefined) return;
    const kept = knownRequests.get(id);
    if (kept?.run !== undefined) return;
    const run: KnownRun = Object.assign({}, exec, { variables: deepFreeze(exec.variables), key });
    if (kept === undefined) {
      knownRequests.set(id, {
        key,
        operationName: operation.operationName,
        contentType: exec.contentType,
        hashOnly: exec.hashOnly,
        queryHash: exec.queryHash,
        registers: exec.registers,
      });
    }
    knownRequests.setRun(id, run);
  };

  /** True when the request must go to Apollo whatever it asks. */
  const apollosAlone = (req: StepRequest) =>
    opts.stopping() || opts.leaveToApollo(req) || req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined;

  const run: Step = async (req, res, next) => {
    let answered = false;
    try {
      // Conditional requests get express's res.send from Apollo's handler (src/http/graphql-route.ts);
      // a known body's run that left its result to Apollo has run the request already.
      if (apollosAlone(req) || contextLeftToApollo(res)) return next();
      const request = operationRequestOf(req);
      if (!request) return next();
      const { params, queryHash } = request;
      const operation = opts.accepted.get(queryHash, params.operationName);
      if (!operation) return next();
      const scope = opts.scopeOf(req, res);
      if (!scope) return next();
      if (opts.price(operations.schema, operation.document, operation.operationName, params.variables)) return next();
      const exec: Execution = {
        queryHash,
        variables: params.variables,
        requestedName: params.operationName,
        contentType: request.contentType,
        hashOnly: request.hashOnly,
        query: params.query,
        registers: request.persisted ? params.query : undefined,
        key: undefined,
      };
      answered = await execute(req, res, next, exec, operation, scope, false);
    } catch {
      // Apollo answers (and words) whatever went wrong here, running the request afresh: work done
      // here is not in the new context's counts.
    }
    if (!answered) next();
  };

  const runKnown: Step = async (req, res, next) => {
    const known = knownRequestOf(req);
    let answered = false;
    try {
      const run = known?.run;
      const scope = opts.scopeOf(req, res);
      // A document the registry has dropped is Apollo's to accept again, through the usual steps.
      const operation = run && opts.accepted.get(run.queryHash, run.requestedName);
      if (operation && scope && !apollosAlone(req)) answered = await execute(req, res, next, run, operation, scope, true);
    } catch {
      // The usual steps run the request afresh.
    }
    if (answered) return;
    // What was kept did not serve (a document dropped or no longer registered, an error): the usual
    // steps take the request, and keep it again once it runs cleanly.
    const id = requestIdOf(req);
    if (id !== undefined) knownRequests.setRun(id, undefined);
    next();
  };

  return { run, runKnown };
}

const contextKey = Symbol('truthgraph.pathContext');

/** The context the operation path ran a request with, when it left the request to Apollo after running it. */
export function contextLeftToApollo(res: StepResponse): Context | undefined {
  return (res.locals as Record<symbol, Context | undefined>)[contextKey];
}

/**
 * After Apollo's step: a cache flight the path began and left to Apollo, which Apollo did not finish
 * (it stopped before the cache plugin), ends here with nothing stored.
 */
export function releaseLeftTicket(res: StepResponse, cache: ResponseCache): void {
  const context = contextLeftToApollo(res);
  const prior = context && priorExecution(context);
  if (!prior || prior.cacheTaken) return;
  prior.cacheTaken = true;
  if (prior.cache.outcome === 'MISS') void cache.complete(prior.cache.ticket, null, []).catch(() => {});
}

/** Apollo's field order of a single result: errors, data, extensions. */
const ordered = (result: Record<string, unknown>) => ({ errors: result.errors, data: result.data, extensions: result.extensions });

function answer(
  res: StepResponse,
  exec: Execution,
  operation: AcceptedOperation,
  json: string,
  outcome: 'HIT' | 'MISS' | 'BYPASS',
  statements: number,
  sqlMs: number,
  known: boolean,
  opts: OperationPathOptions,
): void {
  if (exec.registers !== undefined) registerDocument(opts.persistedQueries, exec.queryHash, exec.registers);
  opts.onServed?.(known);
  recordOf(res).graphql = { operation: operation.operationName ?? exec.requestedName ?? 'anonymous', outcome: 'ok', statements, sqlMs, errorCodes: [] };
  // Apollo's bytes: its JSON and a newline, with a length, in one write.
  const bytes = answerBytes(json);
  res.statusCode = 200;
  res.setHeader('content-type', exec.contentType);
  res.setHeader('x-sql-statements', String(statements));
  res.setHeader('x-cache', outcome);
  res.setHeader('content-length', bytes.length);
  res.end(bytes);
}
