// Test session fields: back-references, the detection page and the maintained detection counters.
import { AppError } from '../../errors.js';
import type { TestSessionResolvers } from '../__generated__/resolvers-types.js';
import { cursorLists } from '../../loaders/cursor.js';
import * as arg from '../args.js';

export const TestSession: TestSessionResolvers = {
  project: async (session, _, ctx) =>
    (await ctx.loaders.projectById.load(session.projectId)) ?? Promise.reject(new AppError('NOT_FOUND', 'project not found')),
  video: async (session, _, ctx) =>
    (await ctx.loaders.videoById.load(session.videoId)) ?? Promise.reject(new AppError('NOT_FOUND', 'video not found')),
  detections: (session, args, ctx) =>
    ctx.loaders.detectionPageBySession.load({
      parent: session.id,
      args: {
        filter: {
          minConfidence: arg.fraction(args.minConfidence, 'minConfidence'),
          classLabel: arg.label(args.classLabel),
          validationResult: arg.optional(args.validationResult),
          fromFrame: arg.frame(args.fromFrame, 'fromFrame'),
          toFrame: arg.frame(args.toFrame, 'toFrame'),
        },
        window: arg.page(args, 'TestSession.detections', cursorLists.detectionsOfSession(session.id), ['n', 'u']),
      },
    }),
  detectionStats: (s) => ({
    total: s.detectionsTp + s.detectionsFp + s.detectionsFn + s.detectionsPending,
    tp: s.detectionsTp,
    fp: s.detectionsFp,
    fn: s.detectionsFn,
    pending: s.detectionsPending,
  }),
};
