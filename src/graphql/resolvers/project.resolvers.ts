// Project fields: its video and session pages, and the dashboard counters.
import { AppError } from '../../errors.js';
import type { ProjectResolvers, ProjectStatsResolvers } from '../__generated__/resolvers-types.js';
import { requireIouThreshold } from '../../evaluation/thresholds.js';
import { cursorLists } from '../../loaders/cursor.js';
import * as arg from '../args.js';

export const Project: ProjectResolvers = {
  videos: (project, args, ctx) =>
    ctx.loaders.videoPageByProject.load({
      parent: project.id,
      args: {
        filter: { status: arg.optional(args.status), groundTruthGenerated: arg.optional(args.groundTruthGenerated) },
        window: arg.page(args, 'Project.videos', cursorLists.videosOfProject(project.id), ['n', 'u']),
      },
    }),
  testSessions: (project, args, ctx) =>
    ctx.loaders.testSessionPageByProject.load({
      parent: project.id,
      args: {
        status: args.status ?? null,
        window: arg.page(args, 'Project.testSessions', cursorLists.sessionsOfProject(project.id), ['n', 'u']),
      },
    }),
  // The counters the project's row brought are answered at once: no promise for the executor to wait on.
  stats: (project, _, ctx) =>
    ctx.loaders.projectStatsById.peek(project.id) ??
    ctx.loaders.projectStatsById.load(project.id).then((stats) => {
      if (!stats) throw new AppError('NOT_FOUND', `no stats for project ${project.id}`);
      return stats;
    }),
};

export const ProjectStats: ProjectStatsResolvers = {
  // The counters belong to the project: their identity derives from its id (Query.node reads it back).
  id: (s) => `stats:${s.projectId}`,
  videoCount: (s) => s.videosUploaded + s.videosProcessing + s.videosCompleted + s.videosFailed,
  videosByStatus: (s) => ({
    uploaded: s.videosUploaded,
    processing: s.videosProcessing,
    completed: s.videosCompleted,
    failed: s.videosFailed,
  }),
  testSessionsByStatus: (s) => ({ running: s.sessionsRunning, completed: s.sessionsCompleted, failed: s.sessionsFailed }),
  detectionsByResult: (s) => ({
    total: s.detectionsTp + s.detectionsFp + s.detectionsFn + s.detectionsPending,
    tp: s.detectionsTp,
    fp: s.detectionsFp,
    fn: s.detectionsFn,
    pending: s.detectionsPending,
  }),
  meanAp: (s, args, ctx) => ctx.loaders.meanApOfProject(s.projectId, requireIouThreshold(args.iouThreshold)),
};
