// The one vocabulary of cache tags: loaders record the tags of what a response read, services report
// the tags of what a write changed, and the response cache drops every entry carrying a changed tag.
export const tags = {
  /** Any list of projects (a new project changes every caller's list). */
  projectList: () => 'projects',
  project: (id: string) => `project:${id}`,
  projectStats: (projectId: string) => `project-stats:${projectId}`,
  videosOf: (projectId: string) => `videos-of:${projectId}`,
  video: (id: string) => `video:${id}`,
  groundTruthOf: (videoId: string) => `ground-truth-of:${videoId}`,
  sessionsOfProject: (projectId: string) => `sessions-of-project:${projectId}`,
  sessionsOfVideo: (videoId: string) => `sessions-of-video:${videoId}`,
  session: (id: string) => `session:${id}`,
  detectionsOf: (sessionId: string) => `detections-of:${sessionId}`,
} as const;

export type TagRecorder = (tag: string) => void;
