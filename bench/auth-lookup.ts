// npm run bench:auth: what authenticating costs per request — the one indexed lookup of the key's
// hash and grants — on a throwaway PostgreSQL with 1,000 keys, plus its plan.
import { createApiKey, resolveApiKey } from '../src/auth/api-keys.js';
import { createPostgresDb } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { startThrowawayPostgres } from './throwaway-postgres.js';
import { percentile } from './load.js';

const pg = await startThrowawayPostgres();
const db = createPostgresDb(pg.url);
try {
  await migrate(db);
  const [{ id: project }] = await db.query<{ id: string }>(`INSERT INTO projects (name) VALUES ('p') RETURNING id`);
  const secrets: string[] = [];
  for (let i = 0; i < 1000; i++) secrets.push((await createApiKey(db, { name: `k${i}`, role: 'member', read: [project], write: i % 2 ? [project] : [] })).secret);
  for (const s of secrets.slice(0, 200)) await resolveApiKey(db, s); // warm up
  const ms: number[] = [];
  for (let i = 0; i < 5000; i++) {
    const t = performance.now();
    const scope = await resolveApiKey(db, secrets[i % secrets.length]);
    ms.push(performance.now() - t);
    if (!scope) throw new Error('key not resolved');
  }
  ms.sort((a, b) => a - b);
  const plan = await db.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN SELECT k.id, k.role, (SELECT coalesce(json_agg(json_build_array(g.project_id, g.can_write)), '[]'::json) FROM api_key_projects g WHERE g.key_id = k.id) AS grants FROM api_keys k WHERE k.key_hash = 'x' AND k.revoked_at IS NULL`,
  );
  console.log(JSON.stringify({ keys: 1000, lookups: ms.length, p50Ms: +percentile(ms, 50).toFixed(3), p99Ms: +percentile(ms, 99).toFixed(3),
    plan: plan.map((r) => r['QUERY PLAN'].trim()) }, null, 2));
} finally {
  await db.close();
  pg.destroy();
}
