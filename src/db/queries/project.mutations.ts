// Writes to projects. The insert trigger creates the project's project_stats row.
import type { Queryable } from '../client.js';
import type { ProjectRow } from '../schema.js';
import { projectColumns } from './project.queries.js';

export async function insertProject(db: Queryable, name: string, description: string | null): Promise<ProjectRow> {
  const [row] = await db.query<ProjectRow>(
    `/* insertProject */ INSERT INTO projects AS p (name, description) VALUES ($1::text, $2::text) RETURNING ${projectColumns}`,
    [name, description],
  );
  return row;
}

/** Whether the project exists, holding it (KEY SHARE) until commit so it cannot vanish under a child insert. */
export async function lockProjectKey(db: Queryable, id: string): Promise<boolean> {
  const rows = await db.query(`/* lockProjectKey */ SELECT id FROM projects WHERE id = $1::uuid FOR KEY SHARE`, [id]);
  return rows.length > 0;
}
