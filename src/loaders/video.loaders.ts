// Videos: scoped lookups by id, and newest-first pages per project batched over every project of a
// response. totalCount comes from the maintained project counters unless a filter needs a COUNT.
import { tags } from '../cache/cache-tags.js';
import { videoCountsByProjects, videoPagesByProjects, videosByIds, type VideoFilter } from '../db/queries/video.queries.js';
import type { ProjectStatsRow, VideoRow } from '../db/schema.js';
import { byIdLoader, countsOf, groupBy, perParentLoader } from './batch.js';
import type { ProjectStatsLoader } from './project.loaders.js';
import type { LoaderDeps, WithTs } from './loader-deps.js';
import { recordRows, toPage } from './page.js';

export interface VideoPageArgs {
  filter: VideoFilter;
  first: number;
  after: [number, string] | null;
}

function countFromStats(stats: ProjectStatsRow | null, filter: VideoFilter): number {
  if (!stats) return 0;
  const byStatus = {
    uploaded: stats.videosUploaded,
    processing: stats.videosProcessing,
    completed: stats.videosCompleted,
    failed: stats.videosFailed,
  };
  return filter.status ? byStatus[filter.status] : Object.values(byStatus).reduce((a, b) => a + b, 0);
}

export function videoLoaders(
  { db, scope, record, waves }: LoaderDeps,
  projectStatsById: ProjectStatsLoader,
) {
  const videoById = byIdLoader(waves, (ids) => {
    for (const id of ids) record(tags.video(id));
    return videosByIds(db, scope, ids);
  });

  const videoCountByProject = perParentLoader(waves, async (parents, filter: VideoFilter) =>
    countsOf(await videoCountsByProjects(db, parents, filter)),
  );

  const videoPageByProject = perParentLoader(waves, async (parents, args: VideoPageArgs) => {
    for (const p of parents) record(tags.videosOf(p));
    const rows = (await videoPagesByProjects(db, parents, args.filter, args.first + 1, args.after ?? undefined)) as WithTs<VideoRow>[];
    for (const row of rows) videoById.prime(row.id, row);
    const pages = groupBy(rows, (r) => r.projectId);
    return (parent: string) =>
      recordRows(
        toPage(pages(parent), args.first, args.after, (r) => [r._ts, r.id], async () =>
          args.filter.groundTruthGenerated === undefined
            ? countFromStats(await projectStatsById.load(parent, 'videos'), args.filter)
            : videoCountByProject.load({ parent, args: args.filter }),
        ),
        record,
        (r) => tags.video(r.id),
      );
  });

  return { videoById, videoPageByProject };
}
