// The shape of a step of the /graphql route (src/http/graphql-route.ts): node's own request and
// response, with only what the steps add to them. The steps also run under express's router (for
// /graphql/ and the rare requests the route leaves to express), but on the route their objects have
// none of express's helpers: typed apart from express's Request and Response, a step that calls one
// (res.status, req.get, req.path …) does not compile.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessScope } from '../auth/scope.js';
import type { RequestRecord } from '../observability/request-record.js';

export interface StepRequest extends IncomingMessage {
  /** The URL as it came, before a router rewrote `url` (express's own property; the route sets it). */
  originalUrl: string;
  /** The parsed body, once the body's parse step ran. */
  body?: unknown;
}

/** What steps leave on the response for the ones after them (and for the request log). */
export interface StepLocals {
  record?: RequestRecord;
  /** The authenticated key's scope. */
  scope?: AccessScope;
}

export interface StepResponse extends ServerResponse {
  locals: StepLocals;
}

export type StepNext = (err?: unknown) => void;

/** Answers, or calls next() (with an error: the error handler answers). */
export type Step = (req: StepRequest, res: StepResponse, next: StepNext) => unknown;

export type ErrorStep = (err: unknown, req: StepRequest, res: StepResponse, next: StepNext) => void;
