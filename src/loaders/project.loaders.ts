// Projects: scoped lookups by id, the caller's project list, and the maintained dashboard counters.
import { absentTags, projectListTags, tags } from '../cache/cache-tags.js';
import { projectCount, projectPage, projectsByIds, projectStatsByIds, type ProjectWithStats } from '../db/queries/project.queries.js';
import type { ProjectRow, ProjectStatsRow } from '../db/schema.js';
import { byIdLoader, perArgsLoader } from './batch.js';
import type { LoaderDeps, WithTs } from './loader-deps.js';
import { cursorLists } from './cursor.js';
import { toPage, type Page, type PageWindow } from './page.js';
import { TaggedLoader, type TagsOf } from './tagged-loader.js';

/** Which counters of the project_stats row a consumer shows: each group has a tag of its own. */
export type CounterGroup = 'all' | 'videos' | 'sessions';

/** What a consumer of the counters needs: a load that also tags the response with what it shows. */
export interface ProjectStatsLoader {
  load(projectId: string, shows?: CounterGroup): Promise<ProjectStatsRow | null>;
  /** The counters the project's row brought, at once (tags recorded), when load() would give those. */
  peek(projectId: string, shows?: CounterGroup): ProjectStatsRow | undefined;
}

const counterTags: Record<CounterGroup, TagsOf<string, ProjectStatsRow | null>> = {
  all: (_, id) => [tags.projectVideoCounts(id), tags.projectSessionCounts(id), tags.projectStats(id)],
  videos: (_, id) => [tags.projectVideoCounts(id)],
  sessions: (_, id) => [tags.projectSessionCounts(id)],
};

export function projectLoaders({ db, scope, record, waves }: LoaderDeps) {
  // Project rows arrive with their counters, which prime this loader; a consumer records only the
  // counters it shows: a video page's totalCount is not invalidated by every box written to the
  // project, nor a response without counters at all.
  const stats = new TaggedLoader(
    byIdLoader(waves, (ids) => projectStatsByIds(db, ids), (row) => row.projectId),
    record,
    counterTags.all,
  );
  // The views that record part of the counters' tags are made on first use: a dashboard needs neither.
  const statsViews: CounterViews = { all: stats };
  // Methods and module functions, not closures bound to names, in what is built per request: tsx
  // names each such closure with a defineProperty call (test/http/hit-path-names.test.ts).
  const projectStatsById: ProjectStatsLoader = {
    load(projectId, shows = 'all') {
      return counterView(statsViews, shows).load(projectId);
    },
    peek(projectId, shows = 'all') {
      return counterView(statsViews, shows).peek(projectId) ?? undefined;
    },
  };

  const projectById = new TaggedLoader(
    byIdLoader<ProjectRow>(waves, (ids) => projectsByIds(db, scope, ids).then((rows) => withStats(stats, rows))),
    record,
    (row: ProjectRow | null, id) => (row ? [tags.project(row.id)] : absentTags.project(scope, id)),
  );

  // The project list's loader is made on its first page: most requests read projects by id.
  let projectPageByArgs: TaggedLoader<PageWindow<[number, string]>, Page<ProjectRow>> | undefined;
  return {
    projectById,
    projectStatsById,
    projectList(window: PageWindow<[number, string]>): Promise<Page<ProjectRow>> {
      return (projectPageByArgs ??= projectPageLoader({ db, scope, record, waves }, stats, projectById)).load(window);
    },
  };
}

function projectPageLoader({ db, scope, record, waves }: LoaderDeps, stats: CountersLoader, projectById: TaggedLoader<string, ProjectRow | null>) {
  return new TaggedLoader(
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
}

type CountersLoader = TaggedLoader<string, ProjectStatsRow | null>;
type CounterViews = Partial<Record<CounterGroup, CountersLoader>> & { all: CountersLoader };

function counterView(views: CounterViews, shows: CounterGroup): CountersLoader {
  return (views[shows] ??= views.all.withTags(counterTags[shows]));
}

/** Primes the counters loader with the counters the rows arrived with. */
function withStats(stats: CountersLoader, rows: ProjectWithStats[]): ProjectRow[] {
  for (const row of rows) if (row._stats) stats.prime(row.id, row._stats);
  return rows;
}
