// Ground truth: pages per video (frame, confidence desc, id), filtered counts and per-video stats.
import { tags } from '../cache/cache-tags.js';
import {
  groundTruthCountsByVideos,
  groundTruthPagesByVideos,
  groundTruthStatsByVideos,
  type GroundTruthFilter,
  type GroundTruthStatsRow,
} from '../db/queries/ground-truth.queries.js';
import type { GroundTruthObjectRow } from '../db/schema.js';
import { countsOf, groupBy, perParentLoader } from './batch.js';
import type { LoaderDeps } from './loader-deps.js';
import { toPage } from './page.js';

export interface GroundTruthPageArgs {
  filter: GroundTruthFilter;
  first: number;
  after: [number, number, string] | null;
}

export function groundTruthLoaders({ db, record, waves }: LoaderDeps) {
  const groundTruthCountByVideo = perParentLoader(waves, async (parents, filter: GroundTruthFilter) =>
    countsOf(await groundTruthCountsByVideos(db, parents, filter)),
  );

  const groundTruthPageByVideo = perParentLoader(waves, async (parents, args: GroundTruthPageArgs) => {
    for (const p of parents) record(tags.groundTruthOf(p));
    const rows = await groundTruthPagesByVideos(db, parents, args.filter, args.first + 1, args.after ?? undefined);
    const pages = groupBy<GroundTruthObjectRow & { _parent: string }>(rows, (r) => r._parent);
    return (parent: string) =>
      toPage(pages(parent), args.first, (r) => [r.frameNumber, r.confidence, r.id], () =>
        groundTruthCountByVideo.load({ parent, args: args.filter }),
      );
  });

  const groundTruthStatsByVideo = perParentLoader(waves, async (parents, minConfidence: number | null) => {
    for (const p of parents) record(tags.groundTruthOf(p));
    const rows = await groundTruthStatsByVideos(db, parents, minConfidence ?? undefined);
    const byVideo = new Map(rows.map((r) => [r.videoId, r]));
    return (parent: string): GroundTruthStatsRow =>
      byVideo.get(parent) ?? { videoId: parent, totalObjects: 0, avgConfidence: null, uniqueClasses: 0, validatedCount: 0 };
  });

  return { groundTruthPageByVideo, groundTruthStatsByVideo };
}
