// The last express handlers: a route nobody serves (and /favicon.ico) is a JSON 404, and errors
// raised outside GraphQL execution (an unparsable or oversized JSON body, a failing health query)
// answer JSON through src/http/error-response.ts — never a stack trace or express's HTML page.
import type { RequestHandler } from 'express';
import { ErrorCode } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { sendError } from './error-response.js';
import type { ErrorStep } from './step.js';

const codeForStatus = (status: number): ErrorCode =>
  status === 404
    ? ErrorCode.NOT_FOUND
    : status === 405
      ? ErrorCode.METHOD_NOT_ALLOWED
      : status === 406
        ? ErrorCode.NOT_ACCEPTABLE
        : status === 413
          ? ErrorCode.PAYLOAD_TOO_LARGE
          : status === 415
            ? ErrorCode.UNSUPPORTED_MEDIA_TYPE
            : status < 500
              ? ErrorCode.BAD_REQUEST
              : ErrorCode.INTERNAL_SERVER_ERROR;

export function notFoundHandler(): RequestHandler {
  return (req, res) => sendError(req, res, ErrorCode.NOT_FOUND, `nothing is served at ${req.method} ${req.path}`);
}

/** Also the /graphql route's error handler, on node's own objects: no express helper here. */
export function httpErrorHandler(logger: Logger): ErrorStep {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const raw = Number((err as { status?: number; statusCode?: number })?.status ?? (err as { statusCode?: number })?.statusCode);
    const status = raw >= 400 && raw < 600 ? raw : 500;
    const code = codeForStatus(status);
    // Client errors from body parsing carry safe messages ("request entity too large"); others are masked.
    const message = status < 500 && (err as { expose?: boolean })?.expose ? String((err as Error).message) : status < 500 ? 'bad request' : 'Internal server error';
    if (status >= 500) logger.error({ err, requestId: res.locals.record?.id }, 'unhandled HTTP error');
    sendError(req, res, code, message);
  };
}
