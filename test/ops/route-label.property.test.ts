// The request log labels a request by the path of its URL (src/observability/request-log.ts). It used
// express's req.path, which is parseurl's pathname; on the /graphql route requests are node's own
// objects without it, so pathOf reads the URL itself and must agree with parseurl on every URL — a
// backslash, a `#`, white space, a query, an absolute form — or a label would change.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pathOf, routeLabel } from '../../src/observability/request-log.js';

// express's own parser (a dependency of express, not of ours): the reference.
const parseurl = createRequire(import.meta.url)('parseurl') as (req: { url: string }) => { pathname: string | null } | undefined;

const runs = Number(process.env.PROPERTY_RUNS ?? 2000);
const piece = fc.constantFrom('/', '\\', '?', '#', ' ', '\t', '%2F', '%', '.', '..', 'graphql', 'health', 'live', 'admin', 'metrics', 'graphiql', 'x', '&', '=', '\u00a0', '\ufeff', 'é');
const path = fc.array(piece, { maxLength: 8 }).map((p) => p.join(''));
const url = fc.oneof(
  path.map((p) => `/${p}`),
  path.map((p) => `http://127.0.0.1:4000/${p}`),
  path.map((p) => `//host/${p}`),
  fc.constantFrom('/graphql', '/graphql?query=x', '/graphql/', '/health/live', '/health\\live', '/admin\\x', '/metrics#x', '*'),
);

describe('the request log\'s route labels', () => {
  it("read the path of every URL as express's req.path did", () => {
    fc.assert(
      fc.property(url, (u) => {
        const reference = parseurl({ url: u })?.pathname ?? '';
        expect(pathOf(u)).toBe(reference);
        expect(routeLabel(pathOf(u))).toBe(routeLabel(reference));
      }),
      { numRuns: runs },
    );
  });
});
