// Relay-style connection fields over a loader Page: nodes, edges, pageInfo and a lazy totalCount.
import type { ProjectRow, TestSessionRow, VideoRow } from '../db/schema.js';
import type { DetectionEventModel } from '../db/queries/detection.queries.js';
import type { GroundTruthObjectModel } from '../db/queries/ground-truth.queries.js';
import type { Page } from '../loaders/page.js';

export type ConnectionModel<T> = Page<T>;

export const connectionResolvers = {
  nodes: <T>(page: Page<T>) => page.rows,
  edges: <T>(page: Page<T>) => page.rows.map((node) => ({ cursor: page.cursorOf(node), node })),
  pageInfo: <T>(page: Page<T>) => ({
    hasNextPage: page.hasNextPage,
    hasPreviousPage: page.hasPreviousPage,
    startCursor: page.rows.length ? page.cursorOf(page.rows[0]) : null,
    endCursor: page.rows.length ? page.cursorOf(page.rows[page.rows.length - 1]) : null,
  }),
  totalCount: <T>(page: Page<T>) => page.totalCount(),
};

// Connection mappers for codegen (codegen.ts), one per listed type.
export type ProjectConnectionModel = Page<ProjectRow>;
export type VideoConnectionModel = Page<VideoRow>;
export type GroundTruthConnectionModel = Page<GroundTruthObjectModel>;
export type TestSessionConnectionModel = Page<TestSessionRow>;
export type DetectionConnectionModel = Page<DetectionEventModel>;
