// Admin-only operator endpoints: GET /admin/db-report (the same data as `npm run db:report`).
// Who may call them is decided by `scopeFor(req)`, which the API-key work provides; until then every
// request is the admin in development and test, and nobody is in production (no key, no access).
import type { Request } from 'express';
import { Router } from 'express';
import { adminScope, type AccessScope } from '../auth/scope.js';
import type { Db } from '../db/client.js';
import { ErrorCode } from '../errors.js';
import { sendError } from './error-response.js';
import { dbReport } from '../db/queries/db-report.queries.js';

/** The caller's scope, or null when the request carries no (valid) credentials. */
export type ScopeFor = (req: Request) => AccessScope | null | Promise<AccessScope | null>;

export function defaultScopeFor(nodeEnv: string): ScopeFor {
  return nodeEnv === 'production' ? () => null : () => adminScope;
}

export function adminRoutes(deps: { db: Db; scopeFor: ScopeFor }): Router {
  const router = Router();
  router.use('/admin', async (req, res, next) => {
    try {
      const scope = await deps.scopeFor(req);
      if (!scope) {
        sendError(req, res, ErrorCode.UNAUTHENTICATED, 'an admin API key is required');
        return;
      }
      if (!scope.admin) {
        sendError(req, res, ErrorCode.FORBIDDEN, 'admin scope required');
        return;
      }
      next();
    } catch (err) {
      next(err);
    }
  });
  router.get('/admin/db-report', async (req, res, next) => {
    try {
      const limit = req.query.limit === undefined ? 10 : Number(req.query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        sendError(req, res, ErrorCode.BAD_USER_INPUT, `limit must be 1..1000, got ${String(req.query.limit)}`, { details: { argument: 'limit' } });
        return;
      }
      res.setHeader('cache-control', 'no-store');
      res.json(await dbReport(deps.db, { limit }));
    } catch (err) {
      next(err);
    }
  });
  return router;
}
