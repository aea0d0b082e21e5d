// Ground truth: pages per video (frame, confidence desc, id), filtered counts and per-video stats.
import { tags } from '../cache/cache-tags.js';
import {
  groundTruthCountsByVideos,
  groundTruthPagesByVideos,
  groundTruthStatsByVideos,
  type GroundTruthObjectModel,
  type GroundTruthFilter,
  type GroundTruthStatsRow,
} from '../db/queries/ground-truth.queries.js';
import type { VideoRow } from '../db/schema.js';
import { countsOf, groupBy, perParentLoader } from './batch.js';
import type { LoaderDeps } from './loader-deps.js';
import { cursorLists } from './cursor.js';
import { toPage, type Page, type PageWindow } from './page.js';
import { TaggedLoader } from './tagged-loader.js';

export interface GroundTruthPageArgs {
  filter: GroundTruthFilter;
  window: PageWindow<[number, number, string]>;
}

/** The count the video row already carries (maintained by triggers), when the filter allows. */
function countFromVideo(video: VideoRow | null, filter: GroundTruthFilter): number | undefined {
  const { minConfidence, validated, ...rest } = filter;
  // Confidence is CHECKed to [0, 1], so a minimum of 0 or below filters nothing.
  if (!video || (minConfidence ?? 0) > 0 || Object.values(rest).some((v) => v !== undefined)) return undefined;
  if (validated === undefined) return video.groundTruthCount;
  return validated ? video.groundTruthValidated : video.groundTruthCount - video.groundTruthValidated;
}

// Boxes have no tag of their own: every write of a box reports its video's ground-truth tag.
function ofVideo(_: unknown, key: { parent: string }): string[] {
  return [tags.groundTruthOf(key.parent)];
}

export function groundTruthLoaders({ db, record, waves }: LoaderDeps, videoById: TaggedLoader<string, VideoRow | null>) {
  const groundTruthCountByVideo = new TaggedLoader(
    perParentLoader(waves, async (parents, filter: GroundTruthFilter) => countsOf(await groundTruthCountsByVideos(db, parents, filter))),
    record,
    ofVideo,
  );

  const groundTruthPageByVideo = new TaggedLoader(
    perParentLoader(waves, async (parents, args: GroundTruthPageArgs) => {
      const rows = await groundTruthPagesByVideos(db, parents, args.filter, args.window.size + 1, args.window);
      const pages = groupBy(rows, (r) => r.videoId, parents);
      return (parent: string): Page<GroundTruthObjectModel> =>
        toPage(pages(parent), args.window, cursorLists.groundTruthOfVideo(parent), (r) => [r.frameNumber, r.confidence, r.id], async () =>
          countFromVideo(await videoById.load(parent), args.filter) ?? groundTruthCountByVideo.load({ parent, args: args.filter }),
        );
    }),
    record,
    ofVideo,
  );

  const groundTruthStatsByVideo = new TaggedLoader(
    perParentLoader(waves, async (parents, minConfidence: number | null) => {
      const rows = await groundTruthStatsByVideos(db, parents, minConfidence ?? undefined);
      const byVideo = new Map(rows.map((r) => [r.videoId, r]));
      return (parent: string): GroundTruthStatsRow =>
        byVideo.get(parent) ?? { videoId: parent, totalObjects: 0, avgConfidence: null, uniqueClasses: 0, validatedCount: 0 };
    }),
    record,
    ofVideo,
  );

  return { groundTruthPageByVideo, groundTruthStatsByVideo };
}
