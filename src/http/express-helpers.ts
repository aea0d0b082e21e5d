// Requests of the /graphql route (src/http/graphql-route.ts) start as plain node:http objects. Giving
// each one express's request/response prototypes up front cost more CPU than the rest of a cache hit:
// node's own http code then runs on objects whose prototype was swapped, and slows down several-fold.
// The steps of a hit need none of express's helpers; whatever may (an error answer, Apollo's handler,
// express's error and not-found handlers, test seams) calls `withExpressHelpers` first, which gives
// them to the request and its response once.
import type { IncomingMessage } from 'node:http';

const upgradeKey = Symbol('truthgraph.expressHelpers');

type Deferred = IncomingMessage & { [upgradeKey]?: (() => void) | null };

/** The route's dispatcher: how this request gets express's helpers when something needs them. */
export function deferExpressHelpers(req: IncomingMessage, upgrade: () => void): void {
  (req as Deferred)[upgradeKey] = upgrade;
}

/** Gives `req` (and its response) express's request/response helpers if it does not have them yet. */
export function withExpressHelpers(req: IncomingMessage): void {
  const upgrade = (req as Deferred)[upgradeKey];
  if (!upgrade) return;
  (req as Deferred)[upgradeKey] = null;
  upgrade();
}

const plainSteps = new WeakSet<object>();

/**
 * Marks a step that works on plain node:http objects — it reads headers, url, method, body and
 * res.locals, writes with node's own response methods, and answers errors through sendError (which
 * asks for the helpers itself) — so the route runs it without express's prototypes.
 */
export function plainStep<T extends object>(step: T): T {
  plainSteps.add(step);
  return step;
}

export function isPlainStep(step: object): boolean {
  return plainSteps.has(step);
}
