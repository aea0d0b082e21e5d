// The executable schema: schema.graphql plus every resolver map.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { parse, visit, type DocumentNode } from 'graphql';
import type { Resolvers } from './__generated__/resolvers-types.js';
import { connectionResolvers } from './connection.js';
import { DetectionEvent } from './resolvers/detection.resolvers.js';
import { DetectionMatch, Evaluation } from './resolvers/evaluation.resolvers.js';
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
  Evaluation,
  DetectionMatch,
  ProjectConnection: connectionResolvers,
  VideoConnection: connectionResolvers,
  GroundTruthConnection: connectionResolvers,
  TestSessionConnection: connectionResolvers,
  DetectionConnection: connectionResolvers,
  VideoStatus: { UPLOADED: 'uploaded', PROCESSING: 'processing', COMPLETED: 'completed', FAILED: 'failed' },
  TestSessionStatus: { RUNNING: 'running', COMPLETED: 'completed', FAILED: 'failed' },
};

const latin1Only = /^[\x00-\xff]*$/;

/**
 * The schema's document with every name and Latin-1 string as a one-byte string. schema.graphql has
 * characters beyond Latin-1 (— and … in comments and descriptions), so V8 holds its text as a two-byte
 * string, and so is every name graphql-js slices from it: `__typename` and enum values, and every field
 * name V8 first internalizes from it — after which every object with that key (`boundingBox`,
 * `hasNextPage`, …) makes JSON.stringify build the whole answer two-byte, and Buffer.from encode it on
 * its slow path (docs/benchmarks.md). Copies made before the schema is built keep them one-byte;
 * test/graphql/one-byte-answers.test.ts checks the answers. Build the schema only through
 * executableSchema(): one built from the raw text first would intern the names two-byte again.
 */
function oneByteDocument(source: string): DocumentNode {
  const copy = (value: string) => (latin1Only.test(value) ? Buffer.from(value, 'latin1').toString('latin1') : value);
  return visit(parse(source), {
    Name: (node) => Object.assign({}, node, { value: copy(node.value) }),
    StringValue: (node) => Object.assign({}, node, { value: copy(node.value) }),
  });
}

export const executableSchema = () => makeExecutableSchema({ typeDefs: oneByteDocument(typeDefs), resolvers: resolvers as never });
