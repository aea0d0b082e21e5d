// Who may read the operator endpoints (/metrics, /health/database): they show pool figures, cache
// counters and every operation's traffic, so on the API's port only an admin key does. With OPS_PORT
// they live on an address of their own (loopback by default) and the API's port does not serve them.
import type { Request, RequestHandler, Response } from 'express';
import type { AccessScope } from '../auth/scope.js';
import { ErrorCode } from '../errors.js';
import { sendError } from './error-response.js';

export const operatorPaths = ['/metrics', '/health/database'];

/** After authentication: an admin scope passes, any other is FORBIDDEN. */
export function requireAdmin(scopeOf: (req: Request, res: Response) => AccessScope | undefined): RequestHandler {
  return (req, res, next) => {
    if (scopeOf(req, res)?.admin) return next();
    sendError(req, res, ErrorCode.FORBIDDEN, 'the operator endpoints need an admin key');
  };
}

/** On the API's port when OPS_PORT is set: these paths are not here. */
export const servedElsewhere: RequestHandler = (req, res) => {
  sendError(req, res, ErrorCode.NOT_FOUND, `${req.method} ${req.path} is served on the operator port`);
};
