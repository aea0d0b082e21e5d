// Creating projects. Any authenticated caller may create one (the security work grants the creating
// key write access to it); the insert trigger adds its dashboard counters.
import { tags } from '../cache/cache-tags.js';
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
  return { value: project, changedTags: [tags.projectList(), tags.project(project.id), tags.projectStats(project.id)] };
}
