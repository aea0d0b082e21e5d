// Mutations: each translates its arguments into one service call run through runWrite, which
// invalidates the changed cache tags after commit and before answering.
import type { MutationResolvers } from '../__generated__/resolvers-types.js';
import * as detections from '../../services/detection.service.js';
import * as evaluation from '../../services/evaluation.service.js';
import * as groundTruth from '../../services/ground-truth.service.js';
import * as projects from '../../services/project.service.js';
import { runWrite } from '../../services/run-write.js';
import * as sessions from '../../services/test-session.service.js';
import * as videos from '../../services/video.service.js';

export const Mutation: MutationResolvers = {
  createProject: (_, { input }, ctx) => runWrite(ctx, (d) => projects.createProject(d, input)),
  createVideo: (_, { input }, ctx) => runWrite(ctx, (d) => videos.createVideo(d, input)),
  updateVideo: (_, { id, input }, ctx) => runWrite(ctx, (d) => videos.updateVideo(d, id, input)),
  deleteVideo: (_, { id }, ctx) => runWrite(ctx, (d) => videos.deleteVideo(d, id)),
  upsertGroundTruth: (_, { videoId, objects }, ctx) => runWrite(ctx, (d) => groundTruth.upsertGroundTruth(d, videoId, objects)),
  setGroundTruthValidated: (_, { ids, validated }, ctx) =>
    runWrite(ctx, (d) => groundTruth.setGroundTruthValidated(d, ids, validated)),
  deleteGroundTruth: (_, { ids }, ctx) => runWrite(ctx, (d) => groundTruth.deleteGroundTruth(d, ids)),
  createTestSession: (_, { input }, ctx) => runWrite(ctx, (d) => sessions.createTestSession(d, input)),
  completeTestSession: (_, { id, status }, ctx) => runWrite(ctx, (d) => sessions.completeTestSession(d, id, status)),
  ingestDetections: (_, { testSessionId, detections: list }, ctx) =>
    runWrite(ctx, (d) => detections.ingestDetections(d, testSessionId, list)),
  setValidationResults: (_, { detectionIds, result }, ctx) =>
    runWrite(ctx, (d) => detections.setValidationResults(d, detectionIds, result)),
  applyEvaluation: (_, { testSessionId, iouThreshold, overwrite }, ctx) =>
    runWrite(ctx, (d) => evaluation.applyEvaluation(d, testSessionId, iouThreshold, overwrite)),
};
