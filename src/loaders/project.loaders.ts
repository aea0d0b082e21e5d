// Projects: scoped lookups by id, the caller's project list, and the maintained dashboard counters.
import { tags } from '../cache/cache-tags.js';
import { projectCount, projectPage, projectsByIds, projectStatsByIds, type ProjectWithStats } from '../db/queries/project.queries.js';
import type { ProjectRow, ProjectStatsRow } from '../db/schema.js';
import { byIdLoader } from './batch.js';
import type { LoaderDeps, WithTs } from './loader-deps.js';
import { toPage, type Page } from './page.js';

/** Which counters of the project_stats row a consumer shows: each group has a tag of its own. */
export type CounterGroup = 'all' | 'videos' | 'sessions';

/** What a consumer of the counters needs: a load that also tags the response with what it shows. */
export interface ProjectStatsLoader {
  load(projectId: string, shows?: CounterGroup): Promise<ProjectStatsRow | null>;
}

export function projectLoaders({ db, scope, record, waves }: LoaderDeps) {
  const statsLoader = byIdLoader(waves, (ids) => projectStatsByIds(db, ids), (row) => row.projectId);
  // Project rows arrive with their counters, which prime this loader; the tags are recorded when a
  // resolver actually reads them, and only for the counters it shows: a video page's totalCount is
  // not invalidated by every box written to the project, nor a response without counters at all.
  const projectStatsById: ProjectStatsLoader = {
    load(projectId, shows = 'all') {
      if (shows !== 'sessions') record(tags.projectVideoCounts(projectId));
      if (shows !== 'videos') record(tags.projectSessionCounts(projectId));
      if (shows === 'all') record(tags.projectStats(projectId));
      return statsLoader.load(projectId);
    },
  };
  const withStats = (rows: ProjectWithStats[]): ProjectRow[] => {
    for (const row of rows) if (row._stats) statsLoader.prime(row.id, row._stats);
    return rows;
  };

  const projectById = byIdLoader(waves, async (ids) => {
    for (const id of ids) record(tags.project(id));
    return withStats(await projectsByIds(db, scope, ids));
  });

  async function projectList(first: number, after?: [number, string]): Promise<Page<ProjectRow>> {
    record(tags.projectList());
    const rows = withStats(await projectPage(db, scope, first + 1, after)) as WithTs<ProjectRow>[];
    for (const row of rows) projectById.prime(row.id, row);
    return toPage(rows, first, after, (r) => [r._ts, r.id], () => projectCount(db, scope));
  }

  return { projectById, projectStatsById, projectList };
}
