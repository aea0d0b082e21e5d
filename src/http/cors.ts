// Cross-origin access for browser frontends (CORS_ORIGINS). Keys travel as bearer tokens, never
// cookies, so no credentials mode: a page on an allowed origin may send `Authorization` and read the
// answer and its x-cache / x-request-id; a preflight is answered here, before authentication (a
// browser never sends the key with it). A preflight from any other origin is refused with a JSON 403;
// the browser then never sends the request.
import cors from 'cors';
import { ErrorCode } from '../errors.js';
import { sendError } from './error-response.js';
import type { Step } from './step.js';

/** Request headers a frontend may send: the key, JSON bodies, and the clients' CSRF/preflight headers. */
export const corsAllowedHeaders = [
  'authorization',
  'content-type',
  'accept',
  'graphql-require-preflight',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
  'x-request-id',
];
export const corsExposedHeaders = ['x-cache', 'x-request-id'];
/** How long a browser may reuse a preflight answer (Chromium caps it at 2 h). */
export const corsMaxAgeS = 600;

export function corsPolicy(origins: readonly string[]): Step {
  const anyOrigin = origins.includes('*');
  const allowed = new Set(origins);
  const policy = cors({
    // A list answers with the request's own origin (and Vary: Origin); `*` with `*`.
    origin: anyOrigin ? '*' : (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST'],
    allowedHeaders: corsAllowedHeaders,
    exposedHeaders: corsExposedHeaders,
    credentials: false,
    maxAge: corsMaxAgeS,
    optionsSuccessStatus: 204,
  });
  return (req, res, next) => {
    const origin = req.headers.origin;
    const preflight = req.method === 'OPTIONS' && origin !== undefined && req.headers['access-control-request-method'] !== undefined;
    if (preflight && !anyOrigin && !allowed.has(origin)) {
      return sendError(req, res, ErrorCode.CORS_ORIGIN_NOT_ALLOWED, `the origin ${origin} may not call this API (CORS_ORIGINS)`);
    }
    // With a list, the cors package answers a request from no origin or one not listed by
    // calling next() and setting nothing: skip building its options for every API call.
    if (!anyOrigin && (origin === undefined || !allowed.has(origin))) return next();
    policy(req, res, next);
  };
}
