// The /graphql route outside express's router. Every GET and POST of /graphql — nearly every request
// the server gets — runs a fixed list of steps (request log, CORS, in-flight count, authentication,
// body, input bounds, persisted documents, the cache's fast path, Apollo) from the node:http request
// listener, instead of walking express's layer stack and matching each layer's path (6–9 % of a small
// read's CPU, measured). Every other request (other routes, other methods, GraphiQL pages, unusual
// spellings of the path) is express's, where the same steps are mounted, so the answers are the same.
// The steps keep express's (req, res, next) shape but get node's own request and response here, whose
// shapes node's HTTP code is optimized for; their types (src/http/step.ts) have no express helper.
// express's helpers (res.send, req.path …) are given to a request only on the paths that use them — the
// not-found handler and Apollo's answers that are not a plain complete body (expressHelpers); errors
// answer through sendError, which uses node's calls only (src/http/error-response.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext, type ContextFunction } from '@apollo/server';
import type { Express, Request, RequestHandler, Response } from 'express';
import { searchOf } from './graphql-request.js';
import type { ErrorStep, Step, StepNext, StepRequest, StepResponse } from './step.js';

export interface GraphQLRouteOptions {
  /** The express app every other request goes to; its helpers serve the route's not-found answer and Apollo's non-plain ones. */
  expressApp: Express;
  /** Run in order; a step that neither answers nor calls next() leaves the request to `notFound`. */
  steps: readonly Step[];
  /** Express's: it gets express's helpers first. */
  notFound: RequestHandler;
  /** Gets node's own request and response: it answers with node's calls (src/http/error-response.ts). */
  onError: ErrorStep;
  /** GraphiQL answers browser navigations to GET /graphql: those stay express's. */
  graphiql: boolean;
}

/**
 * Gives a request and its response express's helpers (the prototypes express itself gives the requests
 * it handles, with the app's settings), once: for the rare paths of the /graphql route that use them.
 */
export function expressHelpers(expressApp: Express): (req: StepRequest, res: StepResponse) => [Request, Response] {
  const expressRequest = expressApp.request as object;
  const expressResponse = expressApp.response as object;
  return (req, res) => {
    if (!expressRequest.isPrototypeOf(req)) Object.setPrototypeOf(req, expressRequest);
    if (!expressResponse.isPrototypeOf(res)) Object.setPrototypeOf(res, expressResponse);
    return [req as Request, res as Response];
  };
}

/** The request listener of the HTTP server: /graphql GET and POST here, the rest to express. */
export function graphqlRoute(opts: GraphQLRouteOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { expressApp, steps, onError } = opts;
  const withHelpers = expressHelpers(expressApp);
  const notFound: Step = (req, res, next) => {
    const [ereq, eres] = withHelpers(req, res);
    return opts.notFound(ereq, eres, next);
  };
  const finalError = (err: unknown, req: IncomingMessage) => {
    // Express's last resort (finalhandler) for an error after the answer began: the socket goes.
    void err;
    req.socket.destroy();
  };
  return (req, res) => {
    if (!handledHere(req, opts.graphiql)) {
      expressApp(req, res);
      return;
    }
    // What express's app.handle and router do before the first handler runs, but the prototypes (the
    // helpers given later read these).
    const ereq = req as Request;
    const eres = res as Response;
    ereq.res = eres;
    eres.req = ereq;
    // Express makes locals with Object.create(null), a dictionary whose every property is added by a
    // runtime call; an ordinary object stays fast, and the slots every request fills (the request
    // record, the key's scope) exist from the start.
    eres.locals = { record: undefined, scope: undefined } as Response['locals'];
    ereq.originalUrl = req.url!;
    ereq.baseUrl = '';
    stepper(steps, notFound, ereq, eres, onError, finalError)();
  };
}

/** The request's `next`: runs the steps in order, then `notFound`; an error goes to `onError`. */
function stepper(
  steps: readonly Step[],
  notFound: Step,
  ereq: StepRequest,
  eres: StepResponse,
  onError: ErrorStep,
  finalError: (err: unknown, req: IncomingMessage) => void,
): StepNext {
  // `next` passes itself to each step. It is a member, not a variable or a class field: tsx would name
  // those with a defineProperty call per request (test/http/hit-path-names.test.ts).
  const run = { i: 0, next: null as unknown as StepNext };
  run.next = (err?: unknown) => {
    if (err && err !== 'route' && err !== 'router') {
      try {
        onError(err, ereq, eres, (e?: unknown) => finalError(e, ereq));
      } catch (e) {
        finalError(e, ereq);
      }
      return;
    }
    const step = run.i < steps.length ? steps[run.i++] : notFound;
    if (step === notFound) run.i = steps.length + 1;
    try {
      const r = step(ereq, eres, run.next) as unknown;
      if (r && typeof (r as Promise<void>).then === 'function') (r as Promise<void>).then(undefined, (e: unknown) => run.next(e ?? new Error('rejected')));
    } catch (e) {
      run.next(e);
    }
  };
  return run.next;
}

function handledHere(req: IncomingMessage, graphiql: boolean): boolean {
  const method = req.method;
  if (method !== 'POST' && method !== 'GET') return false;
  const url = req.url ?? '';
  if (!(url === '/graphql' || url.startsWith('/graphql?'))) return false;
  // A browser navigation may be GraphiQL's (express negotiates it); an Accept without html never is.
  if (method === 'GET' && graphiql && /html/i.test(req.headers.accept ?? '')) return false;
  return true;
}

/**
 * Apollo's HTTP handler (what @as-integrations/express5's expressMiddleware does: Apollo's
 * executeHTTPGraphQLRequest on the parsed body, headers and query string), answering a complete body
 * in one write with its length. Conditional requests, HEAD and streamed bodies keep express's
 * res.send and chunked writes, as before.
 */
export function apolloHandler<TContext extends BaseContext>(
  server: ApolloServer<TContext>,
  context: ContextFunction<[{ req: StepRequest; res: StepResponse }], TContext>,
  expressApp: Express,
): (req: StepRequest, res: StepResponse) => Promise<void> {
  server.assertStarted('apolloHandler()');
  const withHelpers = expressHelpers(expressApp);
  return async (req, res) => {
    if (!('body' in req)) {
      const [, eres] = withHelpers(req, res);
      eres.status(500);
      eres.send('`req.body` is not set; this probably means you forgot to set up the `json` middleware before the Apollo Server middleware.');
      return;
    }
    const headers = new HeaderMap();
    const raw = req.headers;
    for (const key in raw) {
      const value = raw[key];
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method!.toUpperCase(), headers, search: searchOf(req.url!), body: req.body },
      context: () => context({ req, res }),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status || 200;
    if (response.body.kind === 'complete') {
      const plain =
        (req.method === 'POST' || req.method === 'GET') &&
        raw['if-none-match'] === undefined &&
        raw['if-modified-since'] === undefined &&
        typeof res.getHeader('content-type') === 'string' &&
        /;\s*charset=utf-8$/i.test(res.getHeader('content-type') as string) &&
        res.statusCode !== 204 &&
        res.statusCode !== 304;
      if (!plain) {
        const [, eres] = withHelpers(req, res);
        eres.send(response.body.string);
        return;
      }
      const bytes = Buffer.from(response.body.string, 'utf8');
      res.setHeader('content-length', bytes.length);
      res.end(bytes);
      return;
    }
    for await (const chunk of response.body.asyncIterator) {
      res.write(chunk);
      if (typeof (res as { flush?: () => void }).flush === 'function') (res as unknown as { flush: () => void }).flush();
    }
    res.end();
  };
}
