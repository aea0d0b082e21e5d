// Video fields: its project, ground-truth page and stats, and its test sessions.
import { AppError } from '../../errors.js';
import type { GroundTruthStatsResolvers, VideoResolvers } from '../__generated__/resolvers-types.js';
import { requireIouThreshold, requireMinConfidence } from '../../evaluation/thresholds.js';
import { cursorLists } from '../../loaders/cursor.js';
import * as arg from '../args.js';

export const Video: VideoResolvers = {
  project: async (video, _, ctx) =>
    (await ctx.loaders.projectById.load(video.projectId)) ?? Promise.reject(new AppError('NOT_FOUND', 'project not found')),
  groundTruth: (video, args, ctx) => {
    const fromFrame = arg.frame(args.fromFrame, 'fromFrame');
    const toFrame = arg.frame(args.toFrame, 'toFrame');
    return ctx.loaders.groundTruthPageByVideo.load({
      parent: video.id,
      args: {
        filter: {
          minConfidence: arg.fraction(args.minConfidence, 'minConfidence'),
          classLabel: arg.label(args.classLabel),
          validated: arg.optional(args.validated),
          fromFrame,
          toFrame,
        },
        window: arg.page(args, 'Video.groundTruth', cursorLists.groundTruthOfVideo(video.id), ['n', 'n', 'u']),
      },
    });
  },
  groundTruthStats: (video, args, ctx) =>
    ctx.loaders.groundTruthStatsByVideo.load({
      parent: video.id,
      args: arg.fraction(args.minConfidence, 'minConfidence') ?? null,
    }),
  testSessions: (video, args, ctx) =>
    ctx.loaders.testSessionsByVideo.load({
      parent: video.id,
      args: { status: args.status ?? null, first: arg.listSize(args.first, 'Video.testSessions') },
    }),
  evaluations: async (video, args, ctx) => {
    const iouThreshold = requireIouThreshold(args.iouThreshold);
    const minConfidence = requireMinConfidence(args.minConfidence);
    const first = arg.listSize(args.first, 'Video.evaluations');
    const sessions = await ctx.loaders.testSessionsByVideo.load({ parent: video.id, args: { status: null, first } });
    return Promise.all(sessions.map((session) => ctx.loaders.evaluationOf({ session, iouThreshold, minConfidence })));
  },
};

export const GroundTruthStats: GroundTruthStatsResolvers = {
  validationRate: (s) => (s.totalObjects ? (100 * s.validatedCount) / s.totalObjects : 0),
};
