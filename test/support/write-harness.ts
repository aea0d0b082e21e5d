// Runs GraphQL operations in-process against the real schema with a context whose `invalidate` is a
// recording test double, so write tests can assert which cache tags a mutation reported, that it
// reported them after commit, and how many statements it sent.
import { ApolloServer } from '@apollo/server';
import { adminScope, type AccessScope } from '../../src/auth/scope.js';
import { createContext } from '../../src/context.js';
import type { Db } from '../../src/db/client.js';
import { resolvers, typeDefs } from '../../src/graphql/schema.js';
import { formatError } from '../../src/graphql/format-error.js';

export interface RunResult<T = any> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, any> }[];
  /** Tags passed to invalidate, in call order (one array per call). */
  invalidations: string[][];
  statements: number;
}

export interface WriteHarness {
  run<T = any>(query: string, variables?: Record<string, unknown>, scope?: AccessScope): Promise<RunResult<T>>;
  /** Runs and returns data, throwing with the errors when there are any. */
  ok<T = any>(query: string, variables?: Record<string, unknown>, scope?: AccessScope): Promise<T>;
  /** Runs, expects exactly one error and returns it. */
  fail(query: string, variables?: Record<string, unknown>, scope?: AccessScope): Promise<{ message: string; extensions: Record<string, any> }>;
  stop(): Promise<void>;
}

export async function createWriteHarness(
  db: Db,
  onInvalidate?: (tags: string[]) => Promise<void> | void,
): Promise<WriteHarness> {
  const apollo = new ApolloServer({ typeDefs, resolvers, formatError: (f, e) => formatError(f, e) });
  await apollo.start();
  const harness: WriteHarness = {
    async run(query, variables, scope = adminScope) {
      const invalidations: string[][] = [];
      const ctx = createContext(db, scope, {
        invalidate: async (tags) => {
          const list = [...tags];
          invalidations.push(list);
          await onInvalidate?.(list);
        },
      });
      const res = await apollo.executeOperation({ query, variables }, { contextValue: ctx });
      if (res.body.kind !== 'single') throw new Error('unexpected incremental response');
      const { data, errors } = res.body.singleResult;
      return { data: (data ?? undefined) as any, errors: errors as RunResult['errors'], invalidations, statements: ctx.sqlStats.statements };
    },
    async ok(query, variables, scope) {
      const r = await harness.run(query, variables, scope);
      if (r.errors?.length) throw new Error(`expected data, got: ${JSON.stringify(r.errors)}`);
      return r.data;
    },
    async fail(query, variables, scope) {
      const r = await harness.run(query, variables, scope);
      if (!r.errors || r.errors.length !== 1) throw new Error(`expected one error, got: ${JSON.stringify(r)}`);
      return r.errors[0] as { message: string; extensions: Record<string, any> };
    },
    stop: () => apollo.stop(),
  };
  return harness;
}

export const M = {
  createProject: `mutation($input: CreateProjectInput!) { createProject(input: $input) { id name description stats { videoCount } } }`,
  createVideo: `mutation($input: CreateVideoInput!) { createVideo(input: $input) { id filename status duration fileSize groundTruthCount project { id } } }`,
  updateVideo: `mutation($id: ID!, $input: UpdateVideoInput!) { updateVideo(id: $id, input: $input) { id status processingStatus groundTruthGenerated } }`,
  deleteVideo: `mutation($id: ID!) { deleteVideo(id: $id) }`,
  upsertGroundTruth: `mutation($videoId: ID!, $objects: [GroundTruthInput!]!) { upsertGroundTruth(videoId: $videoId, objects: $objects) { inserted updated } }`,
  setGroundTruthValidated: `mutation($ids: [ID!]!, $validated: Boolean!) { setGroundTruthValidated(ids: $ids, validated: $validated) }`,
  deleteGroundTruth: `mutation($ids: [ID!]!) { deleteGroundTruth(ids: $ids) }`,
  createTestSession: `mutation($input: CreateTestSessionInput!) { createTestSession(input: $input) { id status video { id } project { id } } }`,
  completeTestSession: `mutation($id: ID!, $status: TestSessionStatus!) { completeTestSession(id: $id, status: $status) { id status completedAt } }`,
  ingestDetections: `mutation($testSessionId: ID!, $detections: [DetectionInput!]!) { ingestDetections(testSessionId: $testSessionId, detections: $detections) { inserted updated } }`,
  setValidationResults: `mutation($detectionIds: [ID!]!, $result: ValidationResult!) { setValidationResults(detectionIds: $detectionIds, result: $result) }`,
} as const;

let seq = 0;
/** A valid ground-truth box; override what the test is about. */
export function box(o: Record<string, unknown> = {}): Record<string, any> {
  const f = seq++ % 1000;
  return { frameNumber: f, timestamp: f / 30, classLabel: 'car', confidence: 0.5, x: 1, y: 2, width: 3, height: 4, ...o };
}

/** A valid detection; override what the test is about. */
export function detection(o: Record<string, unknown> = {}): Record<string, any> {
  const f = seq++ % 1000;
  return { frameNumber: f, timestamp: f / 30, classLabel: 'car', confidence: 0.5, boundingBox: { x: 1, y: 2, width: 3, height: 4 }, ...o };
}
