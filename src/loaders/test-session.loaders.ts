// Test sessions: scoped lookups by id, pages per project, and each video's list of sessions.
import { absentTags, tags } from '../cache/cache-tags.js';
import {
  testSessionPagesByProjects,
  testSessionsByIds,
  testSessionsByVideos,
  type TestSessionStatusValue,
} from '../db/queries/test-session.queries.js';
import type { ProjectStatsRow, TestSessionRow } from '../db/schema.js';
import { byIdLoader, groupBy, perParentLoader, rowId } from './batch.js';
import type { ProjectStatsLoader } from './project.loaders.js';
import type { LoaderDeps, WithTs } from './loader-deps.js';
import { cursorLists } from './cursor.js';
import { toPage, type Page, type PageWindow } from './page.js';
import { TaggedLoader } from './tagged-loader.js';

export interface TestSessionListArgs {
  status: TestSessionStatusValue | null;
  first: number;
}

export interface TestSessionPageArgs {
  status: TestSessionStatusValue | null;
  window: PageWindow<[number, string]>;
}

function countFromStats(stats: ProjectStatsRow | null, status: TestSessionStatusValue | null): number {
  if (!stats) return 0;
  const byStatus = { running: stats.sessionsRunning, completed: stats.sessionsCompleted, failed: stats.sessionsFailed };
  return status ? byStatus[status] : byStatus.running + byStatus.completed + byStatus.failed;
}

export function testSessionLoaders(
  { db, scope, record, waves }: LoaderDeps,
  projectStatsById: ProjectStatsLoader,
) {
  const testSessionById = new TaggedLoader(
    byIdLoader(waves, (ids) => testSessionsByIds(db, scope, ids)),
    record,
    (row: TestSessionRow | null, id) => (row ? [tags.session(row.id)] : absentTags.session(scope, id)),
  );

  const testSessionPageByProject = new TaggedLoader(
    perParentLoader(waves, async (parents, args: TestSessionPageArgs) => {
      const rows = (await testSessionPagesByProjects(db, parents, args.status ?? undefined, args.window.size + 1, args.window)) as WithTs<TestSessionRow>[];
      const pages = groupBy(rows, (r) => r.projectId, parents);
      return (parent: string) => {
        const page = toPage(pages(parent), args.window, cursorLists.sessionsOfProject(parent), (r) => [r._ts, r.id], async () =>
          countFromStats(await projectStatsById.load(parent, 'sessions'), args.status),
        );
        // Only the rows the page shows; its look-ahead row is left to a lookup of its own.
        testSessionById.primeAll(page.rows, rowId);
        return page;
      };
    }),
    record,
    (page: Page<TestSessionRow>, key) => [tags.sessionsOfProject(key.parent), ...page.rows.map((r) => tags.session(r.id))],
  );

  const testSessionsByVideo = new TaggedLoader(
    perParentLoader(waves, async (parents, args: TestSessionListArgs) => {
      const rows = await testSessionsByVideos(db, parents, args.status ?? undefined, args.first);
      testSessionById.primeAll(rows, rowId);
      return groupBy(rows, (r) => r.videoId, parents);
    }),
    record,
    (sessions: TestSessionRow[], key) => [tags.sessionsOfVideo(key.parent), ...sessions.map((s) => tags.session(s.id))],
  );

  return { testSessionById, testSessionPageByProject, testSessionsByVideo };
}
