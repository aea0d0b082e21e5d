// The one way an error becomes an HTTP answer outside a GraphQL result: authentication, trusted
// documents, persisted-query checks, body limits, CORS, admin routes and unknown routes all call
// sendError, so every answer carries a code of the ErrorCode enum with the status that code means.
// On /graphql the body is GraphQL-shaped (`{ errors: [{ message, extensions: { code } }] }`, in the
// media type the client accepts, as Apollo chooses it) so clients read it like any other error;
// elsewhere it is `{ error: { code, message } }`. `extensions.http` never leaves the server.
import type { ServerResponse } from 'node:http';
import Negotiator from 'negotiator';
import { AppError, httpStatusOf, type ErrorCode } from '../errors.js';
import type { StepRequest } from './step.js';

export const mediaTypes = {
  json: 'application/json; charset=utf-8',
  graphqlResponse: 'application/graphql-response+json; charset=utf-8',
  // Apollo offers it too (its incremental-delivery callback variant); we never send it, but it must
  // be in the list so that negotiation picks what Apollo picks.
  jsonCallback: 'application/json; callbackSpec=1.0; charset=utf-8',
} as const;

/**
 * The media type Apollo answers a single result in, for an Accept header: the same negotiation over
 * the same list (@apollo/server's chooseContentTypeForSingleResultResponse). undefined = no header
 * (JSON); null = nothing acceptable (Apollo answers 406).
 */
export function negotiateGraphQLMediaType(accept: string | undefined): string | null {
  if (!accept) return mediaTypes.json;
  // Clients send the same few Accept headers on every request; parsing one costs more than the lookup.
  const known = negotiated.get(accept);
  if (known !== undefined) return known;
  const chosen = new Negotiator({ headers: { accept } }).mediaType([mediaTypes.json, mediaTypes.graphqlResponse, mediaTypes.jsonCallback]) ?? null;
  if (negotiated.size >= 256) negotiated.clear();
  if (accept.length <= 256) negotiated.set(accept, chosen);
  return chosen;
}

const negotiated = new Map<string, string | null>();

const isGraphQLPath = (req: StepRequest) => req.originalUrl === '/graphql' || req.originalUrl.startsWith('/graphql?') || req.originalUrl.startsWith('/graphql/');

export interface SendErrorOptions {
  headers?: Record<string, string>;
  /** More fields for the client (e.g. `argument`), next to the code. */
  details?: Record<string, unknown>;
}

/**
 * Node's response calls only, no express helper: the /graphql route's requests are node's own objects
 * (src/http/graphql-route.ts). The bytes are those express's res.type().send() wrote (header names as it
 * spells them, a body of JSON text with its length, none for HEAD), without the ETag of an error body.
 */
export function sendError(req: StepRequest, res: ServerResponse, code: ErrorCode, message: string, opts: SendErrorOptions = {}): void {
  res.statusCode = httpStatusOf[code];
  if (opts.headers) for (const name in opts.headers) res.setHeader(name, opts.headers[name]);
  let type: string = mediaTypes.json;
  let body: string;
  if (isGraphQLPath(req)) {
    // A client that accepts neither JSON type still gets JSON: an error it cannot parse helps nobody.
    if (negotiateGraphQLMediaType(req.headers.accept) === mediaTypes.graphqlResponse) type = mediaTypes.graphqlResponse;
    body = JSON.stringify({ errors: [{ message, extensions: { code, ...opts.details } }] });
  } else {
    body = JSON.stringify({ error: { code, message, ...opts.details } });
  }
  const bytes = Buffer.from(body, 'utf8');
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', bytes.length);
  if (req.method === 'HEAD') res.end();
  else res.end(bytes);
}

/** An AppError (say, a classified database outage) answered outside GraphQL execution. */
export function sendAppError(req: StepRequest, res: ServerResponse, err: AppError): void {
  const { code: _code, http: _http, ...details } = err.extensions as Record<string, unknown>;
  sendError(req, res, err.code, err.message, { details });
}
