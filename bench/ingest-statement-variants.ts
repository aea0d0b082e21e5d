// Where a 10,000-detection insert's time goes: the upsert as shipped for client ids (json_to_recordset
// … ON CONFLICT) and the plain INSERT used for server-generated ids, with random (v4) or time-ordered
// (v7) ids, each with and without the per-row foreign-key check (session_replication_role = replica,
// superuser only), and the JSON parsing + sort alone. Every variant runs in a transaction that is rolled
// back, so the database is left as it was. Reports the median wall time and the median CPU time of the
// PostgreSQL backend (from /proc, so the server must run on this machine): CPU hardly depends on what
// else the machine runs. Medians of 6 (RUNS overrides).
// Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/truthgraph_bench_s1 npx tsx bench/ingest-statement-variants.ts
import postgres from 'postgres';
import { randomUUID } from 'node:crypto';
import { processCpuMs } from './cpu.js';
import { uuidv7Batch } from '../src/db/uuid7.js';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL must name a loaded benchmark database (npm run bench -- --quick makes truthgraph_bench_quick)');
const runs = Number(process.env.RUNS ?? 6);
const sql = postgres(url, { max: 1, onnotice: () => {} });
const [{ id: sid }] = await sql`SELECT id FROM test_sessions WHERE status = 'running' LIMIT 1`;
const [{ pid }] = await sql`SELECT pg_backend_pid() AS pid`;
const ids = { v4: (n: number) => Array.from({ length: n }, () => randomUUID()), v7: (n: number) => uuidv7Batch(n) };
const rows = (kind: keyof typeof ids) => {
  const id = ids[kind](10_000);
  return JSON.stringify(id.map((u, i) => ({ id: u, f: i >> 2, t: i / 120, l: ['car', 'truck', 'bus', 'person'][i & 3], c: (i % 1000) / 1000, r: 'PENDING', x: 1, y: 2, w: 3, h: 4 })));
};
const insert = `INSERT INTO detection_events AS d (id, test_session_id, frame_number, timestamp, class_label, confidence, validation_result, bounding_box_x, bounding_box_y, bounding_box_width, bounding_box_height)
    SELECT r.id, $1::uuid, r.f, r.t, r.l, r.c, r.r, r.x, r.y, r.w, r.h FROM json_to_recordset($2::text::json) AS r(id uuid, f int, t float8, l text, c real, r validation_result, x real, y real, w real, h real) ORDER BY r.id`;
const variants: Record<string, string> = {
  upsert: `${insert}
    ON CONFLICT (id) DO UPDATE SET confidence = EXCLUDED.confidence, validation_result = EXCLUDED.validation_result, updated_at = now() WHERE d.test_session_id = EXCLUDED.test_session_id`,
  plain: insert,
  parseOnly: `SELECT count(*) FROM (SELECT r.id FROM json_to_recordset($2::text::json) AS r(id uuid, f int, t float8, l text, c real, r validation_result, x real, y real, w real, h real) ORDER BY r.id) x WHERE $1::uuid IS NOT NULL`,
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const replica of [false, true]) {
  for (const kind of ['v4', 'v7'] as const) {
    for (const [name, text] of Object.entries(variants)) {
      if (name === 'parseOnly' && (replica || kind === 'v7')) continue;
      const wall: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < runs; i++) {
        const j = rows(kind);
        await sql
          .begin(async (tx) => {
            if (replica) await tx`SET LOCAL session_replication_role = replica`;
            const c = processCpuMs(pid)!;
            const t = performance.now();
            await tx.unsafe(text, [sid, j]);
            wall.push(performance.now() - t);
            cpu.push(processCpuMs(pid)! - c);
            throw new Error('rollback');
          })
          .catch((e) => {
            if (e.message !== 'rollback') console.log(e.message);
          });
      }
      console.log(`${replica ? 'no FK check' : 'FK check   '} ${kind} ${name.padEnd(10)} wall median ${median(wall).toFixed(0)} ms, backend CPU median ${median(cpu).toFixed(0)} ms`);
    }
  }
}
await sql.end();
