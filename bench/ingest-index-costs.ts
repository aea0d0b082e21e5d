// What each part of a 10,000-detection insert costs on the loaded data: the statement as shipped, then
// with one piece taken away at a time — the per-row foreign-key check (session_replication_role =
// replica), each secondary index (dropped inside the transaction), the counter trigger — and other
// statement shapes (COPY straight into the table, unnest arrays). Every variant runs in a transaction
// that is rolled back, variants interleaved round by round so all see the same machine. Reports the
// median backend CPU (from /proc: it hardly depends on what else the machine runs) and wall time.
// DROP INDEX takes an exclusive lock on the table for the transaction: run it on a copy of the
// benchmark database, e.g. createdb -T truthgraph_bench_s1 truthgraph_bench_<you>_s1.
// Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/truthgraph_bench_<you>_s1 npx tsx bench/ingest-index-costs.ts [variant|…] (exact names; COMMIT=1 keeps the rows until the end)
import os from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import { processCpuMs } from './cpu.js';
import { uuidv7Batch } from '../src/db/uuid7.js';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL must name a copy of a loaded benchmark database');
const runs = Number(process.env.RUNS ?? 7);
// PLAN_CACHE_MODE=force_custom_plan: what every app connection sets (src/db/client.ts plannerSettings);
// it also re-plans the foreign key's cached check for every inserted row.
const sql = postgres(url, { max: 1, onnotice: () => {}, connection: process.env.PLAN_CACHE_MODE ? { plan_cache_mode: process.env.PLAN_CACHE_MODE } : {} });
const [{ id: sid }] = await sql`SELECT id FROM test_sessions WHERE status = 'running' ORDER BY id LIMIT 1`;
const [{ now: startedAt }] = await sql`SELECT now()`;
const [{ pid }] = await sql`SELECT pg_backend_pid() AS pid`;
const indexes = (await sql<{ name: string }[]>`SELECT indexrelid::regclass::text AS name FROM pg_index
  WHERE indrelid = 'detection_events'::regclass AND NOT indisprimary ORDER BY 1`).map((r) => r.name);

interface Row { id: string; f: number; t: number; l: string; c: number; r: string; x: number; y: number; w: number; h: number }
const batch = (): Row[] =>
  uuidv7Batch(10_000).map((id, i) => ({ id, f: i >> 2, t: (i >> 2) / 30, l: ['car', 'truck', 'pedestrian', 'bicycle'][i & 3], c: ((i * 7919) % 1000) / 1000, r: 'PENDING', x: (i * 37) % 1800, y: (i * 53) % 1000, w: 10 + (i % 190), h: 10 + ((i * 7) % 190) }));

const cols = `id, test_session_id, frame_number, timestamp, class_label, confidence, validation_result, bounding_box_x, bounding_box_y, bounding_box_width, bounding_box_height`;
const json = `INSERT INTO detection_events AS d (${cols})
  SELECT r.id, $1::uuid, r.f, r.t, r.l, r.c, r.r, r.x, r.y, r.w, r.h FROM json_to_recordset($2::text::json) AS r(id uuid, f int, t float8, l text, c real, r validation_result, x real, y real, w real, h real) ORDER BY r.id`;
const upsert = `${json} ON CONFLICT (id) DO UPDATE SET confidence = EXCLUDED.confidence, validation_result = EXCLUDED.validation_result, updated_at = now() WHERE d.test_session_id = EXCLUDED.test_session_id`;
type Tx = postgres.TransactionSql;
const viaJson = (text: string) => async (tx: Tx, rows: Row[]) => void (await tx.unsafe(text, [sid, JSON.stringify(rows)]));
const viaCopy = async (tx: Tx, rows: Row[]) => {
  let s = '';
  for (const r of rows) s += `${r.id}\t${sid}\t${r.f}\t${r.t}\t${r.l}\t${r.c}\t${r.r}\t${r.x}\t${r.y}\t${r.w}\t${r.h}\n`;
  const stream = await tx.unsafe(`COPY detection_events (${cols}) FROM STDIN`).writable();
  await pipeline(Readable.from([s]), stream);
};
const viaUnnest = async (tx: Tx, rows: Row[]) => {
  const col = (k: keyof Row) => `{${rows.map((r) => (typeof r[k] === 'string' ? r[k] : String(r[k]))).join(',')}}`;
  await tx.unsafe(
    `INSERT INTO detection_events (${cols}) SELECT r.id, $1::uuid, r.f, r.t, r.l, r.c, r.r, r.x, r.y, r.w, r.h
     FROM unnest($2::uuid[], $3::int[], $4::float8[], $5::text[], $6::real[], $7::validation_result[], $8::real[], $9::real[], $10::real[], $11::real[]) AS r(id, f, t, l, c, r, x, y, w, h)`,
    [sid, col('id'), col('f'), col('t'), col('l'), col('c'), col('r'), col('x'), col('y'), col('w'), col('h')],
  );
};

interface Variant { setup: string[]; run: (tx: Tx, rows: Row[]) => Promise<void> }
const noFk = ['SET LOCAL session_replication_role = replica'];
const variants: Record<string, Variant> = {
  'upsert (shipped)': { setup: [], run: viaJson(upsert) },
  'insert': { setup: [], run: viaJson(json) },
  'insert, no FK': { setup: noFk, run: viaJson(json) },
  ...Object.fromEntries(indexes.map((i) => [`insert, no FK, no ${i}`, { setup: [...noFk, `DROP INDEX ${i}`], run: viaJson(json) }])),
  'insert, no FK, no secondary index': { setup: [...noFk, ...indexes.map((i) => `DROP INDEX ${i}`)], run: viaJson(json) },
  'insert, no FK, no counter trigger': { setup: [...noFk, 'ALTER TABLE detection_events DISABLE TRIGGER detection_insert_aggregates'], run: viaJson(json) },
  'COPY, FK': { setup: [], run: viaCopy },
  'COPY, no FK': { setup: noFk, run: viaCopy },
  'unnest, no FK': { setup: noFk, run: viaUnnest },
};
const only = process.argv[2]?.split('|');
const chosen = Object.entries(variants).filter(([name]) => !only || only.includes(name));
if (!chosen.length) throw new Error(`variants: ${Object.keys(variants).join(' | ')}`);
const wall = new Map<string, number[]>();
const cpu = new Map<string, number[]>();
const loads: number[] = [];
const rollback = new Error('rollback');
// COMMIT=1 keeps each batch (the setup, e.g. a dropped index, is kept too: only for variants that
// change no schema) and deletes them all at the end, to see what committed rows change.
const commit = process.env.COMMIT === '1';
if (commit && chosen.some(([, v]) => v.setup.some((s) => !s.startsWith('SET LOCAL')))) throw new Error('COMMIT=1 would keep a dropped index or trigger: choose variants that only SET LOCAL');
for (let i = 0; i < runs; i++) {
  loads.push(os.loadavg()[0]);
  for (const [name, v] of chosen) {
    const rows = batch();
    await sql
      .begin(async (tx) => {
        for (const s of v.setup) await tx.unsafe(s);
        const c = processCpuMs(pid)!;
        const t = performance.now();
        await v.run(tx, rows);
        (wall.get(name) ?? wall.set(name, []).get(name)!).push(performance.now() - t);
        (cpu.get(name) ?? cpu.set(name, []).get(name)!).push(processCpuMs(pid)! - c);
        if (!commit) throw rollback;
      })
      .catch((e) => {
        if (e !== rollback) throw e;
      });
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`10,000 new detections (v7 ids) into session ${sid}, plan_cache_mode ${process.env.PLAN_CACHE_MODE ?? 'default'}, ${runs} rounds, load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`);
for (const [name] of chosen) console.log(`  ${name.padEnd(56)} backend CPU ${median(cpu.get(name)!).toFixed(0).padStart(4)} ms, wall ${median(wall.get(name)!).toFixed(0).padStart(4)} ms`);
if (commit) await sql`DELETE FROM detection_events WHERE test_session_id = ${sid}::uuid AND created_at >= ${startedAt}`;
await sql.end();
