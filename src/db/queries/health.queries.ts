// SQL behind the health endpoints and the pool gauges: a round trip, the server version, and the
// connections the server sees from this app.
import type { Queryable } from '../client.js';

export async function selectOne(db: Queryable): Promise<void> {
  await db.query(`/* healthSelectOne */ SELECT 1`);
}

export async function serverVersion(db: Queryable): Promise<string> {
  const [row] = await db.query<{ v: string }>(`/* serverVersion */ SELECT current_setting('server_version') AS v`);
  return row.v;
}

/** Connections of this application (application_name=truthgraph) to the current database. */
export async function connectionsOpen(db: Queryable): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `/* connectionsOpen */ SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE application_name = 'truthgraph' AND datname = current_database()`,
  );
  return row.n;
}
