// The one vocabulary of cache tags: loaders record the tags of what a response read (`tags`,
// `absentTags`), services report the tags of what a write changed (`writeTags`), and the response
// cache drops every entry carrying a changed tag. Read and write sets live side by side here so they
// cannot drift apart; test/cache/cached-equals-uncached.property.test.ts checks that they do not.
// A list records its list tag (`videos-of:P`) for its membership and order, and the tag of every row
// it shows (`video:V`) for their fields: so a write that only changes a row's fields (a video's
// processing status, its box counters) drops the pages showing that row, not every page of the list.
// Creates, deletes and changes of a field a list filters on report the list tag.
import type { AccessScope } from '../auth/scope.js';

export const tags = {
  /** The admin's project list: every project there is (a new project changes it). */
  allProjects: () => 'projects',
  project: (id: string) => `project:${id}`,
  /** The project's box and detection totals (the dashboard). */
  projectStats: (projectId: string) => `project-stats:${projectId}`,
  /** The project's videos per status: the dashboard and the video pages' totalCount. */
  projectVideoCounts: (projectId: string) => `project-video-counts:${projectId}`,
  /** The project's sessions per status: the dashboard and the session pages' totalCount. */
  projectSessionCounts: (projectId: string) => `project-session-counts:${projectId}`,
  videosOf: (projectId: string) => `videos-of:${projectId}`,
  video: (id: string) => `video:${id}`,
  groundTruthOf: (videoId: string) => `ground-truth-of:${videoId}`,
  sessionsOfProject: (projectId: string) => `sessions-of-project:${projectId}`,
  sessionsOfVideo: (videoId: string) => `sessions-of-video:${videoId}`,
  session: (id: string) => `session:${id}`,
  detectionsOf: (sessionId: string) => `detections-of:${sessionId}`,
  /**
   * Any box / detection written anywhere. Boxes and detections have no tag of their own and may get
   * client-chosen ids, so only these tell an admin's null `node(id)` that such an id now exists.
   */
  anyGroundTruth: () => 'ground-truth',
  anyDetections: () => 'detections',
} as const;

/**
 * The project list of a scope. An admin's list holds every project, so any new project changes it.
 * A member's list holds the projects of its grants: it changes only when its grants change, and that
 * changes its scope id, which is part of the cache key. So it carries the tags of its own projects
 * only, and no other tenant's createProject drops it.
 */
export const projectListTags = (scope: AccessScope): string[] =>
  scope.admin ? [tags.allProjects()] : scope.readable.map(tags.project);

/**
 * Tags of a null answer for an id. A null can turn into a row only when that row is created where the
 * caller can read it, so a member's null carries the list tags of the member's own projects — the same
 * tags for a foreign id as for an unknown one, and tags no write by another tenant touches: foreign
 * and unknown ids stay indistinguishable also through hits and misses over time. An admin reads
 * everything (no id is foreign to it), so its null carries the id's own tag, which the create reports.
 */
export const absentTags = {
  project: (scope: AccessScope, id: string): string[] =>
    // A member sees a project only through a grant (a new scope id, a new key); projects are created
    // with server-chosen ids, so only a granted id that does not exist yet can ever appear.
    scope.admin || scope.readable.includes(id) ? [tags.project(id)] : [],
  video: (scope: AccessScope, id: string): string[] => (scope.admin ? [tags.video(id)] : scope.readable.map(tags.videosOf)),
  session: (scope: AccessScope, id: string): string[] =>
    scope.admin ? [tags.session(id)] : scope.readable.map(tags.sessionsOfProject),
  /** Every box write reports its project's stats tag, so a member's null follows its own projects. */
  groundTruth: (scope: AccessScope): string[] => (scope.admin ? [tags.anyGroundTruth()] : scope.readable.map(tags.projectStats)),
  detection: (scope: AccessScope): string[] => (scope.admin ? [tags.anyDetections()] : scope.readable.map(tags.projectStats)),
  /** `node(id)` answers null only if no table holds the id where the caller can read it. */
  node: (scope: AccessScope, id: string): string[] => [
    ...absentTags.project(scope, id),
    ...absentTags.video(scope, id),
    ...absentTags.session(scope, id),
    ...absentTags.groundTruth(scope),
    ...absentTags.detection(scope),
  ],
};

/** A row of a project: what a write knows of what it changed. */
interface RowKey {
  id: string;
  projectId: string;
}
interface SessionKey extends RowKey {
  videoId: string;
}

/** What each write changes. Services report these after commit; nothing else builds write tags. */
export const writeTags = {
  createProject: (projectId: string) => [tags.allProjects(), tags.project(projectId), tags.projectStats(projectId)],
  /** A new video joins its project's lists and counters. */
  createVideo: (v: RowKey) => [tags.video(v.id), tags.videosOf(v.projectId), tags.projectVideoCounts(v.projectId)],
  /**
   * Pages showing the video carry its tag; only a change of a field lists filter on changes which
   * lists it belongs to, and only a status change moves the project's video counters.
   */
  updateVideo: (v: RowKey, changed: { status: boolean; groundTruthGenerated: boolean }) => [
    tags.video(v.id),
    ...(changed.status || changed.groundTruthGenerated ? [tags.videosOf(v.projectId)] : []),
    ...(changed.status ? [tags.projectVideoCounts(v.projectId)] : []),
  ],
  /** The video, its boxes, its sessions and their detections leave every list and counter. */
  deleteVideo: (v: RowKey, sessionIds: readonly string[]) => [
    ...writeTags.createVideo(v),
    tags.projectStats(v.projectId),
    tags.projectSessionCounts(v.projectId),
    tags.groundTruthOf(v.id),
    tags.sessionsOfVideo(v.id),
    tags.sessionsOfProject(v.projectId),
    ...sessionIds.flatMap((s) => [tags.session(s), tags.detectionsOf(s)]),
  ],
  /** A write of boxes to a video changes its boxes, its counters and its project's counters. */
  groundTruth: (video: RowKey) => [tags.groundTruthOf(video.id), tags.video(video.id), tags.projectStats(video.projectId), tags.anyGroundTruth()],
  /** A new or ended session changes its lists and the project's session counters. */
  session: (s: SessionKey) => [
    tags.session(s.id),
    tags.sessionsOfProject(s.projectId),
    tags.sessionsOfVideo(s.videoId),
    tags.projectSessionCounts(s.projectId),
  ],
  /** A write of detections to a session changes its detections, its counters and its project's counters. */
  detections: (session: RowKey) => [tags.detectionsOf(session.id), tags.session(session.id), tags.projectStats(session.projectId), tags.anyDetections()],
};

export type TagRecorder = (tag: string) => void;
