// Writes to projects. The insert trigger creates the project's project_stats row.
import { fillPlaceholders, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Param, Queryable } from '../client.js';
import { projects as p, type ProjectRow } from '../schema.js';
import { projectColumns } from './project.queries.js';

const dialect = new PgDialect();

const insertStatement = dialect.sqlToQuery(sql`/* insertProject */ INSERT INTO ${p} (${sql.identifier(p.name.name)}, ${sql.identifier(p.description.name)})
  VALUES (${sql.placeholder('name')}::text, ${sql.placeholder('description')}::text) RETURNING ${projectColumns}`);

export async function insertProject(db: Queryable, name: string, description: string | null): Promise<ProjectRow> {
  const [row] = await db.query<ProjectRow>(insertStatement.sql, fillPlaceholders(insertStatement.params, { name, description }) as Param[]);
  return row;
}

/** Whether the project exists, holding it (KEY SHARE) until commit so it cannot vanish under a child insert. */
export async function lockProjectKey(db: Queryable, id: string): Promise<boolean> {
  const rows = await db.query(`/* lockProjectKey */ SELECT id FROM projects WHERE id = $1::uuid FOR KEY SHARE`, [id]);
  return rows.length > 0;
}
