// Detection event fields that are not plain columns.
import { AppError } from '../../errors.js';
import type { DetectionEventResolvers } from '../__generated__/resolvers-types.js';

export const DetectionEvent: DetectionEventResolvers = {
  testSession: async (d, _, ctx) =>
    (await ctx.loaders.testSessionById.load(d.testSessionId)) ?? Promise.reject(new AppError('NOT_FOUND', 'test session not found')),
  boundingBox: (d) => ({ x: d.boundingBoxX, y: d.boundingBoxY, width: d.boundingBoxWidth, height: d.boundingBoxHeight }),
};
