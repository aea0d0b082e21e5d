// The floor of every read scenario: a bare node:http handler that sends the statements truthgraph
// sends for it (the exact text and parameters captured from the app by bench/floor-capture.ts, wave
// by wave, on a postgres.js pool with the app's settings) and JSON.stringify's the same response shape
// (bench/floor-shapes.ts). No GraphQL, no framework: what truthgraph spends above this is the cost of
// its layers. POST /floor/<scenario> (the request body is read and ignored).
// Env: DATABASE_URL, FLOOR_PLANS (a JSON file of FloorPlan[]), PORT.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import postgres from 'postgres';
import { loadConfig } from '../src/config.js';
import { createPostgresDb, plainRows } from '../src/db/client.js';
import { poolOptionsOf } from '../src/db/open.js';
import { answerBytes } from '../src/http/answer-bytes.js';
import type { FloorPlan } from './floor-capture.js';
import { floorShapes } from './floor-shapes.js';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl || !process.env.FLOOR_PLANS) throw new Error('DATABASE_URL and FLOOR_PLANS are required');
const plans = new Map((JSON.parse(readFileSync(process.env.FLOOR_PLANS, 'utf8')) as FloorPlan[]).map((p) => [p.scenario, p]));
const port = Number(process.env.PORT ?? 4200);
// The app's pool and connection settings (size, prepared statements, planner settings, type
// parsers), used bare: postgres.js's own query function, none of truthgraph's wrapping but its
// plain-array rows (below).
const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' });
const pool = poolOptionsOf(config);
const db = createPostgresDb(databaseUrl, pool);
const sql = (db.driver as { sql: postgres.Sql }).sql;

async function answer(plan: FloorPlan): Promise<Buffer> {
  const results = new Map<string, any[]>();
  for (const wave of plan.waves) {
    const rows = await Promise.all(wave.map((s) => sql.unsafe(s.text, s.params as never[], { prepare: pool.prepare })));
    // Plain arrays, as truthgraph's database handle hands rows out: the shapes' slice and map on
    // postgres.js's Result would take V8's generic path and flatter the ratio.
    wave.forEach((s, i) => {
      if (!results.has(s.name)) results.set(s.name, plainRows(rows[i]) as any[]);
    });
  }
  const body = floorShapes[plan.scenario]((name) => results.get(name) ?? []);
  // Encoded as truthgraph's operation path encodes its answers.
  return answerBytes(JSON.stringify(body));
}

const server = http.createServer((req, res) => {
  const m = /^\/floor\/([\w-]+)$/.exec(req.url ?? '');
  const plan = m ? plans.get(m[1]) : undefined;
  if (!plan || !floorShapes[plan.scenario]) {
    req.resume();
    res.writeHead(404).end();
    return;
  }
  req.resume();
  req.on('end', () => {
    answer(plan).then(
      (bytes) => {
        res.writeHead(200, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': bytes.length,
          'x-sql-statements': String(plan.waves.reduce((n, w) => n + w.length, 0)),
        });
        res.end(bytes);
      },
      (err) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
    );
  });
});
server.listen(port, '127.0.0.1', () => console.log(`floor serving ${[...plans.keys()].join(', ')} at http://127.0.0.1:${port}/floor/<scenario>`));
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close();
    void db.close().then(() => process.exit(0));
  });
}
