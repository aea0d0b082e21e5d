/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type MatchOutcome =
  | 'FP'
  /** Matched a difficult box: neither TP nor FP. */
  | 'IGNORED'
  | 'TP';

export type TestSessionStatus =
  | 'COMPLETED'
  | 'FAILED'
  | 'RUNNING';

export type ValidationResult =
  | 'FN'
  | 'FP'
  | 'PENDING'
  | 'TP';

export type VideoStatus =
  | 'COMPLETED'
  | 'FAILED'
  | 'PROCESSING'
  | 'UPLOADED';

export type ProjectDashboardQueryVariables = Exact<{
  projectId: string | number;
  sessions?: number | null | undefined;
}>;


export type ProjectDashboardQuery = { project: { id: string, name: string, description: string | null, createdAt: string, stats: { videoCount: number, groundTruthTotal: number, groundTruthValidated: number, videosByStatus: { uploaded: number, processing: number, completed: number, failed: number }, testSessionsByStatus: { running: number, completed: number, failed: number }, detectionsByResult: { total: number, tp: number, fp: number, fn: number, pending: number } }, testSessions: { totalCount: number, nodes: Array<{ id: string, status: TestSessionStatus, startedAt: string, completedAt: string | null, video: { id: string, filename: string }, detectionStats: { total: number, tp: number, fp: number, fn: number, pending: number } }> } } | null };

export type ProjectListQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ProjectListQuery = { projects: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, name: string, createdAt: string, stats: { videoCount: number, groundTruthTotal: number, groundTruthValidated: number } }> } };

export type VideoDetailQueryVariables = Exact<{
  videoId: string | number;
  minConfidence?: number | null | undefined;
}>;


export type VideoDetailQuery = { video: { id: string, filename: string, status: VideoStatus, processingStatus: string | null, createdAt: string, duration: number | null, fileSize: number | null, groundTruthGenerated: boolean, groundTruthCount: number, project: { id: string, name: string }, groundTruthStats: { totalObjects: number, avgConfidence: number | null, uniqueClasses: number, validatedCount: number, validationRate: number }, testSessions: Array<{ id: string, status: TestSessionStatus, startedAt: string, completedAt: string | null, detectionStats: { total: number, tp: number, fp: number, fn: number, pending: number } }> } | null };

export type VideoListQueryVariables = Exact<{
  projectId: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
  status?: VideoStatus | null | undefined;
  groundTruthGenerated?: boolean | null | undefined;
}>;


export type VideoListQuery = { project: { id: string, name: string, videos: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, filename: string, status: VideoStatus, createdAt: string, duration: number | null, fileSize: number | null, groundTruthGenerated: boolean, groundTruthCount: number, maxConfidence: number | null }> } } | null };

export type FrameMatchesQueryVariables = Exact<{
  sessionId: string | number;
  videoId: string | number;
  frame: number;
  iouThreshold?: number | null | undefined;
}>;


export type FrameMatchesQuery = { testSession: { id: string, detections: { nodes: Array<{ id: string, classLabel: string, confidence: number, boundingBox: { x: number, y: number, width: number, height: number }, match: { outcome: MatchOutcome, iou: number | null, groundTruth: { id: string } | null } | null }> } } | null, video: { id: string, groundTruth: { nodes: Array<{ id: string, classLabel: string, difficult: boolean, x: number, y: number, width: number, height: number, matchedDetection: { id: string } | null }> } } | null };

export type ModelComparisonQueryVariables = Exact<{
  videoId: string | number;
  iouThreshold?: number | null | undefined;
}>;


export type ModelComparisonQuery = { video: { id: string, filename: string, evaluations: Array<{ map: number | null, testSession: { id: string, status: TestSessionStatus, startedAt: string, completedAt: string | null }, overall: { tp: number, fp: number, fn: number, precision: number, recall: number, f1: number }, perClass: Array<{ classLabel: string, ap: number | null }> }> } | null };

export type SessionEvaluationQueryVariables = Exact<{
  sessionId: string | number;
  iouThreshold?: number | null | undefined;
  minConfidence?: number | null | undefined;
  classLabel: string;
}>;


export type SessionEvaluationQuery = { testSession: { id: string, evaluation: { iouThreshold: number, minConfidence: number, map: number | null, mapCoco: number | null, overall: { tp: number, fp: number, fn: number, precision: number, recall: number, f1: number }, perClass: Array<{ classLabel: string, tp: number, fp: number, fn: number, precision: number, recall: number, f1: number, groundTruthCount: number, ap: number | null }>, prCurve: Array<{ confidence: number, precision: number, recall: number, interpolatedPrecision: number }> } } | null };

export type SessionDetectionsQueryVariables = Exact<{
  sessionId: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
  fromFrame?: number | null | undefined;
  toFrame?: number | null | undefined;
  minConfidence?: number | null | undefined;
  classLabel?: string | null | undefined;
  validationResult?: ValidationResult | null | undefined;
}>;


export type SessionDetectionsQuery = { testSession: { id: string, status: TestSessionStatus, startedAt: string, completedAt: string | null, video: { id: string, filename: string }, detectionStats: { total: number, tp: number, fp: number, fn: number, pending: number }, detections: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, frameNumber: number, timestamp: number, classLabel: string, confidence: number, validationResult: ValidationResult, boundingBox: { x: number, y: number, width: number, height: number } }> } } | null };

export type VideoGroundTruthQueryVariables = Exact<{
  videoId: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
  fromFrame?: number | null | undefined;
  toFrame?: number | null | undefined;
  minConfidence?: number | null | undefined;
  classLabel?: string | null | undefined;
  validated?: boolean | null | undefined;
}>;


export type VideoGroundTruthQuery = { video: { id: string, groundTruthCount: number, groundTruth: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, frameNumber: number, timestamp: number, classLabel: string, confidence: number, x: number, y: number, width: number, height: number, validated: boolean, difficult: boolean }> } } | null };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const ProjectDashboardDocument = new TypedDocumentString(`
    query ProjectDashboard($projectId: ID!, $sessions: Int = 10) {
  project(id: $projectId) {
    id
    name
    description
    createdAt
    stats {
      videoCount
      videosByStatus {
        uploaded
        processing
        completed
        failed
      }
      groundTruthTotal
      groundTruthValidated
      testSessionsByStatus {
        running
        completed
        failed
      }
      detectionsByResult {
        total
        tp
        fp
        fn
        pending
      }
    }
    testSessions(first: $sessions) {
      totalCount
      nodes {
        id
        status
        startedAt
        completedAt
        video {
          id
          filename
        }
        detectionStats {
          total
          tp
          fp
          fn
          pending
        }
      }
    }
  }
}
    `, {"hash":"82bed68b12e34c562207027f67abea8256c18f78d32122de60035981309fef3f"}) as unknown as TypedDocumentString<ProjectDashboardQuery, ProjectDashboardQueryVariables>;
export const ProjectListDocument = new TypedDocumentString(`
    query ProjectList($first: Int, $after: String) {
  projects(first: $first, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    nodes {
      id
      name
      createdAt
      stats {
        videoCount
        groundTruthTotal
        groundTruthValidated
      }
    }
  }
}
    `, {"hash":"c6aa66562c00c6d7e7844c8beb2048e044d82286f00810e40718d864cfea995d"}) as unknown as TypedDocumentString<ProjectListQuery, ProjectListQueryVariables>;
export const VideoDetailDocument = new TypedDocumentString(`
    query VideoDetail($videoId: ID!, $minConfidence: Float = 0.3) {
  video(id: $videoId) {
    id
    filename
    status
    processingStatus
    createdAt
    duration
    fileSize
    groundTruthGenerated
    groundTruthCount
    project {
      id
      name
    }
    groundTruthStats(minConfidence: $minConfidence) {
      totalObjects
      avgConfidence
      uniqueClasses
      validatedCount
      validationRate
    }
    testSessions {
      id
      status
      startedAt
      completedAt
      detectionStats {
        total
        tp
        fp
        fn
        pending
      }
    }
  }
}
    `, {"hash":"46fffc9a8fa5b91d924a65658b27736c3bb092546ac89ac886c00c7398c552e9"}) as unknown as TypedDocumentString<VideoDetailQuery, VideoDetailQueryVariables>;
export const VideoListDocument = new TypedDocumentString(`
    query VideoList($projectId: ID!, $first: Int = 50, $after: String, $status: VideoStatus, $groundTruthGenerated: Boolean) {
  project(id: $projectId) {
    id
    name
    videos(
      first: $first
      after: $after
      status: $status
      groundTruthGenerated: $groundTruthGenerated
    ) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        filename
        status
        createdAt
        duration
        fileSize
        groundTruthGenerated
        groundTruthCount
        maxConfidence
      }
    }
  }
}
    `, {"hash":"fd553b6ffacc95f307dc30e2d98377873186817db68921c8983dd8ec3ff76d69"}) as unknown as TypedDocumentString<VideoListQuery, VideoListQueryVariables>;
export const FrameMatchesDocument = new TypedDocumentString(`
    query FrameMatches($sessionId: ID!, $videoId: ID!, $frame: Int!, $iouThreshold: Float = 0.5) {
  testSession(id: $sessionId) {
    id
    detections(fromFrame: $frame, toFrame: $frame, first: 1000) {
      nodes {
        id
        classLabel
        confidence
        boundingBox {
          x
          y
          width
          height
        }
        match(iouThreshold: $iouThreshold) {
          outcome
          iou
          groundTruth {
            id
          }
        }
      }
    }
  }
  video(id: $videoId) {
    id
    groundTruth(fromFrame: $frame, toFrame: $frame, minConfidence: 0, first: 1000) {
      nodes {
        id
        classLabel
        difficult
        x
        y
        width
        height
        matchedDetection(testSessionId: $sessionId, iouThreshold: $iouThreshold) {
          id
        }
      }
    }
  }
}
    `, {"hash":"b7edd486048454f946ec005f7d147eb1df05ecafa92f725a830c5ef35881dd11"}) as unknown as TypedDocumentString<FrameMatchesQuery, FrameMatchesQueryVariables>;
export const ModelComparisonDocument = new TypedDocumentString(`
    query ModelComparison($videoId: ID!, $iouThreshold: Float = 0.5) {
  video(id: $videoId) {
    id
    filename
    evaluations(iouThreshold: $iouThreshold) {
      testSession {
        id
        status
        startedAt
        completedAt
      }
      overall {
        tp
        fp
        fn
        precision
        recall
        f1
      }
      perClass {
        classLabel
        ap
      }
      map
    }
  }
}
    `, {"hash":"fc5a93bdaf7fb644284c8c6504e0b3564a74571b9ce2a34fb6cdc0d8638f6d3e"}) as unknown as TypedDocumentString<ModelComparisonQuery, ModelComparisonQueryVariables>;
export const SessionEvaluationDocument = new TypedDocumentString(`
    query SessionEvaluation($sessionId: ID!, $iouThreshold: Float = 0.5, $minConfidence: Float = 0, $classLabel: String!) {
  testSession(id: $sessionId) {
    id
    evaluation(iouThreshold: $iouThreshold, minConfidence: $minConfidence) {
      iouThreshold
      minConfidence
      overall {
        tp
        fp
        fn
        precision
        recall
        f1
      }
      perClass {
        classLabel
        tp
        fp
        fn
        precision
        recall
        f1
        groundTruthCount
        ap
      }
      map
      mapCoco
      prCurve(classLabel: $classLabel) {
        confidence
        precision
        recall
        interpolatedPrecision
      }
    }
  }
}
    `, {"hash":"364e25b441e5a9477a826030c5a07ee86c39056f99980c95fb24e0724b00c883"}) as unknown as TypedDocumentString<SessionEvaluationQuery, SessionEvaluationQueryVariables>;
export const SessionDetectionsDocument = new TypedDocumentString(`
    query SessionDetections($sessionId: ID!, $first: Int = 500, $after: String, $fromFrame: Int, $toFrame: Int, $minConfidence: Float, $classLabel: String, $validationResult: ValidationResult) {
  testSession(id: $sessionId) {
    id
    status
    startedAt
    completedAt
    video {
      id
      filename
    }
    detectionStats {
      total
      tp
      fp
      fn
      pending
    }
    detections(
      first: $first
      after: $after
      fromFrame: $fromFrame
      toFrame: $toFrame
      minConfidence: $minConfidence
      classLabel: $classLabel
      validationResult: $validationResult
    ) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        frameNumber
        timestamp
        classLabel
        confidence
        validationResult
        boundingBox {
          x
          y
          width
          height
        }
      }
    }
  }
}
    `, {"hash":"4a62bc3e540e8ee2b9e1aba0cb88a7582bc02e5e4de52511c2308e54f9235c9b"}) as unknown as TypedDocumentString<SessionDetectionsQuery, SessionDetectionsQueryVariables>;
export const VideoGroundTruthDocument = new TypedDocumentString(`
    query VideoGroundTruth($videoId: ID!, $first: Int = 1000, $after: String, $fromFrame: Int, $toFrame: Int, $minConfidence: Float = 0.3, $classLabel: String, $validated: Boolean) {
  video(id: $videoId) {
    id
    groundTruthCount
    groundTruth(
      first: $first
      after: $after
      fromFrame: $fromFrame
      toFrame: $toFrame
      minConfidence: $minConfidence
      classLabel: $classLabel
      validated: $validated
    ) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        frameNumber
        timestamp
        classLabel
        confidence
        x
        y
        width
        height
        validated
        difficult
      }
    }
  }
}
    `, {"hash":"93270fd4359820a8ce37424ef4f59d547b8dc91e270c58c23276c33669bf9307"}) as unknown as TypedDocumentString<VideoGroundTruthQuery, VideoGroundTruthQueryVariables>;