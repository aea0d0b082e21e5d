// Writes to projects. The insert trigger creates the project's project_stats row.
import { sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { columnList } from '../params.js';
import { projects as p, type ProjectRow } from '../schema.js';
import { Statement } from '../statement.js';
import { projectColumns } from './project.queries.js';

const insert = new Statement(sql`/* insertProject */ INSERT INTO ${p} ${columnList(p.name, p.description)}
  VALUES (${sql.placeholder('name')}::text, ${sql.placeholder('description')}::text) RETURNING ${projectColumns}`);

export async function insertProject(db: Queryable, name: string, description: string | null): Promise<ProjectRow> {
  const [row] = await insert.run<ProjectRow>(db, { name, description });
  return row;
}

const lockKey = new Statement(sql`/* lockProjectKey */ SELECT ${p.id} FROM ${p} WHERE ${p.id} = ${sql.placeholder('id')}::uuid FOR KEY SHARE`);

/** Whether the project exists, holding it (KEY SHARE) until commit so it cannot vanish under a child insert. */
export async function lockProjectKey(db: Queryable, id: string): Promise<boolean> {
  const rows = await lockKey.run(db, { id });
  return rows.length > 0;
}
