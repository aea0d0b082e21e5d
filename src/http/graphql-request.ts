// A GraphQL-over-HTTP request's parameters read exactly as Apollo reads them (@apollo/server's
// runHttpQuery and preventCsrf), for the middlewares in front of Apollo — persisted documents and
// the cache's fast path — which must never accept a request Apollo would refuse. Anything Apollo
// would answer with an error is `null` here: the caller then leaves the request to Apollo.
import { parse as parseUrl } from 'node:url';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import { queryHashOf } from '../cache/cache-key.js';
import { mediaTypes, negotiateGraphQLMediaType } from './error-response.js';
import type { StepRequest } from './step.js';

/**
 * Headers that make a request one a browser cannot send cross-site without a CORS preflight, so it
 * is no CSRF candidate (Apollo's csrfPrevention.requestHeaders). Apollo's two; the GraphQL-over-HTTP
 * spec's `graphql-require-preflight`; and `authorization`, which no simple request can carry — a
 * browser adds it on its own only for HTTP Basic/Digest credentials, which authentication refuses
 * (only `Bearer` keys are read) before Apollo runs.
 */
export const csrfPreflightHeaders = ['x-apollo-operation-name', 'apollo-require-preflight', 'graphql-require-preflight', 'authorization'];

const sha256Hex = /^[0-9a-f]{64}$/;

const jsonContentType = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

export interface GraphQLRequestParams {
  query?: string;
  operationName?: string;
  variables?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
}

/** A request URL's query string (`?…`) as node's url.parse gives it, without parsing the usual bare path. */
export function searchOf(url: string): string {
  if (!url.includes('?') && !url.includes('#')) return '';
  return parseUrl(url).search ?? '';
}

const isRecord = (o: unknown): o is Record<string, unknown> => !!o && typeof o === 'object' && !Buffer.isBuffer(o) && !Array.isArray(o);

/**
 * True when the request passes Apollo's CSRF rule and content-type checks for certain: a plain
 * `application/json` content type, or none on a GET that carries a preflight header. Unusual
 * content types return false (Apollo decides them).
 */
export function surelyPreflighted(req: StepRequest): boolean {
  const h = req.headers;
  const contentType = h['content-type'];
  if (contentType !== undefined) return jsonContentType.test(contentType.trim());
  return req.method === 'GET' && csrfPreflightHeaders.some((name) => String(h[name] ?? '').length > 0);
}

function onceParam(search: URLSearchParams, name: string): string | undefined | null {
  const all = search.getAll(name);
  return all.length === 0 ? undefined : all.length === 1 ? all[0] : null;
}

function jsonParam(search: URLSearchParams, name: string): Record<string, unknown> | undefined | null {
  const raw = onceParam(search, name);
  if (raw === undefined || raw === null) return raw;
  try {
    const parsed = JSON.parse(raw) as unknown;
    return isRecord(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** The parameters of a GET or POST GraphQL request, or null where Apollo would answer an error. */
export function graphqlRequestParams(req: StepRequest): GraphQLRequestParams | null {
  if (req.method === 'GET') {
    const search = new URLSearchParams(searchOf(req.url ?? ''));
    const query = onceParam(search, 'query');
    const operationName = onceParam(search, 'operationName');
    const variables = jsonParam(search, 'variables');
    const extensions = jsonParam(search, 'extensions');
    if (query === null || operationName === null || variables === null || extensions === null) return null;
    return { query, operationName, variables, extensions };
  }
  if (req.method !== 'POST') return null;
  const body = req.body as unknown;
  if (!isRecord(body) || Object.keys(body).length === 0) return null;
  const { query, operationName, variables, extensions } = body;
  if (query !== undefined && query !== null && typeof query !== 'string') return null;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return null;
  if (variables !== undefined && variables !== null && !isRecord(variables)) return null;
  if (extensions !== undefined && extensions !== null && !isRecord(extensions)) return null;
  return {
    query: typeof query === 'string' ? query : undefined,
    operationName: typeof operationName === 'string' ? operationName : undefined,
    variables: isRecord(variables) ? variables : undefined,
    extensions: isRecord(extensions) ? extensions : undefined,
  };
}

/** A request that the paths in front of Apollo may answer: what they need to know of it. */
export interface OperationRequest {
  params: GraphQLRequestParams;
  /** Apollo's query hash: the persisted-query hash, or the sha256 of the text sent. */
  queryHash: string;
  /** The negotiated response type (Apollo answers 406 when neither JSON type is acceptable). */
  contentType: string;
  /** Sent with a persisted-query extension (version 1, and a hash matching the text if one came). */
  persisted: boolean;
  /** Only a hash came: the text is the one Apollo's persisted-query store holds, if any. */
  hashOnly: boolean;
}

/**
 * The request's operation as Apollo would read it, or null for anything Apollo would refuse or treat
 * unusually (CSRF candidates, odd parameters, an Accept without JSON, a persisted query of another
 * version or a hash that does not match its text): the caller then leaves the request to Apollo.
 */
export function operationRequestOf(req: StepRequest): OperationRequest | null {
  if (req.method !== 'GET' && req.method !== 'POST') return null;
  if (!surelyPreflighted(req)) return null;
  const params = graphqlRequestParams(req);
  if (!params) return null;
  const contentType = negotiateGraphQLMediaType(req.headers.accept);
  if (contentType !== mediaTypes.json && contentType !== mediaTypes.graphqlResponse) return null;
  const persisted = params.extensions?.persistedQuery as { version?: unknown; sha256Hash?: unknown } | undefined;
  if (persisted) {
    // Apollo registers documents under their sha256 in lowercase hex only: any other hash is one it
    // cannot find (and, in the keys of accepted operations, could read as a hash and a name).
    if (persisted.version !== 1 || typeof persisted.sha256Hash !== 'string' || !sha256Hex.test(persisted.sha256Hash)) return null;
    if (params.query !== undefined && queryHashOf(params.query) !== persisted.sha256Hash) return null;
    return { params, queryHash: persisted.sha256Hash, contentType, persisted: true, hashOnly: params.query === undefined };
  }
  if (!params.query) return null;
  return { params, queryHash: queryHashOf(params.query), contentType, persisted: false, hashOnly: false };
}

/** Apollo's persisted-query store and its ttl, for the paths in front of Apollo. */
export interface PersistedQueries {
  store: KeyValueCache<string>;
  /** Seconds; null: no expiry. */
  ttlS: number | null;
}

/** Registers the document of a hash + document request, as Apollo does (and refreshes) on every one it answers. */
export function registerPersisted(persisted: PersistedQueries, request: OperationRequest): void {
  if (request.persisted && request.params.query !== undefined) registerDocument(persisted, request.queryHash, request.params.query);
}

export function registerDocument(persisted: PersistedQueries, queryHash: string, query: string): void {
  void Promise.resolve(persisted.store.set(queryHash, query, { ttl: persisted.ttlS })).catch(() => {});
}

/** The document Apollo's store holds for a hash, as Apollo would find it; a store that fails finds none. */
export function persistedDocument(persisted: PersistedQueries, queryHash: string): Promise<string | undefined> {
  return Promise.resolve(persisted.store.get(queryHash)).catch(() => undefined);
}
