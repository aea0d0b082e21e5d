// Relay's node lookups: one scoped statement per batch finds which table holds each id, then the
// row is read through the same per-request by-id loaders (and access checks, and cache tags) as
// every other field. `stats:<projectId>` names a project's dashboard counters.
import { absentTags, tags } from '../cache/cache-tags.js';
import { detectionsByIds } from '../db/queries/detection.queries.js';
import { groundTruthByIds } from '../db/queries/ground-truth.queries.js';
import { nodeTablesByIds } from '../db/queries/node.queries.js';
import type { ProjectRow, ProjectStatsRow, TestSessionRow, VideoRow } from '../db/schema.js';
import type { DetectionEventModel } from '../db/queries/detection.queries.js';
import type { GroundTruthObjectModel } from '../db/queries/ground-truth.queries.js';
import { byIdLoader } from './batch.js';
import type { LoaderDeps } from './loader-deps.js';
import type { ProjectStatsLoader } from './project.loaders.js';
import { TaggedLoader } from './tagged-loader.js';

/** A node id as the API checked it: a row's uuid, or the uuid of the project whose counters it names. */
export type NodeKey = { kind: 'row'; id: string } | { kind: 'stats'; projectId: string };

export type NodeValue =
  | { type: 'Project'; row: ProjectRow }
  | { type: 'Video'; row: VideoRow }
  | { type: 'TestSession'; row: TestSessionRow }
  | { type: 'GroundTruthObject'; row: GroundTruthObjectModel }
  | { type: 'DetectionEvent'; row: DetectionEventModel }
  | { type: 'ProjectStats'; row: ProjectStatsRow };

interface ByIdLoaders {
  projectById: TaggedLoader<string, ProjectRow | null>;
  videoById: TaggedLoader<string, VideoRow | null>;
  testSessionById: TaggedLoader<string, TestSessionRow | null>;
  projectStatsById: ProjectStatsLoader;
}

export function nodeLoaders({ db, scope, record, waves }: LoaderDeps, byId: ByIdLoaders) {
  // A found id records nothing here: the row's own loader records its tags, and a row only leaves
  // its table by a write that reports them.
  const nodeTableById = new TaggedLoader(
    byIdLoader(waves, (ids) => nodeTablesByIds(db, scope, ids)),
    record,
    (found, id) => (found ? [] : absentTags.node(scope, id)),
  );
  const groundTruthById = new TaggedLoader(
    byIdLoader(waves, (ids) => groundTruthByIds(db, scope, ids)),
    record,
    (row: GroundTruthObjectModel | null) => (row ? [tags.groundTruthOf(row.videoId)] : absentTags.groundTruth(scope)),
  );
  const detectionById = new TaggedLoader(
    byIdLoader(waves, (ids) => detectionsByIds(db, scope, ids)),
    record,
    (row: DetectionEventModel | null) => (row ? [tags.detectionsOf(row.testSessionId)] : absentTags.detection(scope)),
  );

  const typed = async <T, N extends NodeValue['type']>(type: N, row: Promise<T | null>) => {
    const value = await row;
    return value === null ? null : ({ type, row: value } as NodeValue);
  };

  async function nodeById(key: NodeKey): Promise<NodeValue | null> {
    if (key.kind === 'stats') {
      // The counters are read only for a project the caller may read.
      if (!(await byId.projectById.load(key.projectId))) return null;
      return typed('ProjectStats', byId.projectStatsById.load(key.projectId));
    }
    const found = await nodeTableById.load(key.id);
    switch (found?.table) {
      case undefined:
        return null;
      case 'project':
        return typed('Project', byId.projectById.load(key.id));
      case 'video':
        return typed('Video', byId.videoById.load(key.id));
      case 'session':
        return typed('TestSession', byId.testSessionById.load(key.id));
      case 'groundTruth':
        return typed('GroundTruthObject', groundTruthById.load(key.id));
      case 'detection':
        return typed('DetectionEvent', detectionById.load(key.id));
    }
  }

  return { nodeById, groundTruthById, detectionById };
}
