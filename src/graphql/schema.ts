// The executable schema: schema.graphql plus every resolver map.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { Resolvers } from './__generated__/resolvers-types.js';
import { connectionResolvers } from './connection.js';
import { DetectionEvent } from './resolvers/detection.resolvers.js';
import { GroundTruthObject } from './resolvers/ground-truth.resolvers.js';
import { Mutation } from './resolvers/mutation.resolvers.js';
import { Project, ProjectStats } from './resolvers/project.resolvers.js';
import { Node, Query } from './resolvers/query.resolvers.js';
import { TestSession } from './resolvers/test-session.resolvers.js';
import { GroundTruthStats, Video } from './resolvers/video.resolvers.js';
import { DateTime } from './scalars.js';

export const typeDefs = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../schema.graphql'), 'utf8');

export const resolvers: Resolvers = {
  DateTime,
  Query,
  Mutation,
  Node,
  Project,
  ProjectStats,
  Video,
  GroundTruthStats,
  GroundTruthObject,
  TestSession,
  DetectionEvent,
  ProjectConnection: connectionResolvers,
  VideoConnection: connectionResolvers,
  GroundTruthConnection: connectionResolvers,
  TestSessionConnection: connectionResolvers,
  DetectionConnection: connectionResolvers,
  VideoStatus: { UPLOADED: 'uploaded', PROCESSING: 'processing', COMPLETED: 'completed', FAILED: 'failed' },
  TestSessionStatus: { RUNNING: 'running', COMPLETED: 'completed', FAILED: 'failed' },
};

export const executableSchema = () => makeExecutableSchema({ typeDefs, resolvers: resolvers as never });
