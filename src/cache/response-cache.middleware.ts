// The fast path of a cache hit, in front of Apollo: for a query document Apollo has already accepted
// (see rememberQuery), compute the same key the plugin would, and on a hit write the stored bytes
// as they are — no GraphQL pipeline, no JSON parse and re-serialization, which for a 10k-box page
// cost more than the database. Everything else (misses, single-flight, stores, unknown documents,
// an unavailable cache) falls through to Apollo and the plugin, which decide as before.
import type { RequestHandler } from 'express';
import type { AccessScope } from '../auth/scope.js';
import { cacheKey, knownQuery, queryHashOf } from './cache-key.js';
import type { ResponseCache } from './response-cache.js';

// Apollo's CSRF rule (preventCsrf): a request a browser may send cross-site without a preflight
// must carry one of these headers, or Apollo refuses it; the fast path leaves such requests to it.
const simpleContentTypes = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);
const preflightHeaders = ['x-apollo-operation-name', 'apollo-require-preflight'];

function jsonParam(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return Symbol.for('invalid');
  }
}

const newline = Buffer.from('\n');

type Req = Parameters<RequestHandler>[0];
type Res = Parameters<RequestHandler>[1];

export interface FastPathOptions {
  salt: string;
  /**
   * The same scope resolution the request context uses (e.g. the authenticated key's scope in
   * res.locals); undefined means no resolved scope, and then nothing is served from the cache.
   */
  scopeOf(req: Req, res: Res): AccessScope | null | undefined | Promise<AccessScope | null | undefined>;
  /**
   * Called for every hit served here, before the response is written: Apollo plugins do not run for
   * these requests, so request logs and per-operation metrics record them through this hook.
   */
  onHit?(req: Req, res: Res, operationName: string | null): void;
}

export function responseCacheFastPath(cache: ResponseCache, opts: FastPathOptions): RequestHandler {
  return async (req, res, next) => {
    try {
      if (!cache.enabled || !cache.store?.available() || (req.method !== 'GET' && req.method !== 'POST')) return next();
      const scope = await opts.scopeOf(req, res);
      if (!scope) return next();
      const contentType = req.get('content-type')?.split(';')[0].trim().toLowerCase();
      if ((!contentType || simpleContentTypes.has(contentType)) && !preflightHeaders.some((h) => req.get(h))) return next();
      const params = (req.method === 'GET' ? req.query : req.body) as Record<string, unknown> | undefined;
      if (!params || typeof params !== 'object' || Array.isArray(params)) return next();

      const extensions = jsonParam(params.extensions) as { persistedQuery?: { sha256Hash?: unknown } } | undefined;
      const persisted = extensions?.persistedQuery?.sha256Hash;
      const queryHash =
        typeof params.query === 'string' ? queryHashOf(params.query) : typeof persisted === 'string' ? persisted : undefined;
      const requestedName = typeof params.operationName === 'string' ? params.operationName : null;
      const known = queryHash && knownQuery(queryHash, requestedName);
      if (!known) return next();
      const variables = params.variables === undefined ? undefined : jsonParam(params.variables);
      if (typeof variables === 'symbol' || (variables !== undefined && variables !== null && typeof variables !== 'object')) return next();

      const key = cacheKey({
        salt: opts.salt,
        documentHash: known.documentHash,
        operationName: known.operationName,
        variables: variables as Record<string, unknown> | null | undefined,
        scopeId: scope.id,
      });
      const body = await cache.peek(key);
      if (body === null) return next();
      opts.onHit?.(req, res, known.operationName);
      res.status(200);
      // Apollo ends its JSON bodies with a newline; keep the bytes identical to a pipeline answer.
      // One buffer with its length: no chunked framing, one socket write.
      const bytes = Buffer.concat([typeof body === 'string' ? Buffer.from(body) : body, newline]);
      res.set({
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(bytes.length),
        'x-cache': 'HIT',
        'x-sql-statements': '0',
      });
      res.end(bytes);
    } catch {
      next();
    }
  };
}
