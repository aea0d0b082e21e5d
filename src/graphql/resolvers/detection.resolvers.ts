// Detection event fields that are not plain columns.
import { AppError } from '../../errors.js';
import { requireIouThreshold } from '../../evaluation/thresholds.js';
import type { DetectionEventResolvers } from '../__generated__/resolvers-types.js';

export const DetectionEvent: DetectionEventResolvers = {
  testSession: async (d, _, ctx) =>
    (await ctx.loaders.testSessionById.load(d.testSessionId)) ?? Promise.reject(new AppError('NOT_FOUND', 'test session not found')),
  match: async (d, args, ctx) => {
    const iouThreshold = requireIouThreshold(args.iouThreshold);
    const session = await ctx.loaders.testSessionById.load(d.testSessionId);
    if (!session) return null;
    return ctx.loaders.matchOf({ session, iouThreshold, minConfidence: 0 }, d.id);
  },
};
