// Ground-truth box fields that are not plain columns.
import { AppError } from '../../errors.js';
import type { GroundTruthObjectResolvers } from '../__generated__/resolvers-types.js';

export const GroundTruthObject: GroundTruthObjectResolvers = {
  video: async (box, _, ctx) =>
    (await ctx.loaders.videoById.load(box.videoId)) ?? Promise.reject(new AppError('NOT_FOUND', 'video not found')),
  bboxArea: (box) => box.width * box.height,
};
