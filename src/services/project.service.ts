// Creating projects. Any authenticated caller may create one; a member key becomes a writer of the
// project in the same transaction (its next request resolves the wider scope), and the insert
// trigger adds the project's dashboard counters.
import { grantProjectWrite } from '../auth/api-keys.js';
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
  const { scope } = deps;
  const project = await deps.db.transaction(async (tx) => {
    const created = await insertProject(tx, input.name, input.description ?? null);
    if (scope.keyId && !scope.admin) await grantProjectWrite(tx, scope.keyId, created.id);
    return created;
  });
  return { value: project, changedTags: writeTags.createProject(project.id) };
}
