// The floor: the rows of the ground-truth scenario fetched with postgres.js and JSON.stringify'd by a
// bare node:http handler (no GraphQL, no framework), on the same indexed database. What truthgraph
// spends above this is what GraphQL execution costs. GET /ground-truth?video=<uuid>&first=10000
import http from 'node:http';
import postgres from 'postgres';
import { plannerSettings } from '../src/db/client.js';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL is required');
const port = Number(process.env.PORT ?? 4200);
// The app's planner settings: the floor reads the same rows with the same plan.
const sql = postgres(databaseUrl, { max: Number(process.env.DB_POOL_MAX ?? 20), onnotice: () => {}, connection: plannerSettings() });

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname !== '/ground-truth') {
    res.writeHead(404).end();
    return;
  }
  try {
    const videoId = url.searchParams.get('video') ?? '';
    const first = Math.min(10_000, Number(url.searchParams.get('first') ?? 10_000));
    // The same page truthgraph serves: frame order, then confidence descending, the same columns.
    const rows = await sql`
      SELECT id, frame_number AS "frameNumber", timestamp, class_label AS "classLabel", confidence, x, y, width, height,
             width * height AS "bboxArea", validated, difficult
      FROM ground_truth_objects WHERE video_id = ${videoId}::uuid
      ORDER BY frame_number, confidence DESC, id LIMIT ${first}`;
    const body = JSON.stringify({ data: { video: { id: videoId, groundTruth: { nodes: rows } } } });
    res.writeHead(200, { 'content-type': 'application/json', 'x-sql-statements': '1' }).end(body);
  } catch (err) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
  }
});
server.listen(port, '127.0.0.1', () => console.log(`floor serving at http://127.0.0.1:${port}/ground-truth`));
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close();
    void sql.end({ timeout: 5 }).then(() => process.exit(0));
  });
}
