// Projects: scoped lookups by id, the caller's project list, and the maintained dashboard counters.
import { tags } from '../cache/cache-tags.js';
import { projectCount, projectPage, projectsByIds, projectStatsByIds } from '../db/queries/project.queries.js';
import type { ProjectRow } from '../db/schema.js';
import { byIdLoader } from './batch.js';
import type { LoaderDeps, WithTs } from './loader-deps.js';
import { toPage, type Page } from './page.js';

export function projectLoaders({ db, scope, record, waves }: LoaderDeps) {
  const projectById = byIdLoader(waves, (ids) => {
    for (const id of ids) record(tags.project(id));
    return projectsByIds(db, scope, ids);
  });

  const projectStatsById = byIdLoader(waves, 
    (ids) => {
      for (const id of ids) record(tags.projectStats(id));
      return projectStatsByIds(db, ids);
    },
    (row) => row.projectId,
  );

  async function projectList(first: number, after?: [number, string]): Promise<Page<ProjectRow>> {
    record(tags.projectList());
    const rows = (await projectPage(db, scope, first + 1, after)) as WithTs<ProjectRow>[];
    for (const row of rows) projectById.prime(row.id, row);
    return toPage(rows, first, after, (r) => [r._ts, r.id], () => projectCount(db, scope));
  }

  return { projectById, projectStatsById, projectList };
}
