// createLoaders: one set of DataLoaders per request, closing over the request's database handle,
// the caller's scope and the cache-tag recorder. Nothing DataLoader lives at module level.
import { detectionLoaders } from './detection.loaders.js';
import { groundTruthLoaders } from './ground-truth.loaders.js';
import type { LoaderDeps } from './loader-deps.js';
import { nodeLoaders } from './node.loaders.js';
import { projectLoaders } from './project.loaders.js';
import { testSessionLoaders } from './test-session.loaders.js';
import { videoLoaders } from './video.loaders.js';

export function createLoaders(deps: LoaderDeps) {
  const projects = projectLoaders(deps);
  const videos = videoLoaders(deps, projects.projectStatsById);
  const sessions = testSessionLoaders(deps, projects.projectStatsById);
  return {
    ...projects,
    ...videos,
    ...sessions,
    ...nodeLoaders(deps, { ...projects, ...videos, ...sessions }),
    ...groundTruthLoaders(deps, videos.videoById),
    ...detectionLoaders(deps, sessions.testSessionById),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
export type { LoaderDeps } from './loader-deps.js';
