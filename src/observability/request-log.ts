// One log line and one metrics observation per HTTP request, written when the response ends (so the
// headers other layers set, such as x-cache, are final). Gives every request an id: an incoming
// x-request-id when it is a sane token, else a fresh one, returned in the x-request-id header.
import { parse as urlParse } from 'node:url';
import type { Step, StepResponse } from '../http/step.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { outcomeOf, requestIdFrom, type RequestRecord } from './request-record.js';

export interface RequestLogOptions {
  logger: Logger;
  metrics: Metrics;
  slowRequestMs: number;
}

/** A fixed route label per endpoint family, so paths chosen by clients never become label values. */
export function routeLabel(path: string): string {
  if (path === '/graphql' || path.startsWith('/graphql/')) return '/graphql';
  if (path.startsWith('/graphiql/')) return '/graphiql';
  if (path.startsWith('/health/')) return path === '/health/live' || path === '/health/ready' || path === '/health/database' ? path : 'other';
  if (path === '/metrics') return '/metrics';
  if (path.startsWith('/admin/')) return '/admin';
  return 'other';
}

/**
 * The path of a request's URL as express's req.path reads it (parseurl): an origin-form URL without a
 * `#` or white space is cut at its `?` as sent (a backslash stays one); any other goes through node's
 * URL parse.
 */
export function pathOf(url: string): string {
  if (url.charCodeAt(0) !== 0x2f /* / */ || /[\t\n\f\r #\u00a0\ufeff]/.test(url)) return urlParse(url).pathname ?? '';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

/** The request's record, for the steps after the request log (which runs first on /graphql). */
export function recordOf(res: StepResponse): RequestRecord {
  return res.locals.record!;
}

export function requestLog(opts: RequestLogOptions): Step {
  // One function for every response, not a closure per request: its record holds what it needs.
  // 'close' follows 'finish' on every response, and also ends one whose client left. Node emits it
  // once (a response's 'close' is guarded), so `on` does: `once` wraps the listener and removes it.
  function ended(this: StepResponse) {
    const res = this;
    const record = res.locals.record!;
    try {
      record.onEnd?.();
    } finally {
      observe(res, record);
    }
  }
  function observe(res: StepResponse, record: RequestRecord) {
    const { route } = record;
    const aborted = !res.writableFinished;
    const seconds = (performance.now() - record.started) / 1000;
    const status = aborted && !res.headersSent ? 499 : res.statusCode;
    const method = res.req.method!;
    // A /graphql request refused before Apollo ran it (CSRF, unparsable or oversized body) still
    // counts as a GraphQL request, with an unknown operation.
    if (!record.graphql && route === '/graphql' && status >= 400) {
      record.graphql = { operation: 'unknown', outcome: outcomeOf([], status), statements: 0, sqlMs: 0, errorCodes: [] };
    }
    const gql = record.graphql;
    opts.metrics.observe({ route, method, status, seconds, graphql: gql });
    const slow = seconds * 1000 >= opts.slowRequestMs;
    const level = slow ? 'warn' : route === '/graphql' || route === '/admin' ? 'info' : 'debug';
    // No line is built for a level that is off (LOG_LEVEL=warn keeps only slow requests).
    if (!opts.logger.isLevelEnabled(level)) return;
    const cache = res.getHeader('x-cache');
    const line = {
      requestId: record.id,
      method,
      route,
      status,
      durationMs: Math.round(seconds * 10_000) / 10,
      ...(gql ? { operation: gql.operation, outcome: gql.outcome, sqlStatements: gql.statements, sqlMs: Math.round(gql.sqlMs * 10) / 10 } : {}),
      ...(gql?.errorCodes.length ? { errorCodes: gql.errorCodes } : {}),
      ...(cache !== undefined ? { cache: String(cache) } : {}),
      ...(aborted ? { aborted: true } : {}),
    };
    if (slow) opts.logger.warn(Object.assign({}, line, { slow: true, slowRequestMs: opts.slowRequestMs }), 'slow request');
    // Probes and scrapes arrive every few seconds: debug keeps them out of the info stream.
    else opts.logger[level](line, 'request');
  }
  return (req, res, next) => {
    const started = performance.now();
    // Captured now: mounted routers rewrite req.url while the request passes through them. The
    // origin-form /graphql (nearly every request) needs no URL parse.
    const url = req.url ?? '';
    const route = url === '/graphql' || url.startsWith('/graphql?') ? '/graphql' : routeLabel(pathOf(url));
    const record: RequestRecord = { id: requestIdFrom(req.headers['x-request-id']), started, route, onEnd: undefined, graphql: undefined };
    res.locals.record = record;
    res.setHeader('x-request-id', record.id);
    res.on('close', ended);
    next();
  };
}
