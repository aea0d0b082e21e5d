// GraphiQL, self-hosted: GET /graphql from a browser (Accept prefers text/html) gets a page whose
// scripts and styles all come from this server (React 18 and GraphiQL 3 UMD builds out of
// node_modules), so it works offline. Every other /graphql request falls through to Apollo, whose
// CSRF prevention stays on: this route never executes an operation.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Request } from 'express';
import { Router } from 'express';

const require = createRequire(import.meta.url);
const own = (file: string) => join(dirname(fileURLToPath(import.meta.url)), 'graphiql-assets', file);
const fromPackage = (pkg: string, file: string) => join(dirname(require.resolve(`${pkg}/package.json`)), file);

/** The only files served under /graphiql/assets/: an allowlist, never a directory listing. */
const assets: Record<string, { path: string; type: string }> = {
  'react.production.min.js': { path: fromPackage('react', 'umd/react.production.min.js'), type: 'text/javascript' },
  'react-dom.production.min.js': { path: fromPackage('react-dom', 'umd/react-dom.production.min.js'), type: 'text/javascript' },
  'graphiql.min.js': { path: fromPackage('graphiql', 'graphiql.min.js'), type: 'text/javascript' },
  'graphiql.min.css': { path: fromPackage('graphiql', 'graphiql.min.css'), type: 'text/css' },
  'init.js': { path: own('init.js'), type: 'text/javascript' },
  'page.css': { path: own('page.css'), type: 'text/css' },
};

// Scripts only from this origin, no inline script, requests only to this origin.
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** True for a browser navigation: text/html is preferred over the GraphQL response types. */
export function prefersHtml(req: Request): boolean {
  return req.accepts(['application/graphql-response+json', 'application/json', 'text/html']) === 'text/html';
}

export function graphiqlRoutes(): Router {
  const router = Router();
  const page = readFileSync(own('graphiql.html'), 'utf8');
  router.get('/graphql', (req, res, next) => {
    if (!prefersHtml(req)) {
      next();
      return;
    }
    res.setHeader('content-security-policy', contentSecurityPolicy);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('cache-control', 'no-cache');
    res.type('html').send(page);
  });
  router.get('/graphiql/assets/:file', (req, res, next) => {
    const name = String(req.params.file);
    const asset = Object.hasOwn(assets, name) ? assets[name] : undefined;
    if (!asset) {
      next();
      return;
    }
    res.setHeader('x-content-type-options', 'nosniff');
    res.sendFile(asset.path, { maxAge: '1h', headers: { 'content-type': `${asset.type}; charset=utf-8` } }, (err) => {
      if (err) next(err);
    });
  });
  return router;
}
