// GET /metrics: the app's Prometheus registry in the text exposition format.
import { Router } from 'express';
import type { Metrics } from '../observability/metrics.js';

export function metricsRoutes(metrics: Metrics): Router {
  const router = Router();
  router.get('/metrics', async (_req, res, next) => {
    try {
      const body = await metrics.text();
      res.setHeader('content-type', metrics.contentType);
      res.setHeader('cache-control', 'no-store');
      res.send(body);
    } catch (err) {
      next(err);
    }
  });
  return router;
}
