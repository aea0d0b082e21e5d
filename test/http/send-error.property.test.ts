// sendError (src/http/error-response.ts) writes with node's calls only, because the /graphql route's
// requests are node's own objects. Its answers must be the bytes express's helpers wrote before it
// (`reference` below is that implementation): for generated codes, messages, details, paths, methods,
// Accept and conditional headers, on an express app and on a bare node:http server alike — status,
// header names, values and order, and body.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, httpStatusOf } from '../../src/errors.js';
import { mediaTypes, negotiateGraphQLMediaType, sendError, type SendErrorOptions } from '../../src/http/error-response.js';
import type { StepRequest } from '../../src/http/step.js';
import { sendRaw } from '../support/http-request.js';

const runs = Number(process.env.PROPERTY_RUNS ?? 200);

/** sendError as it was written with express's helpers (fc91b8a). */
function reference(req: Request, res: Response, code: ErrorCode, message: string, opts: SendErrorOptions = {}): void {
  const isGraphQLPath = req.originalUrl === '/graphql' || req.originalUrl.startsWith('/graphql?') || req.originalUrl.startsWith('/graphql/');
  res.status(httpStatusOf[code]);
  if (opts.headers) res.set(opts.headers);
  if (isGraphQLPath) {
    const type = negotiateGraphQLMediaType(req.get('accept'));
    res.type(type === mediaTypes.graphqlResponse ? mediaTypes.graphqlResponse : mediaTypes.json);
    res.send(JSON.stringify({ errors: [{ message, extensions: { code, ...opts.details } }] }));
  } else {
    res.type(mediaTypes.json).send(JSON.stringify({ error: { code, message, ...opts.details } }));
  }
}

interface Case {
  code: ErrorCode;
  message: string;
  details?: Record<string, string | number | boolean | null>;
  authenticate: boolean;
}
/** The case rides in a header, so one server answers every generated case. */
const caseOf = (req: http.IncomingMessage): Case => JSON.parse(Buffer.from(String(req.headers['x-case']), 'base64url').toString('utf8')) as Case;
const optionsOf = (c: Case): SendErrorOptions => ({ details: c.details, headers: c.authenticate ? { 'WWW-Authenticate': 'Bearer' } : undefined });

/** An express app as the API's: no ETag, no x-powered-by. */
function expressServer(answer: (req: Request, res: Response, code: ErrorCode, message: string, opts: SendErrorOptions) => void): http.Server {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((req, res) => {
    const c = caseOf(req);
    answer(req, res, c.code, c.message, optionsOf(c));
  });
  return http.createServer(app);
}

/** node's own objects, as the /graphql route hands them over (with the originalUrl it sets). */
function nodeServer(): http.Server {
  return http.createServer((req, res) => {
    const c = caseOf(req);
    const sreq = req as StepRequest;
    sreq.originalUrl = req.url!;
    sendError(sreq, res, c.code, c.message, optionsOf(c));
  });
}

/** The date is the only header that differs between two answers. */
const perAnswer = new Set(['date']);

// Codes sendError answers with: those of an error status (a 200 code is only ever Apollo's, inside a result).
const errorCodes = (Object.values(ErrorCode) as ErrorCode[]).filter((c) => httpStatusOf[c] >= 400);

const generated = fc.record(
  {
    code: fc.constantFrom(...errorCodes),
    message: fc.string({ unit: 'binary', maxLength: 60 }),
    details: fc.dictionary(fc.constantFrom('argument', 'limit', 'field', 'code', 'message'), fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 2 }),
    authenticate: fc.boolean(),
    method: fc.constantFrom('GET', 'POST', 'HEAD', 'DELETE'),
    path: fc.constantFrom('/graphql', '/graphql?query=x', '/graphql/', '/graphqlx', '/health/ready', '/admin/report?limit=0', '/'),
    accept: fc.constantFrom(undefined, 'application/json', 'application/graphql-response+json', 'application/graphql-response+json, application/json;q=0.9', 'text/html', 'text/plain', '*/*'),
    conditional: fc.constantFrom<Record<string, string> | undefined>(undefined, { 'if-none-match': '*' }, { 'if-none-match': '"x"' }, { 'if-modified-since': new Date(0).toUTCString() }),
  },
  { requiredKeys: ['code', 'message', 'authenticate', 'method', 'path'] },
);

describe('sendError', () => {
  const servers = { reference: expressServer(reference), express: expressServer(sendError), node: nodeServer() };
  const ports: Record<keyof typeof servers, number> = { reference: 0, express: 0, node: 0 };
  beforeAll(async () => {
    for (const name of Object.keys(servers) as (keyof typeof servers)[]) {
      await new Promise<void>((resolve) => servers[name].listen(0, '127.0.0.1', resolve));
      ports[name] = (servers[name].address() as AddressInfo).port;
    }
  });
  afterAll(async () => {
    for (const s of Object.values(servers)) await new Promise((resolve) => s.close(resolve));
  });

  it("answers what express's helpers answered, on express's objects and on node's own", async () => {
    await fc.assert(
      fc.asyncProperty(generated, async (g) => {
        const c: Case = { code: g.code, message: g.message, details: g.details, authenticate: g.authenticate };
        const headers: Record<string, string> = { 'x-case': Buffer.from(JSON.stringify(c)).toString('base64url'), ...(g.accept ? { accept: g.accept } : {}), ...g.conditional };
        const request = { method: g.method, path: g.path, headers };
        const expected = await sendRaw(ports.reference, request, perAnswer);
        expect(expected.status).toBe(httpStatusOf[g.code]);
        expect(await sendRaw(ports.express, request, perAnswer)).toEqual(expected);
        expect(await sendRaw(ports.node, request, perAnswer)).toEqual(expected);
      }),
      { numRuns: runs },
    );
  });
});
