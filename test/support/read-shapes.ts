// The benchmark's read shapes (bench/scenarios.ts) as GraphQL requests against a little seeded data, for
// the probes that watch what the server does per request (hit-path-names-probe.ts, map-churn-probe.ts).

type Post = (query: string, variables: Record<string, unknown>) => Promise<{ body: { data?: any } }>;

/** Each shape's query and variables, for the first project, its first video and that video's first session. */
export async function readShapes(post: Post): Promise<[string, Record<string, unknown>][]> {
  const ids = (await post('{ projects(first: 1) { nodes { id videos(first: 1) { nodes { id testSessions { id } } } } } }', {})).body.data;
  const project = ids.projects.nodes[0];
  const video = project.videos.nodes[0];
  return [
    ['query($p: ID!) { project(id: $p) { id videos(first: 50) { totalCount pageInfo { hasNextPage endCursor } nodes { id filename status createdAt duration groundTruthCount maxConfidence } } } }', { p: project.id }],
    ['query($v: ID!) { video(id: $v) { id groundTruthStats(minConfidence: 0) { totalObjects avgConfidence uniqueClasses validatedCount validationRate } groundTruth(minConfidence: 0, first: 10000) { totalCount pageInfo { hasNextPage endCursor } nodes { id frameNumber timestamp classLabel confidence x y width height bboxArea validated difficult } } } }', { v: video.id }],
    ['query($s: ID!) { testSession(id: $s) { id status detections(minConfidence: 0.3, first: 500) { totalCount pageInfo { hasNextPage endCursor } nodes { id frameNumber classLabel confidence validationResult boundingBox { x y width height } } } } }', { s: video.testSessions[0].id }],
    ['query($p: ID!) { project(id: $p) { id name stats { videoCount videosByStatus { uploaded processing completed failed } groundTruthTotal groundTruthValidated testSessionsByStatus { running completed failed } detectionsByResult { total tp fp fn pending } } } }', { p: project.id }],
    ['{ projects(first: 20) { nodes { id name videos(first: 20) { nodes { id filename groundTruthStats { totalObjects avgConfidence uniqueClasses validatedCount validationRate } testSessions { id status detectionStats { total tp fp fn pending } } } } } } }', {}],
  ];
}
