// Ground-truth box fields that are not plain columns.
import { AppError } from '../../errors.js';
import { requireIouThreshold } from '../../evaluation/thresholds.js';
import * as arg from '../args.js';
import type { GroundTruthObjectResolvers } from '../__generated__/resolvers-types.js';

export const GroundTruthObject: GroundTruthObjectResolvers = {
  video: async (box, _, ctx) =>
    (await ctx.loaders.videoById.load(box.videoId)) ?? Promise.reject(new AppError('NOT_FOUND', 'video not found')),
  matchedDetection: async (box, args, ctx) => {
    const sessionId = arg.id(args.testSessionId, 'testSessionId');
    const iouThreshold = requireIouThreshold(args.iouThreshold);
    const session = await ctx.loaders.testSessionById.load(sessionId);
    if (!session || session.videoId !== box.videoId) return null;
    const detectionId = await ctx.loaders.matchedDetectionIdOf({ session, iouThreshold, minConfidence: 0 }, box.id);
    return detectionId ? ctx.loaders.detectionById.load(detectionId) : null;
  },
};
