// Errors answered before GraphQL runs (authentication, body size, malformed JSON, database outage)
// still look like GraphQL errors: a JSON body `{ errors: [{ message, extensions: { code } }] }`, never
// express's HTML page, so every client can read the code.
import type { ErrorRequestHandler, Response } from 'express';
import { AppError, ErrorCode } from '../errors.js';
import type { Logger } from '../observability/logger.js';

export function sendGraphQLError(res: Response, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  res.status(status).set(headers).type('application/json').send(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

export function sendAppError(res: Response, err: AppError): void {
  const status = (err.extensions.http as { status?: number } | undefined)?.status ?? 400;
  sendGraphQLError(res, status, err.code, err.message);
}

/** body-parser errors (413, bad JSON, bad charset) as JSON GraphQL errors; anything else masked. */
export function bodyErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (res.headersSent) return next(err);
    const e = err as { type?: string; status?: number; limit?: number; length?: number; message?: string };
    if (e.type === 'entity.too.large') {
      return sendGraphQLError(res, 413, 'PAYLOAD_TOO_LARGE', `request body exceeds the limit of ${e.limit} bytes`);
    }
    if (e.type === 'entity.parse.failed') return sendGraphQLError(res, 400, 'BAD_REQUEST', 'request body is not valid JSON');
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      return sendGraphQLError(res, e.status, 'BAD_REQUEST', 'malformed request');
    }
    logger.error({ err }, 'unexpected error before GraphQL');
    return sendGraphQLError(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
  };
}
