// The system under fault: a throwaway PostgreSQL with the demo data set, and truthgraph on top of it
// in production mode (pool of DB_POOL_MAX, fault injection on), with an admin key. One process: the
// load generator shares it, which only makes the figures pessimistic.
import { createApiKey } from '../src/auth/api-keys.js';
import { createApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createPostgresDb, defaultPoolOptions } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { seedData, type SeedShape } from '../src/db/seed-data.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from './throwaway-postgres.js';

export interface FaultSystem {
  pg: ThrowawayPostgres;
  app: App;
  url: string;
  key: string;
  close(): Promise<void>;
}

export const smallShape: SeedShape = { projects: 3, videosPerProject: 20, groundTruthMean: 50, bigVideoEvery: 1000, sessionEvery: 5, detectionsMean: 50, seed: 7 };

export async function startFaultSystem(env: Record<string, string> = {}, shape: SeedShape = smallShape): Promise<FaultSystem> {
  const pg = await startThrowawayPostgres();
  try {
    const config = loadConfig({
      NODE_ENV: 'production',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
      DATABASE_URL: pg.url,
      MIGRATE_ON_START: 'true',
      DB_POOL_MAX: '20',
      FAULT_INJECTION: 'true',
      // The database scenarios measure what reaches PostgreSQL: with the response cache and the
      // API-key cache on, a repeated read is answered without it. Scenarios about the cache turn it on.
      CACHE: 'off',
      ...env,
    });
    // Loaded on a connection of its own with the default statement timeout: a scenario's short one
    // (500 ms) would cancel the seed's statements on a busy machine.
    const loader = createPostgresDb(pg.url, { ...defaultPoolOptions, max: 2 });
    let secret: string;
    try {
      await migrate(loader);
      await seedData(loader, shape);
      ({ secret } = await createApiKey(loader, { name: 'faults', role: 'admin' }));
    } finally {
      await loader.close();
    }
    const app = await createApp(config);
    const url = await app.listen(0, '127.0.0.1');
    return {
      pg,
      app,
      url,
      key: secret,
      async close() {
        await app.close();
        pg.destroy();
      },
    };
  } catch (err) {
    pg.destroy();
    throw err;
  }
}

/** A read that touches the database on every level. */
export const readQuery = () => ({
  query: `query Read { projects(first: 3) { totalCount nodes { id stats { videoCount } videos(first: 5) { nodes { id groundTruthCount groundTruth(first: 5) { nodes { id } } } } } } }`,
});

/** Eight cacheable variants of a dashboard read: a load over them is mostly hits once warm. */
export const cacheableRead = (i: number) => ({
  query: `query Cached($n: Int!) { projects(first: 3) { nodes { id stats { videoCount } videos(first: $n) { nodes { id processingStatus groundTruthCount } } } } }`,
  variables: { n: 1 + (i % 8) },
});
