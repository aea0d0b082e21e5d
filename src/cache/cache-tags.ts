// The one vocabulary of cache tags: loaders record the tags of what a response read, services report
// the tags of what a write changed, and the response cache drops every entry carrying a changed tag.
// A list records its list tag (`videos-of:P`) for its membership and order, and the tag of every row
// it shows (`video:V`) for their fields: so a write that only changes a row's fields (a video's
// processing status, its box counters) drops the pages showing that row, not every page of the list.
// Creates, deletes and changes of a field a list filters on report the list tag.
export const tags = {
  /** Any list of projects (a new project changes every caller's list). */
  projectList: () => 'projects',
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
} as const;

/** What a write of boxes to a video changes: its boxes, its counters, its project's counters. */
export const groundTruthWriteTags = (video: { id: string; projectId: string }) => [
  tags.groundTruthOf(video.id),
  tags.video(video.id),
  tags.projectStats(video.projectId),
];

/** What a write of detections to a session changes: its detections, its counters, its project's counters. */
export const detectionWriteTags = (session: { id: string; projectId: string }) => [
  tags.detectionsOf(session.id),
  tags.session(session.id),
  tags.projectStats(session.projectId),
];

export type TagRecorder = (tag: string) => void;
