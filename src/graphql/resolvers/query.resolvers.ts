// Root lookups: each an access-scoped loader call; a foreign id answers exactly like an unknown one.
import { cursorLists } from '../../loaders/cursor.js';
import type { NodeValue } from '../../loaders/node.loaders.js';
import type { NodeResolvers, QueryResolvers } from '../__generated__/resolvers-types.js';
import * as arg from '../args.js';

/** The row, marked with its GraphQL type for Node.__resolveType (a copy: loaders share their rows). */
const asNode = (node: NodeValue | null) => (node ? { __typename: node.type, ...node.row } : null);

export const Query: QueryResolvers = {
  node: async (_, args, ctx) => asNode(await ctx.loaders.nodeById(arg.nodeKey(args.id))),
  nodes: async (_, args, ctx) => (await Promise.all(arg.nodeKeys(args.ids).map((key) => ctx.loaders.nodeById(key)))).map(asNode),
  project: (_, args, ctx) => ctx.loaders.projectById.load(arg.id(args.id)),
  projects: (_, args, ctx) => ctx.loaders.projectList(arg.page(args, 'Query.projects', cursorLists.projects(), ['n', 'u'])),
  video: (_, args, ctx) => ctx.loaders.videoById.load(arg.id(args.id)),
  testSession: (_, args, ctx) => ctx.loaders.testSessionById.load(arg.id(args.id)),
};

export const Node: NodeResolvers = {
  __resolveType: (node) => (node as { __typename?: NodeValue['type'] }).__typename ?? null,
};
