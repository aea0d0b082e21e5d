// Entry point: configuration, the app, a listening socket; SIGTERM/SIGINT close it all.
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

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
  const app = await createApp(config);
  const url = await app.listen();
  app.logger.info({ url, database: config.DATABASE_URL ? 'postgres' : `pglite (${config.PGLITE_DIR})` }, `truthgraph ready at ${url}`);
  console.log(`truthgraph serving GraphQL at ${url}`);
  const stop = async (signal: string) => {
    app.logger.info({ signal }, 'shutting down');
    await app.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
