// Projects: scoped lookups by id, the caller's project list, and the maintained dashboard counters.
import { absentTags, projectListTags, tags } from '../cache/cache-tags.js';
import { projectCount, projectPage, projectsByIds, projectStatsByIds, type ProjectWithStats } from '../db/queries/project.queries.js';
import type { ProjectRow, ProjectStatsRow } from '../db/schema.js';
import { byIdLoader, perArgsLoader } from './batch.js';
import type { LoaderDeps, WithTs } from './loader-deps.js';
import { cursorLists } from './cursor.js';
import { toPage, type Page, type PageWindow } from './page.js';
import { TaggedLoader } from './tagged-loader.js';

/** Which counters of the project_stats row a consumer shows: each group has a tag of its own. */
export type CounterGroup = 'all' | 'videos' | 'sessions';

/** What a consumer of the counters needs: a load that also tags the response with what it shows. */
export interface ProjectStatsLoader {
  load(projectId: string, shows?: CounterGroup): Promise<ProjectStatsRow | null>;
}

const counterTags: Record<CounterGroup, (projectId: string) => string[]> = {
  all: (id) => [tags.projectVideoCounts(id), tags.projectSessionCounts(id), tags.projectStats(id)],
  videos: (id) => [tags.projectVideoCounts(id)],
  sessions: (id) => [tags.projectSessionCounts(id)],
};

export function projectLoaders({ db, scope, record, waves }: LoaderDeps) {
  // Project rows arrive with their counters, which prime this loader; a consumer records only the
  // counters it shows: a video page's totalCount is not invalidated by every box written to the
  // project, nor a response without counters at all.
  const stats = new TaggedLoader(
    byIdLoader(waves, (ids) => projectStatsByIds(db, ids), (row) => row.projectId),
    record,
    (_, id) => counterTags.all(id),
  );
  const statsViews = {
    all: stats,
    videos: stats.withTags((_, id) => counterTags.videos(id)),
    sessions: stats.withTags((_, id) => counterTags.sessions(id)),
  };
  // Methods and module functions, not closures bound to names, in what is built per request: tsx
  // names each such closure with a defineProperty call (test/http/hit-path-names.test.ts).
  const projectStatsById: ProjectStatsLoader = {
    load(projectId, shows = 'all') {
      return statsViews[shows].load(projectId);
    },
  };

  const projectById = new TaggedLoader(
    byIdLoader<ProjectRow>(waves, (ids) => projectsByIds(db, scope, ids).then((rows) => withStats(stats, rows))),
    record,
    (row: ProjectRow | null, id) => (row ? [tags.project(row.id)] : absentTags.project(scope, id)),
  );

  const projectPageByArgs = new TaggedLoader(
    perArgsLoader(waves, async (window: PageWindow<[number, string]>) => {
      const rows = (await projectPage(db, scope, window.size + 1, window)) as WithTs<ProjectWithStats>[];
      const page = toPage(rows, window, cursorLists.projects(), (r) => [r._ts, r.id], () => projectCount(db, scope));
      // Only the rows the page shows; its look-ahead row is left to a lookup of its own.
      for (const row of withStats(stats, page.rows)) projectById.prime(row.id, row);
      return page;
    }),
    record,
    (page: Page<ProjectRow>) => [...projectListTags(scope), ...page.rows.map((r) => tags.project(r.id))],
  );

  return {
    projectById,
    projectStatsById,
    projectList(window: PageWindow<[number, string]>): Promise<Page<ProjectRow>> {
      return projectPageByArgs.load(window);
    },
  };
}

/** Primes the counters loader with the counters the rows arrived with. */
function withStats(stats: TaggedLoader<string, ProjectStatsRow | null>, rows: ProjectWithStats[]): ProjectRow[] {
  for (const row of rows) if (row._stats) stats.prime(row.id, row._stats);
  return rows;
}
