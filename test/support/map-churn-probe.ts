// Run by test/ops/map-churn.test.ts under `node --log-maps --import tsx`: serves uncached reads on a
// little seeded data, prints its URL and an admin key as one JSON line, and closes when its stdin
// ends, so that V8's map log covers what the server did for the requests the test sent meanwhile.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiKey } from '../../src/auth/api-keys.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { seedData } from '../../src/db/seed-data.js';

const dir = mkdtempSync(join(tmpdir(), 'map-churn-'));
const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PGLITE_DIR: dir, DEMO_DATA: 'false', CACHE: 'off' });
const app = await createApp(config);
const { secret } = await createApiKey(app.db, { name: 'map-churn', role: 'admin' });
await seedData(app.db, { projects: 2, videosPerProject: 4, groundTruthMean: 20, bigVideoEvery: 1000, sessionEvery: 1, detectionsMean: 30, seed: 7 });
const url = await app.listen(0, '127.0.0.1');
process.stdout.write(JSON.stringify({ url, secret }) + '\n');
process.stdin.resume();
process.stdin.on('end', () => {
  void app.close().then(() => rmSync(dir, { recursive: true, force: true }));
});
