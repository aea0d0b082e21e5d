// Run by test/ops/map-churn.test.ts under `node --log-maps --import tsx`: serves uncached reads on a
// little seeded data, prints its URL and an admin key as one JSON line, and closes when its stdin
// ends, so that V8's map log covers what the server did for the requests the test sent meanwhile.
// A line "canary" on stdin makes twenty objects by the pattern the test looks for.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
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
// A literal of the kind the test looks for, made for each "canary" line the test writes: proof that the
// log, and the test's reading of it, see such maps where they are made.
const source = () => ({ canary: true });
function canary(n: number) {
  return { ...source(), n };
}
let canaries = 0;
createInterface({ input: process.stdin }).on('line', (line) => {
  // Twenty, as a request's code runs hot: V8 makes such maps reliably in compiled code, not on a literal's first runs.
  if (line === 'canary') for (let i = 0; i < 20; i++) canary(canaries++);
});
process.stdin.on('end', () => {
  void app.close().then(() => rmSync(dir, { recursive: true, force: true }));
});
