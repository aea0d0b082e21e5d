// Where a 10,000-detection upsert's time goes: the statement as shipped (json_to_recordset … ON CONFLICT),
// a plain INSERT, each with and without the per-row foreign-key check (session_replication_role =
// replica, superuser only), and the JSON parsing + sort alone. Every variant runs in a transaction that
// is rolled back, so the database is left as it was. Medians of 6.
// Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/truthgraph_bench_quick npx tsx bench/ingest-statement-variants.ts
import postgres from 'postgres';
import { randomUUID } from 'node:crypto';
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL must name a loaded benchmark database (npm run bench -- --quick makes truthgraph_bench_quick)');
const sql = postgres(url, { max: 1, onnotice: () => {} });
const [{ id: sid }] = await sql`SELECT id FROM test_sessions WHERE status = 'running' LIMIT 1`;
const rows = () => JSON.stringify(Array.from({ length: 10000 }, (_, i) => ({ id: randomUUID(), f: i >> 2, t: i / 120, l: ['car', 'truck', 'bus', 'person'][i & 3], c: (i % 1000) / 1000, r: 'PENDING', x: 1, y: 2, w: 3, h: 4 })));
const variants: Record<string, (j: string) => string> = {
  upsert: () => `INSERT INTO detection_events AS d (id, test_session_id, frame_number, timestamp, class_label, confidence, validation_result, bounding_box_x, bounding_box_y, bounding_box_width, bounding_box_height)
    SELECT r.id, $1::uuid, r.f, r.t, r.l, r.c, r.r, r.x, r.y, r.w, r.h FROM json_to_recordset($2::text::json) AS r(id uuid, f int, t float8, l text, c real, r validation_result, x real, y real, w real, h real) ORDER BY r.id
    ON CONFLICT (id) DO UPDATE SET confidence = EXCLUDED.confidence, validation_result = EXCLUDED.validation_result, updated_at = now() WHERE d.test_session_id = EXCLUDED.test_session_id`,
  plain: () => `INSERT INTO detection_events AS d (id, test_session_id, frame_number, timestamp, class_label, confidence, validation_result, bounding_box_x, bounding_box_y, bounding_box_width, bounding_box_height)
    SELECT r.id, $1::uuid, r.f, r.t, r.l, r.c, r.r, r.x, r.y, r.w, r.h FROM json_to_recordset($2::text::json) AS r(id uuid, f int, t float8, l text, c real, r validation_result, x real, y real, w real, h real) ORDER BY r.id`,
  parseOnly: () => `SELECT count(*) FROM (SELECT r.id FROM json_to_recordset($2::text::json) AS r(id uuid, f int, t float8, l text, c real, r validation_result, x real, y real, w real, h real) ORDER BY r.id) x WHERE $1::uuid IS NOT NULL`,
};
for (const replica of [false, true]) {
  for (const [name, v] of Object.entries(variants)) {
    const ms: number[] = [];
    for (let i = 0; i < 6; i++) {
      const j = rows();
      await sql.begin(async (tx) => {
        if (replica) await tx`SET LOCAL session_replication_role = replica`;
        const t = performance.now();
        await tx.unsafe(v(j), [sid, j]);
        ms.push(performance.now() - t);
        throw new Error('rollback');
      }).catch((e) => { if (e.message !== 'rollback') console.log(e.message); });
    }
    ms.sort((a, b) => a - b);
    console.log(`${replica ? 'replica ' : 'origin  '} ${name.padEnd(10)} median ${ms[3].toFixed(0)} ms min ${ms[0].toFixed(0)}`);
  }
}
await sql.end();
