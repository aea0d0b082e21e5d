// Test sessions: scoped lookups by id, pages per project, and each video's list of sessions.
import { tags } from '../cache/cache-tags.js';
import {
  testSessionPagesByProjects,
  testSessionsByIds,
  testSessionsByVideos,
  type TestSessionStatusValue,
} from '../db/queries/test-session.queries.js';
import type { ProjectStatsRow, TestSessionRow } from '../db/schema.js';
import { byIdLoader, groupBy, perParentLoader } from './batch.js';
import type { ProjectStatsLoader } from './project.loaders.js';
import type { LoaderDeps, WithTs } from './loader-deps.js';
import { recordRows, toPage } from './page.js';

export interface TestSessionPageArgs {
  status: TestSessionStatusValue | null;
  first: number;
  after: [number, string] | null;
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
  const testSessionById = byIdLoader(waves, (ids) => {
    for (const id of ids) record(tags.session(id));
    return testSessionsByIds(db, scope, ids);
  });

  const testSessionPageByProject = perParentLoader(waves, async (parents, args: TestSessionPageArgs) => {
    for (const p of parents) record(tags.sessionsOfProject(p));
    const rows = (await testSessionPagesByProjects(db, parents, args.status ?? undefined, args.first + 1, args.after ?? undefined)) as WithTs<TestSessionRow>[];
    for (const row of rows) testSessionById.prime(row.id, row);
    const pages = groupBy(rows, (r) => r.projectId);
    return (parent: string) =>
      recordRows(
        toPage(pages(parent), args.first, args.after, (r) => [r._ts, r.id], async () =>
          countFromStats(await projectStatsById.load(parent, 'sessions'), args.status),
        ),
        record,
        (r) => tags.session(r.id),
      );
  });

  const testSessionsByVideo = perParentLoader(waves, async (parents, status: TestSessionStatusValue | null) => {
    for (const p of parents) record(tags.sessionsOfVideo(p));
    const rows = await testSessionsByVideos(db, parents, status ?? undefined);
    for (const row of rows) {
      record(tags.session(row.id));
      testSessionById.prime(row.id, row);
    }
    return groupBy(rows, (r) => r.videoId);
  });

  return { testSessionById, testSessionPageByProject, testSessionsByVideo };
}
