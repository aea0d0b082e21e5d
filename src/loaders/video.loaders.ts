// Videos: scoped lookups by id, and newest-first pages per project batched over every project of a
// response. totalCount comes from the maintained project counters unless a filter needs a COUNT.
import { absentTags, tags } from '../cache/cache-tags.js';
import { videoCountsByProjects, videoPagesByProjects, videosByIds, type VideoFilter } from '../db/queries/video.queries.js';
import type { ProjectStatsRow, VideoRow } from '../db/schema.js';
import { byIdLoader, countsOf, groupBy, perParentLoader, rowId } from './batch.js';
import type { ProjectStatsLoader } from './project.loaders.js';
import type { LoaderDeps, WithTs } from './loader-deps.js';
import { cursorLists } from './cursor.js';
import { toPage, type Page, type PageWindow } from './page.js';
import { TaggedLoader } from './tagged-loader.js';

export interface VideoPageArgs {
  filter: VideoFilter;
  window: PageWindow<[number, string]>;
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
  const videoById = new TaggedLoader(
    byIdLoader(waves, (ids) => videosByIds(db, scope, ids)),
    record,
    (row: VideoRow | null, id) => (row ? [tags.video(row.id)] : absentTags.video(scope, id)),
  );

  const videoCountByProject = new TaggedLoader(
    perParentLoader(waves, async (parents, filter: VideoFilter) => countsOf(await videoCountsByProjects(db, parents, filter))),
    record,
    (_, key) => [tags.videosOf(key.parent)],
  );

  const videoPageByProject = new TaggedLoader(
    perParentLoader(waves, async (parents, args: VideoPageArgs) => {
      const rows = (await videoPagesByProjects(db, parents, args.filter, args.window.size + 1, args.window)) as WithTs<VideoRow>[];
      const pages = groupBy(rows, (r) => r.projectId, parents);
      return (parent: string) => {
        const page = toPage(pages(parent), args.window, cursorLists.videosOfProject(parent), (r) => [r._ts, r.id], async () =>
          args.filter.groundTruthGenerated === undefined
            ? countFromStats(await projectStatsById.load(parent, 'videos'), args.filter)
            : videoCountByProject.load({ parent, args: args.filter }),
        );
        // Only the rows the page shows; its look-ahead row is left to a lookup of its own.
        videoById.primeAll(page.rows, rowId);
        return page;
      };
    }),
    record,
    (page: Page<VideoRow>, key) => [tags.videosOf(key.parent), ...page.rows.map((r) => tags.video(r.id))],
  );

  return { videoById, videoPageByProject };
}
