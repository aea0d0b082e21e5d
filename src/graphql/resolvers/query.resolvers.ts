// Root lookups: each an access-scoped loader call; a foreign id answers exactly like an unknown one.
import type { QueryResolvers } from '../__generated__/resolvers-types.js';
import * as arg from '../args.js';

export const Query: QueryResolvers = {
  project: (_, args, ctx) => ctx.loaders.projectById.load(arg.id(args.id)),
  projects: (_, args, ctx) =>
    ctx.loaders.projectList(arg.first(args.first, 20, arg.pageLimits.projects), arg.after(args.after, ['n', 'u']) ?? undefined),
  video: (_, args, ctx) => ctx.loaders.videoById.load(arg.id(args.id)),
  testSession: (_, args, ctx) => ctx.loaders.testSessionById.load(arg.id(args.id)),
};
