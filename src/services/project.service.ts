// Creating projects: an admin's act (src/graphql/mutation-roles.ts); a member gets access to a project
// through a grant (npm run keys). The insert trigger adds the project's dashboard counters.
import { writeTags } from '../cache/cache-tags.js';
import { insertProject } from '../db/queries/project.mutations.js';
import type { ProjectRow } from '../db/schema.js';
import { BatchProblems } from './batch-problems.js';
import type { WriteDeps, WriteResult } from './run-write.js';

export interface CreateProjectInput {
  name: string;
  description?: string | null;
}

export async function createProject(deps: WriteDeps, input: CreateProjectInput): Promise<WriteResult<ProjectRow>> {
  const problems = new BatchProblems();
  problems.text(0, 'name', input.name, 1, 200);
  if (input.description != null) problems.text(0, 'description', input.description, 0, 10_000);
  problems.throwIfAny('input', 1);
  const project = await deps.db.transaction((tx) => insertProject(tx, input.name, input.description ?? null));
  return { value: project, changedTags: writeTags.createProject(project.id) };
}
