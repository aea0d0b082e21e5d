// The fast path of a cache hit, in front of Apollo: for a query document Apollo has already
// accepted (src/graphql/accepted-operations.ts), compute the same key the plugin would, and on a hit
// write the stored bytes as they are — no GraphQL pipeline, no JSON parse and re-serialization, which
// for a 10k-box page cost more than the database. It answers exactly what Apollo would answer for the
// same request (status, content type, body, headers other than x-cache) or leaves the request to
// Apollo: every check Apollo makes before a hit — CSRF, parameter shapes, Accept, the persisted-query
// hash and its registration — is either repeated here or, when in doubt, a reason to fall through.
// Misses, single-flight, stores, unknown documents and an unavailable cache are Apollo's and the
// plugin's. A POST body keyed once is known by its text from then on (src/cache/known-requests.ts):
// its hits are answered before the body is parsed and before the checks that passed for it run again,
// and so are its misses, by the operation path (`runKnown`), once that path has run the body cleanly.
import type { AccessScope } from '../auth/scope.js';
import { operationRequestOf, persistedDocument, registerDocument, registerPersisted, type PersistedQueries } from '../http/graphql-request.js';
import { jsonBodyText } from '../http/json-body.js';
import type { Step, StepRequest, StepResponse } from '../http/step.js';
import type { AcceptedOperations } from '../graphql/accepted-operations.js';
import { cacheKey } from './cache-key.js';
import { markRequestId, requestIdOf, type KnownRequest, type KnownRequests } from './known-requests.js';
import type { ResponseCache } from './response-cache.js';

const newline = Buffer.from('\n');

export interface FastPathOptions {
  salt: string;
  /** The query operations Apollo has accepted: the only ones answered here. */
  accepted: AcceptedOperations;
  /**
   * The same scope resolution the request context uses (e.g. the authenticated key's scope in
   * res.locals); undefined means no resolved scope, and then nothing is served from the cache.
   */
  scopeOf(req: StepRequest, res: StepResponse): AccessScope | null | undefined | Promise<AccessScope | null | undefined>;
  /**
   * Apollo's persisted-query store: a hash-only request is a hit only while Apollo would still find
   * its document, and a hash + document request registers it as Apollo would.
   */
  persistedQueries: PersistedQueries;
  /**
   * Called for every hit served here, once its answer is written (its 'close', which the request log
   * and metrics wait for, comes later): Apollo plugins do not run for these requests, so request logs
   * and per-operation metrics record them through this hook.
   */
  onHit?(req: StepRequest, res: StepResponse, operationName: string | null): void;
  /** The bodies seen before (shared with the operation path, which keeps how to run them). */
  knownRequests: KnownRequests;
  /**
   * Runs a known request the cache did not answer (or that it could not: cache off, store away) from
   * what its first clean run kept (knownRequestOf gives it); next() leaves it to the usual steps.
   */
  runKnown?: Step;
}

/** The two steps of the fast path, around the body's parse (src/http/json-body.ts). */
export interface FastPath {
  /** Before the parse: a hit of a body keyed before (src/cache/known-requests.ts), from its text alone. */
  known: Step;
  /**
   * After the request's checks: keys the request, remembers its body's key (whether or not the entry
   * exists: the key is what the body means, not whether it is stored), answers a hit.
   */
  hit: Step;
}

/** Marks a request whose entry `known` looked up in vain: `hit` leaves it to Apollo without a second lookup. */
const lookedUp = Symbol('cache entry looked up');
/** The known request `known` hands to `runKnown`. */
const knownOne = Symbol('known request');
type Marked = StepRequest & { [lookedUp]?: true; [knownOne]?: KnownRequest };

/** The known request the known step handed to `runKnown`. */
export function knownRequestOf(req: StepRequest): KnownRequest | undefined {
  return (req as Marked)[knownOne];
}

const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof (v as PromiseLike<unknown> | null)?.then === 'function';

export function responseCacheFastPath(cache: ResponseCache, opts: FastPathOptions): FastPath {
  const { knownRequests } = opts;

  /**
   * The stored body of `key`, or null: none stored, or a hash-only request whose document Apollo's
   * persisted-query store no longer holds (Apollo would answer PERSISTED_QUERY_NOT_FOUND).
   */
  const servable = (key: string, hashOnly: boolean, queryHash: string): Promise<Buffer | null> =>
    hashOnly
      ? Promise.all([cache.peek(key), persistedDocument(opts.persistedQueries, queryHash)]).then(([body, registered]) => (registered === undefined ? null : body))
      : cache.peek(key);

  /** A hit's bookkeeping, after its answer is written: nothing in it may send the request on to Apollo. */
  const served = (req: StepRequest, res: StepResponse, key: string, body: Buffer, knownBody: boolean, operationName: string | null) => {
    try {
      cache.servedPeek(key, body, knownBody);
    } catch {
      cache.noteError();
    }
    try {
      opts.onHit?.(req, res, operationName);
    } catch {
      cache.noteError();
    }
  };

  const known: Step = async (req, res, next) => {
    let request: KnownRequest | undefined;
    try {
      if (req.method !== 'POST') return next();
      const cacheUp = cache.enabled && cache.store?.available() === true;
      if (!cacheUp && opts.runKnown === undefined) return next();
      const text = jsonBodyText(req);
      if (text === undefined) return next();
      const scope = opts.scopeOf(req, res);
      if (!scope || isThenable(scope)) return next();
      const id = knownRequests.idOf(scope, req.headers.accept, text);
      if (id === undefined) return next();
      markRequestId(req, id);
      request = knownRequests.get(id);
      if (request === undefined) return next();
      if (cacheUp && request.key !== undefined) {
        const body = await servable(request.key, request.hashOnly, request.queryHash);
        if (body !== null) {
          if (request.registers !== undefined) registerDocument(opts.persistedQueries, request.queryHash, request.registers);
          writeHit(res, request.contentType, body);
          served(req, res, request.key, body, true, request.operationName);
          return;
        }
        (req as Marked)[lookedUp] = true;
      }
    } catch {
      return next();
    }
    if (request?.run === undefined || opts.runKnown === undefined) return next();
    (req as Marked)[knownOne] = request;
    return opts.runKnown(req, res, next);
  };

  const hit: Step = async (req, res, next) => {
    try {
      if ((req as Marked)[lookedUp] || !cache.enabled || !cache.store?.available()) return next();
      const request = operationRequestOf(req);
      if (!request) return next();
      const { params, queryHash, contentType, hashOnly } = request;
      const accepted = opts.accepted.get(queryHash, params.operationName);
      if (!accepted) return next();
      const scope = await opts.scopeOf(req, res);
      if (!scope) return next();

      const key = cacheKey({
        salt: opts.salt,
        documentHash: accepted.documentHash,
        operationName: accepted.operationName,
        variables: params.variables,
        scopeId: scope.id,
      });
      const id = requestIdOf(req);
      if (id !== undefined) {
        knownRequests.set(id, {
          key,
          operationName: accepted.operationName,
          contentType,
          hashOnly,
          queryHash,
          registers: request.persisted ? params.query : undefined,
        });
      }
      const body = await servable(key, hashOnly, queryHash);
      if (body === null) return next();
      registerPersisted(opts.persistedQueries, request);
      writeHit(res, contentType, body);
      served(req, res, key, body, false, accepted.operationName);
    } catch {
      next();
    }
  };

  return { known, hit };
}

function writeHit(res: StepResponse, contentType: string, body: Buffer): void {
  res.statusCode = 200;
  // Apollo ends its JSON bodies with a newline; keep the bytes identical to a pipeline answer.
  // With its length (no chunked framing) and in one tick, so node writes the headers, the body and
  // the newline in one writev — without copying the body into a buffer one byte longer.
  res.setHeader('content-type', contentType);
  res.setHeader('content-length', body.length + 1);
  res.setHeader('x-cache', 'HIT');
  res.setHeader('x-sql-statements', '0');
  res.write(body);
  res.end(newline);
}
