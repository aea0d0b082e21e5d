// createLoaders: one set of DataLoaders per request, closing over the request's database handle,
// the caller's scope and the cache-tag recorder. Nothing DataLoader lives at module level.
// Each entity's loaders are built on the first read of one of them: a request reads one or two
// entities, and building all ~25 loaders with their closures for every request was ~5 % of a small
// read's CPU. Dependencies between groups (videos use the project counters, …) resolve the same way.
import { detectionLoaders } from './detection.loaders.js';
import { evaluationLoaders } from './evaluation.loaders.js';
import { groundTruthLoaders } from './ground-truth.loaders.js';
import type { LoaderDeps } from './loader-deps.js';
import { nodeLoaders } from './node.loaders.js';
import { projectLoaders } from './project.loaders.js';
import { testSessionLoaders } from './test-session.loaders.js';
import { videoLoaders } from './video.loaders.js';

export class Loaders {
  #projects?: ReturnType<typeof projectLoaders>;
  #videos?: ReturnType<typeof videoLoaders>;
  #sessions?: ReturnType<typeof testSessionLoaders>;
  #nodes?: ReturnType<typeof nodeLoaders>;
  #groundTruth?: ReturnType<typeof groundTruthLoaders>;
  #detections?: ReturnType<typeof detectionLoaders>;
  #evaluations?: ReturnType<typeof evaluationLoaders>;

  constructor(private readonly deps: LoaderDeps) {}

  private get projects() {
    return (this.#projects ??= projectLoaders(this.deps));
  }
  private get videos() {
    return (this.#videos ??= videoLoaders(this.deps, this.projects.projectStatsById));
  }
  private get sessions() {
    return (this.#sessions ??= testSessionLoaders(this.deps, this.projects.projectStatsById));
  }
  private get nodes() {
    return (this.#nodes ??= nodeLoaders(this.deps, this));
  }
  private get groundTruth() {
    return (this.#groundTruth ??= groundTruthLoaders(this.deps, this.videoById));
  }
  private get detections() {
    return (this.#detections ??= detectionLoaders(this.deps, this.testSessionById));
  }
  private get evaluations() {
    return (this.#evaluations ??= evaluationLoaders(this.deps));
  }

  get projectById() {
    return this.projects.projectById;
  }
  get projectStatsById() {
    return this.projects.projectStatsById;
  }
  get projectList() {
    return this.projects.projectList;
  }
  get videoById() {
    return this.videos.videoById;
  }
  get videoPageByProject() {
    return this.videos.videoPageByProject;
  }
  get testSessionById() {
    return this.sessions.testSessionById;
  }
  get testSessionPageByProject() {
    return this.sessions.testSessionPageByProject;
  }
  get testSessionsByVideo() {
    return this.sessions.testSessionsByVideo;
  }
  get nodeById() {
    return this.nodes.nodeById;
  }
  get groundTruthById() {
    return this.nodes.groundTruthById;
  }
  get detectionById() {
    return this.nodes.detectionById;
  }
  get groundTruthPageByVideo() {
    return this.groundTruth.groundTruthPageByVideo;
  }
  get groundTruthStatsByVideo() {
    return this.groundTruth.groundTruthStatsByVideo;
  }
  get detectionPageBySession() {
    return this.detections.detectionPageBySession;
  }
  get evaluationOf() {
    return this.evaluations.evaluationOf;
  }
  get matchOf() {
    return this.evaluations.matchOf;
  }
  get matchedDetectionIdOf() {
    return this.evaluations.matchedDetectionIdOf;
  }
  get meanApOfProject() {
    return this.evaluations.meanApOfProject;
  }
}

export function createLoaders(deps: LoaderDeps): Loaders {
  return new Loaders(deps);
}

export type { LoaderDeps } from './loader-deps.js';
