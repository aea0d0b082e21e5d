// The HTTP server's request and response constructors (src/http/graphql-route.ts): objects that
// inherit express's helpers from the start, made by constructors V8 can optimize — function
// constructors calling node's, not classes derived from node's function-style ones, whose
// optimization V8 abandoned on every attempt (docs/benchmarks.md).
import http, { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressServerClasses } from '../../src/http/graphql-route.js';

const isClass = (f: unknown) => /^class\b/.test(Function.prototype.toString.call(f));

describe('the HTTP server classes', () => {
  const app = express();
  const classes = expressServerClasses(app);
  let server: http.Server;
  let url: string;
  const seen: { req: IncomingMessage; res: ServerResponse }[] = [];
  beforeAll(async () => {
    server = http.createServer(classes, (req, res) => {
      seen.push({ req, res });
      // What the /graphql route (and express's app.handle) set before any step runs.
      (req as express.Request).res = res as express.Response;
      (res as express.Response).req = req as express.Request;
      // express's helpers, as the /graphql steps' error answers use them
      (res as express.Response).status(418).type('json').send(JSON.stringify({ accept: (req as express.Request).get('accept') ?? null }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it("make node's request and response objects that inherit express's helpers", async () => {
    for (const accept of ['application/json', 'text/plain']) {
      const res = await fetch(url, { headers: { accept } });
      expect(res.status).toBe(418);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual({ accept });
    }
    for (const { req, res } of seen) {
      expect(req).toBeInstanceOf(IncomingMessage);
      expect(res).toBeInstanceOf(ServerResponse);
      expect(Object.getPrototypeOf(Object.getPrototypeOf(req))).toBe(app.request);
      expect(Object.getPrototypeOf(Object.getPrototypeOf(res))).toBe(app.response);
      expect(req.constructor).toBe(classes.IncomingMessage);
      expect(res.constructor).toBe(classes.ServerResponse);
    }
  });

  it("are function constructors while node's are", () => {
    expect(isClass(classes.IncomingMessage)).toBe(isClass(IncomingMessage));
    expect(isClass(classes.ServerResponse)).toBe(isClass(ServerResponse));
  });
});
