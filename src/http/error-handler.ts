// The last express handler: errors raised outside GraphQL execution (an unparsable or oversized JSON
// body, a failing health query) answer JSON — GraphQL-shaped on /graphql so clients read them like any
// other error — and never a stack trace or HTML page.
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../observability/logger.js';
import { recordOf } from '../observability/request-log.js';

const codeFor = (status: number) =>
  status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR';

export function httpErrorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const raw = Number((err as { status?: number; statusCode?: number })?.status ?? (err as { statusCode?: number })?.statusCode);
    const status = raw >= 400 && raw < 600 ? raw : 500;
    const code = codeFor(status);
    // Client errors from body parsing carry safe messages ("request entity too large"); others are masked.
    const message = status < 500 && (err as { expose?: boolean })?.expose ? String((err as Error).message) : status < 500 ? 'bad request' : 'Internal server error';
    if (status >= 500) logger.error({ err, requestId: recordOf(res)?.id }, 'unhandled HTTP error');
    if (req.originalUrl.startsWith('/graphql')) {
      res.status(status).json({ errors: [{ message, extensions: { code, http: { status } } }] });
    } else {
      res.status(status).json({ error: { code, message } });
    }
  };
}
