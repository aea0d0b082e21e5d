// Entry point: configuration, the app, a listening socket; SIGTERM/SIGINT close it all gracefully
// (stop accepting, drain in-flight requests within SHUTDOWN_GRACE_MS, close cache and pool) and exit 0.
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

// postgres.js can still drop the rejection of its array-type fetch when a connection is lost during
// the very first connections (see src/db/client.ts): that one is logged, not fatal. Any other
// unhandled rejection stays fatal, as Node's default would have it.
function isArrayTypeFetch(reason: unknown): boolean {
  const query = (reason as { query?: unknown } | null)?.query;
  return typeof query === 'string' && query.includes('pg_catalog.pg_type') && query.includes('typarray');
}

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  process.on('unhandledRejection', (reason) => {
    if (isArrayTypeFetch(reason)) {
      console.warn(`postgres.js lost a connection while fetching array types: ${(reason as Error).message}`);
      return;
    }
    throw reason;
  });
  const app = await createApp(config);
  const url = await app.listen();
  app.logger.info({ url, database: config.DATABASE_URL ? 'postgres' : `pglite (${config.PGLITE_DIR})` }, `truthgraph ready at ${url}`);
  console.log(`truthgraph serving GraphQL at ${url}`);
  if (app.opsUrl) app.logger.info({ opsUrl: app.opsUrl }, `operator endpoints (/metrics, /health/database) at ${app.opsUrl}`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      // A second signal while draining: the operator wants out now.
      app.logger.warn({ signal }, 'second signal during shutdown: exiting immediately');
      process.exit(1);
    }
    stopping = true;
    app.logger.info({ signal, graceMs: config.SHUTDOWN_GRACE_MS }, 'shutting down: no new connections, draining in-flight requests');
    // The drain is bounded by SHUTDOWN_GRACE_MS and the pool end by its own timeout; this is the
    // backstop should anything else hang.
    const backstop = setTimeout(() => {
      app.logger.error('shutdown did not finish in time: exiting');
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS + 15_000);
    backstop.unref();
    try {
      await app.close();
      app.logger.info('shutdown complete');
      process.exit(0);
    } catch (err) {
      app.logger.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
