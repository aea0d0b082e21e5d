// Detection events: pages per test session ordered by (timestamp, id), and filtered counts.
import { tags } from '../cache/cache-tags.js';
import { detectionCountsBySessions, detectionPagesBySessions, type DetectionFilter } from '../db/queries/detection.queries.js';
import type { TestSessionRow } from '../db/schema.js';
import type { DetectionEventModel } from '../db/queries/detection.queries.js';
import { countsOf, groupBy, perParentLoader } from './batch.js';
import type { LoaderDeps } from './loader-deps.js';
import { cursorLists } from './cursor.js';
import { toPage, type Page, type PageWindow } from './page.js';
import { TaggedLoader } from './tagged-loader.js';

export interface DetectionPageArgs {
  filter: DetectionFilter;
  window: PageWindow<[number, string]>;
}

/** Counts the session row already carries (maintained by triggers), when the filter allows. */
function countFromSession(session: TestSessionRow | null, filter: DetectionFilter): number | undefined {
  const { validationResult, minConfidence, ...rest } = filter;
  // Confidence is CHECKed to [0, 1], so a minimum of 0 or below filters nothing.
  if (!session || (minConfidence ?? 0) > 0 || Object.values(rest).some((v) => v !== undefined)) return undefined;
  const byResult = {
    TP: session.detectionsTp,
    FP: session.detectionsFp,
    FN: session.detectionsFn,
    PENDING: session.detectionsPending,
  };
  return validationResult ? byResult[validationResult] : byResult.TP + byResult.FP + byResult.FN + byResult.PENDING;
}

// Detections have no tag of their own: every write of one reports its session's detections tag.
function ofSession(_: unknown, key: { parent: string }): string[] {
  return [tags.detectionsOf(key.parent)];
}

export function detectionLoaders({ db, record, waves }: LoaderDeps, testSessionById: TaggedLoader<string, TestSessionRow | null>) {
  const detectionCountBySession = new TaggedLoader(
    perParentLoader(waves, async (parents, filter: DetectionFilter) => countsOf(await detectionCountsBySessions(db, parents, filter))),
    record,
    ofSession,
  );

  const detectionPageBySession = new TaggedLoader(
    perParentLoader(waves, async (parents, args: DetectionPageArgs) => {
      const rows = await detectionPagesBySessions(db, parents, args.filter, args.window.size + 1, args.window);
      const pages = groupBy(rows, (r) => r.testSessionId, parents);
      return (parent: string): Page<DetectionEventModel> =>
        toPage(pages(parent), args.window, cursorLists.detectionsOfSession(parent), (r) => [r.timestamp, r.id], async () =>
          countFromSession(await testSessionById.load(parent), args.filter) ??
          detectionCountBySession.load({ parent, args: args.filter }),
        );
    }),
    record,
    ofSession,
  );

  return { detectionPageBySession };
}
