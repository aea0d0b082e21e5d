// Generated GraphQL operations over the whole graph, for the cache properties: reads with random
// nesting (projects, videos, sessions, back-references, ground truth, detections, stats), small page
// sizes so look-ahead rows exist, random filters and cursors; and every mutation with random input.
// Arbitraries hold references (pool name + index), resolved against the live pools when an operation
// is rendered, so a generated sequence can target rows created earlier in the same sequence.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Db } from '../../src/db/client.js';
import { insertDetections, insertGroundTruth, insertProject, insertTestSession, insertVideo } from './factories.js';

export type PoolName = 'projects' | 'videos' | 'sessions' | 'boxes' | 'detections';
export type CursorKind = 'projects' | 'videos' | 'sessions' | 'groundTruth' | 'detections';

export interface Pools {
  projects: string[];
  videos: string[];
  sessions: string[];
  boxes: string[];
  detections: string[];
  /** Video id → project id, so a session is created on a video of its own project. */
  projectOfVideo: Map<string, string>;
  /** endCursors read from real pages, per list kind. */
  cursors: Record<CursorKind, string[]>;
}

/** Ids no row ever has (a read of one answers like any unknown id). */
export const unknownIds = ['00000000-0000-4000-8000-00000000dead', '00000000-0000-4000-8000-00000000beef'];

export interface Ref {
  pool: PoolName;
  i: number;
}

/**
 * A reference to a row of a pool; one index past the end is an unknown id. Small indices are
 * likelier, so reads and writes of one sequence meet on the same rows (the first project's).
 */
export const ref = (pool: PoolName): fc.Arbitrary<Ref> =>
  fc.oneof({ weight: 3, arbitrary: fc.nat({ max: 3 }) }, { weight: 1, arbitrary: fc.nat({ max: 1000 }) }).map((i) => ({ pool, i }));

export function resolve(pools: Pools, r: Ref): string {
  const list = pools[r.pool];
  const n = list.length + 1;
  const k = r.i % n;
  return k === list.length ? unknownIds[r.i % unknownIds.length] : list[k];
}

type Render = (p: Pools) => string;
const lit = (s: string): Render => () => s;
const join = (parts: (Render | null | undefined)[]): Render => (p) => parts.filter((x): x is Render => !!x).map((r) => r(p)).join(' ');
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 3 });

function args(list: (string | undefined)[]): string {
  const present = list.filter((x): x is string => x !== undefined);
  return present.length ? `(${present.join(', ')})` : '';
}

// Page sizes of 1..3 (1 and 2 likelier): every page of the seeded graph has a look-ahead row.
const first = fc.constantFrom(1, 1, 2, 2, 3);
/**
 * A page window: `first` (and `after`), or one time in four `last` (and `before`). Cursors come from
 * pages of every parent of the kind, so some belong to another parent's list (BAD_USER_INPUT, which
 * the cache must answer like any other error).
 */
const cursorOf = (kind: CursorKind) =>
  fc.record({ i: rarely(fc.nat({ max: 1000 })), back: rarely(fc.constant(true)) }).map(({ i, back }) => ({
    size: (n: number) => `${back ? 'last' : 'first'}: ${n}`,
    cursor: (p: Pools) => {
      const list = p.cursors[kind];
      return i === undefined || list.length === 0 ? undefined : `${back ? 'before' : 'after'}: ${JSON.stringify(list[i % list.length])}`;
    },
  }));
/** A filter argument: absent three times in four, so unfiltered pages (the ones priming by-id loaders) dominate. */
const rarely = <T>(a: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: a });
const confidence = fc.constantFrom(0, 0.3, 0.5, 0.8);
const label = fc.constantFrom('car', 'person');

const pageInfo = fc.constantFrom('pageInfo { hasNextPage endCursor }', 'pageInfo { hasNextPage }', 'pageInfo { hasPreviousPage startCursor }', '');
const totalCount = fc.constantFrom('totalCount', '');

function connection(fieldArgs: fc.Arbitrary<(p: Pools) => string>, nodes: fc.Arbitrary<Render>, name: string): fc.Arbitrary<Render> {
  return fc.record({ a: fieldArgs, t: totalCount, pi: pageInfo, edges: fc.boolean(), nodes }).map(({ a, t, pi, edges, nodes: n }) => (p: Pools) =>
    `${name}${a(p)} { ${t} ${pi} ${edges ? 'edges { cursor }' : ''} nodes { ${n(p)} } }`,
  );
}

/**
 * One selection: its scalar fields and each of its nested fields, likely above the last level (11 in
 * 12) and less so there (1 in 2), so reads stay small; `rare` ones 1 in 3 at any depth: the
 * dashboard counters, which nearly every write reaches and so would mask everything else.
 */
function selection(depth: number, scalars: string, children: Record<string, fc.Arbitrary<Render>>, rare: string[] = []): fc.Arbitrary<Render> {
  const names = Object.keys(children);
  const threshold = depth >= 1 ? 1 : 6;
  return fc
    .record({ present: fc.array(fc.nat({ max: 11 }), { minLength: names.length, maxLength: names.length }), parts: fc.record(children) })
    .map(({ present, parts }) =>
      join([lit(scalars), ...names.filter((name, i) => present[i] >= (rare.includes(name) ? 8 : threshold)).map((name) => parts[name])]),
    );
}

const statsSel = fc.constantFrom(
  'stats { videoCount }',
  'stats { videosByStatus { uploaded processing completed failed } }',
  'stats { groundTruthTotal groundTruthValidated }',
  'stats { testSessionsByStatus { running completed failed } }',
  'stats { detectionsByResult { total tp fp fn pending } }',
);

const videoStatus = fc.constantFrom('UPLOADED', 'PROCESSING', 'COMPLETED', 'FAILED');
const sessionStatus = fc.constantFrom('RUNNING', 'COMPLETED', 'FAILED');
const validationResult = fc.constantFrom('TP', 'FP', 'FN', 'PENDING');
const none = fc.constant(lit(''));

export function projectSel(depth: number): fc.Arbitrary<Render> {
  const videosArgs = fc
    .record({ f: first, s: rarely(videoStatus), g: rarely(fc.boolean()), c: cursorOf('videos') })
    .map(({ f, s, g, c }) => (p: Pools) => args([c.size(f), s && `status: ${s}`, g === undefined ? undefined : `groundTruthGenerated: ${g}`, c.cursor(p)]));
  const sessionsArgs = fc
    .record({ f: first, s: rarely(sessionStatus), c: cursorOf('sessions') })
    .map(({ f, s, c }) => (p: Pools) => args([c.size(f), s && `status: ${s}`, c.cursor(p)]));
  const children = {
    stats: statsSel.map(lit),
    videos: depth > 0 ? connection(videosArgs, videoSel(depth - 1), 'videos') : none,
    sessions: depth > 0 ? connection(sessionsArgs, sessionSel(depth - 1), 'testSessions') : none,
  };
  return selection(depth, 'id name', children, ['stats']);
}

const videoScalars = 'id filename status processingStatus groundTruthGenerated groundTruthCount maxConfidence';

export function videoSel(depth: number): fc.Arbitrary<Render> {
  const gtArgs = fc
    .record({ f: first, m: rarely(confidence), v: rarely(fc.boolean()), l: rarely(label), from: rarely(fc.nat({ max: 3 })), c: cursorOf('groundTruth') })
    .map(({ f, m, v, l, from, c }) => (p: Pools) =>
      args([c.size(f), m === undefined ? undefined : `minConfidence: ${m}`, v === undefined ? undefined : `validated: ${v}`, l && `classLabel: "${l}"`, from === undefined ? undefined : `fromFrame: ${from}`, c.cursor(p)]),
    );
  const boxNode = fc.boolean().map((back) => lit(`id frameNumber confidence validated classLabel${back && depth > 0 ? ` video { ${videoScalars} }` : ''}`));
  const children = {
    project: depth > 0 ? projectSel(depth - 1).map((r) => (p: Pools) => `project { ${r(p)} }`) : none,
    groundTruth: depth > 0 ? connection(gtArgs, boxNode, 'groundTruth') : none,
    stats: rarely(confidence).map((m) => lit(`groundTruthStats${m === undefined ? '' : `(minConfidence: ${m})`} { totalObjects avgConfidence uniqueClasses validatedCount validationRate }`)),
    sessions: depth > 0 ? fc.record({ s: rarely(sessionStatus), sel: sessionSel(depth - 1) }).map(({ s, sel }) => (p: Pools) => `testSessions${s ? `(status: ${s})` : ''} { ${sel(p)} }`) : none,
  };
  return selection(depth, videoScalars, children);
}

export function sessionSel(depth: number): fc.Arbitrary<Render> {
  const detArgs = fc
    .record({ f: first, m: rarely(confidence), r: rarely(validationResult), l: rarely(label), c: cursorOf('detections') })
    .map(({ f, m, r, l, c }) => (p: Pools) =>
      args([c.size(f), m === undefined ? undefined : `minConfidence: ${m}`, r && `validationResult: ${r}`, l && `classLabel: "${l}"`, c.cursor(p)]),
    );
  const detNode = fc.boolean().map((back) =>
    lit(`id frameNumber confidence validationResult classLabel boundingBox { x width }${back ? ' testSession { id status detectionStats { total tp } }' : ''}`),
  );
  const children = {
    project: depth > 0 ? projectSel(depth - 1).map((r) => (p: Pools) => `project { ${r(p)} }`) : none,
    // A back-reference even at the last level: it is the read that finds a primed row in a by-id cache.
    video: depth > 0 ? videoSel(depth - 1).map((r) => (p: Pools) => `video { ${r(p)} }`) : fc.constant(lit(`video { ${videoScalars} }`)),
    detections: depth > 0 ? connection(detArgs, detNode, 'detections') : none,
  };
  return selection(depth, 'id status completedAt detectionStats { total tp fp fn pending }', children);
}

export type Scope = { kind: 'admin' } | { kind: 'member'; projects: Ref[] };

export interface Read {
  query: string;
  /** The x-test-scope header (test/cache/cache-fixtures.ts scopeFromHeader); undefined = admin. */
  scope?: string;
}

/** A Relay node id: a row of any pool (or an unknown id), or a project's counters (`stats:<id>`). */
const nodeRef: fc.Arbitrary<Render> = fc.oneof(
  ...(['projects', 'videos', 'sessions', 'boxes', 'detections'] as const).map((pool) => ref(pool).map((r) => (p: Pools) => resolve(p, r))),
  ref('projects').map((r) => (p: Pools) => `stats:${resolve(p, r)}`),
);
/**
 * What a node read shows of each type: its own fields and, at times, a back-reference (by-id loaders).
 * Fields of one name and different types are aliased (`status` of a video and of a session could
 * not share a response key).
 */
const nodeSel: fc.Arbitrary<Render> = fc
  .record({ project: projectSel(0), deep: fc.boolean() })
  .map(({ project, deep }) => (p: Pools) =>
    `__typename id ... on Project { ${project(p)} }
     ... on Video { filename videoStatus: status processingStatus groundTruthCount maxConfidence${deep ? ' project { id name }' : ''} }
     ... on TestSession { sessionStatus: status completedAt detectionStats { total tp fp fn pending }${deep ? ` video { ${videoScalars} }` : ''} }
     ... on GroundTruthObject { frameNumber confidence validated${deep ? ` video { ${videoScalars} }` : ''} }
     ... on DetectionEvent { validationResult confidence${deep ? ' testSession { id status detectionStats { total tp } }' : ''} }
     ... on ProjectStats { videoCount groundTruthTotal detectionsByResult { total } }`,
  );

// Root selections are mostly one level of lists below the root (a few statements per read, so a run
// compares thousands of reads), sometimes two; node lookups (node, nodes) are one root field in seven.
const rootDepth = fc.constantFrom(1, 1, 1, 2);
const rootField = fc.oneof(
  {
    weight: 3,
    arbitrary: rootDepth.chain((d) => fc.record({ f: first, c: cursorOf('projects'), sel: projectSel(d) })).map(({ f, c, sel }) => (p: Pools) =>
      `projects${args([c.size(f), c.cursor(p)])} { totalCount pageInfo { hasNextPage endCursor } nodes { ${sel(p)} } }`,
    ),
  },
  { weight: 3, arbitrary: rootDepth.chain((d) => fc.record({ r: ref('projects'), sel: projectSel(d) })).map(({ r, sel }) => (p: Pools) => `project(id: "${resolve(p, r)}") { ${sel(p)} }`) },
  { weight: 3, arbitrary: rootDepth.chain((d) => fc.record({ r: ref('videos'), sel: videoSel(d) })).map(({ r, sel }) => (p: Pools) => `video(id: "${resolve(p, r)}") { ${sel(p)} }`) },
  { weight: 3, arbitrary: rootDepth.chain((d) => fc.record({ r: ref('sessions'), sel: sessionSel(d) })).map(({ r, sel }) => (p: Pools) => `testSession(id: "${resolve(p, r)}") { ${sel(p)} }`) },
  { weight: 1, arbitrary: fc.record({ r: nodeRef, sel: nodeSel }).map(({ r, sel }) => (p: Pools) => `node(id: "${r(p)}") { ${sel(p)} }`) },
  {
    weight: 1,
    arbitrary: fc.record({ rs: fc.array(nodeRef, { minLength: 1, maxLength: 4 }), sel: nodeSel }).map(({ rs, sel }) => (p: Pools) =>
      `nodes(ids: [${rs.map((r) => JSON.stringify(r(p))).join(', ')}]) { ${sel(p)} }`,
    ),
  },
);

export const scopeArb: fc.Arbitrary<Scope> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'admin' as const }) },
  { weight: 1, arbitrary: fc.array(ref('projects'), { minLength: 1, maxLength: 2 }).map((projects) => ({ kind: 'member' as const, projects })) },
);

/** A read: one or two aliased root fields, as admin or as a member of one or two projects. */
export const readArb: fc.Arbitrary<(p: Pools) => Read> = fc
  .record({ roots: fc.array(rootField, { minLength: 1, maxLength: 2 }), scope: scopeArb })
  .map(({ roots, scope }) => (p: Pools) => ({
    query: `{ ${roots.map((r, i) => `r${i}: ${r(p)}`).join(' ')} }`,
    scope: scope.kind === 'admin' ? undefined : [...new Set(scope.projects.map((r) => resolve(p, r)))].join(','),
  }));

export interface Write {
  name: string;
  query: string;
  variables: Record<string, unknown>;
  /** Adds what an acknowledged write created to the pools. */
  created?(data: any, p: Pools): void;
}

const box = (o: { c: number; v: boolean; l: string; f: number }, id?: string) => ({
  ...(id ? { id } : {}),
  frameNumber: o.f,
  timestamp: o.f / 30,
  classLabel: o.l,
  confidence: o.c,
  x: 1,
  y: 2,
  width: 3,
  height: 4,
  validated: o.v,
});
const boxSpec = fc.record({ c: fc.constantFrom(0.1, 0.4, 0.6, 0.9), v: fc.boolean(), l: label, f: fc.nat({ max: 4 }) });
const detSpec = fc.record({ c: fc.constantFrom(0.1, 0.4, 0.6, 0.9), r: validationResult, l: label, f: fc.nat({ max: 4 }) });

/** Every mutation, with random targets (rows of the pools, some unknown) and input. */
export const writeArb: fc.Arbitrary<(p: Pools) => Write> = fc.oneof(
  fc.constant((_: Pools): Write => ({
    name: 'createProject',
    query: `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
    variables: { input: { name: `generated ${randomUUID().slice(0, 8)}` } },
    created: (d, p) => p.projects.push(d.createProject.id),
  })),
  fc.record({ r: ref('projects'), s: opt(videoStatus) }).map(({ r, s }) => (p: Pools): Write => {
    const projectId = resolve(p, r);
    return {
      name: 'createVideo',
      query: `mutation($input: CreateVideoInput!) { createVideo(input: $input) { id } }`,
      variables: { input: { projectId, filename: 'generated.mp4', duration: 1, fileSize: 1, ...(s ? { status: s } : {}) } },
      created: (d, pools) => {
        pools.videos.push(d.createVideo.id);
        pools.projectOfVideo.set(d.createVideo.id, projectId);
      },
    };
  }),
  // The most common write of a real client: a field of a row many pages show.
  { weight: 3, arbitrary: fc
    .record({ r: ref('videos'), s: rarely(videoStatus), ps: opt(fc.constantFrom('transcoding', 'done', null)), g: rarely(fc.boolean()) })
    .map(({ r, s, ps, g }) => (p: Pools): Write => ({
      name: 'updateVideo',
      query: `mutation($id: ID!, $input: UpdateVideoInput!) { updateVideo(id: $id, input: $input) { id } }`,
      variables: {
        id: resolve(p, r),
        input: { ...(s ? { status: s } : {}), ...(ps !== undefined ? { processingStatus: ps } : { processingStatus: `s${randomUUID().slice(0, 4)}` }), ...(g === undefined ? {} : { groundTruthGenerated: g }) },
      },
    })) },
  ref('videos').map((r) => (p: Pools): Write => ({ name: 'deleteVideo', query: `mutation($id: ID!) { deleteVideo(id: $id) }`, variables: { id: resolve(p, r) } })),
  fc
    .record({ r: ref('videos'), boxes: fc.array(boxSpec, { minLength: 1, maxLength: 3 }), update: opt(ref('boxes')) })
    .map(({ r, boxes, update }) => (p: Pools): Write => {
      const ids = boxes.map((_, i) => (i === 0 && update && p.boxes.length ? resolve(p, update) : randomUUID()));
      return {
        name: 'upsertGroundTruth',
        query: `mutation($videoId: ID!, $objects: [GroundTruthInput!]!) { upsertGroundTruth(videoId: $videoId, objects: $objects) { inserted updated } }`,
        variables: { videoId: resolve(p, r), objects: boxes.map((b, i) => box(b, ids[i])) },
        created: (_, pools) => pools.boxes.push(...ids.filter((id) => !pools.boxes.includes(id))),
      };
    }),
  fc.record({ rs: fc.array(ref('boxes'), { minLength: 1, maxLength: 3 }), v: fc.boolean() }).map(({ rs, v }) => (p: Pools): Write => ({
    name: 'setGroundTruthValidated',
    query: `mutation($ids: [ID!]!, $v: Boolean!) { setGroundTruthValidated(ids: $ids, validated: $v) }`,
    variables: { ids: [...new Set(rs.map((r) => resolve(p, r)))], v },
  })),
  fc.array(ref('boxes'), { minLength: 1, maxLength: 2 }).map((rs) => (p: Pools): Write => ({
    name: 'deleteGroundTruth',
    query: `mutation($ids: [ID!]!) { deleteGroundTruth(ids: $ids) }`,
    variables: { ids: [...new Set(rs.map((r) => resolve(p, r)))] },
  })),
  ref('videos').map((r) => (p: Pools): Write => {
    const videoId = resolve(p, r);
    const projectId = p.projectOfVideo.get(videoId) ?? unknownIds[0];
    return {
      name: 'createTestSession',
      query: `mutation($input: CreateTestSessionInput!) { createTestSession(input: $input) { id } }`,
      variables: { input: { projectId, videoId } },
      created: (d, pools) => pools.sessions.push(d.createTestSession.id),
    };
  }),
  fc.record({ r: ref('sessions'), s: fc.constantFrom('COMPLETED', 'FAILED') }).map(({ r, s }) => (p: Pools): Write => ({
    name: 'completeTestSession',
    query: `mutation($id: ID!, $s: TestSessionStatus!) { completeTestSession(id: $id, status: $s) { id } }`,
    variables: { id: resolve(p, r), s },
  })),
  fc
    .record({ r: ref('sessions'), dets: fc.array(detSpec, { minLength: 1, maxLength: 3 }), update: opt(ref('detections')) })
    .map(({ r, dets, update }) => (p: Pools): Write => {
      const ids = dets.map((_, i) => (i === 0 && update && p.detections.length ? resolve(p, update) : randomUUID()));
      return {
        name: 'ingestDetections',
        query: `mutation($s: ID!, $d: [DetectionInput!]!) { ingestDetections(testSessionId: $s, detections: $d) { inserted updated } }`,
        variables: {
          s: resolve(p, r),
          d: dets.map((d, i) => ({ id: ids[i], frameNumber: d.f, timestamp: d.f / 30, classLabel: d.l, confidence: d.c, validationResult: d.r, boundingBox: { x: 1, y: 2, width: 3, height: 4 } })),
        },
        created: (_, pools) => pools.detections.push(...ids.filter((id) => !pools.detections.includes(id))),
      };
    }),
  fc.record({ rs: fc.array(ref('detections'), { minLength: 1, maxLength: 3 }), v: validationResult }).map(({ rs, v }) => (p: Pools): Write => ({
    name: 'setValidationResults',
    query: `mutation($ids: [ID!]!, $v: ValidationResult!) { setValidationResults(detectionIds: $ids, result: $v) }`,
    variables: { ids: [...new Set(rs.map((r) => resolve(p, r)))], v },
  })),
);

/**
 * A small graph with look-ahead rows everywhere: projects of three videos (statuses and flags mixed, a
 * minute apart), two boxes per video, sessions on the two older videos (the rows a page of one or two
 * videos fetches but does not show; the newer session on the middle video), two detections each. The
 * first project of the pools is the newest, so project lists show it first.
 */
export async function seedGraph(db: Db, projects = 2): Promise<Pools> {
  const pools: Pools = { projects: [], videos: [], sessions: [], boxes: [], detections: [], projectOfVideo: new Map(), cursors: { projects: [], videos: [], sessions: [], groundTruth: [], detections: [] } };
  const statuses = ['completed', 'processing', 'uploaded', 'failed'] as const;
  const created: Pools[] = [];
  for (let p = projects - 1; p >= 0; p--) {
    const one: Pools = { ...pools, projects: [], videos: [], sessions: [], boxes: [], detections: [] };
    // Created now: the newest projects, so the generated project lists show them.
    const projectId = await insertProject(db);
    one.projects.push(projectId);
    for (let v = 0; v < 3; v++) {
      const videoId = await insertVideo(db, projectId, { status: statuses[(p + v) % 4], groundTruthGenerated: v % 2 === 0, createdAt: `2026-02-01T00:0${v}:00Z` });
      one.videos.push(videoId);
      pools.projectOfVideo.set(videoId, projectId);
      one.boxes.push(
        ...(await insertGroundTruth(db, videoId, [
          { frame_number: 1, confidence: 0.9, class_label: 'car', validated: v === 1 },
          { frame_number: 2, confidence: 0.4, class_label: 'person' },
        ])),
      );
    }
    for (const [i, videoId] of [one.videos[0], one.videos[1]].entries()) {
      const sessionId = await insertTestSession(db, projectId, videoId, { status: i === 0 ? 'completed' : 'running', startedAt: `2026-03-01T00:0${i}:00Z` });
      one.sessions.push(sessionId);
      one.detections.push(
        ...(await insertDetections(db, sessionId, [
          { frame_number: 1, confidence: 0.9, validation_result: 'TP' },
          { frame_number: 2, confidence: 0.4, class_label: 'person' },
        ])),
      );
    }
    created.unshift(one);
  }
  for (const one of created) {
    for (const pool of ['projects', 'videos', 'sessions', 'boxes', 'detections'] as const) pools[pool].push(...one[pool]);
  }
  return pools;
}

/** Reads endCursors of first pages of every list kind (through an uncached server) into the pools. */
export async function collectCursors(execute: (query: string) => Promise<any>, pools: Pools): Promise<void> {
  const lists = `videos(first: 1) { pageInfo { endCursor } nodes { id groundTruth(first: 1, minConfidence: 0) { pageInfo { endCursor } } } }
    testSessions(first: 1) { pageInfo { endCursor } nodes { id detections(first: 1) { pageInfo { endCursor } } } }`;
  const q = `{ one: projects(first: 1) { pageInfo { endCursor } } two: projects(first: 2) { pageInfo { endCursor } }
    ${pools.projects.map((id, i) => `p${i}: project(id: "${id}") { ${lists} }`).join(' ')} }`;
  const data = await execute(q);
  const push = (kind: CursorKind, c: string | null | undefined) => c && pools.cursors[kind].push(c);
  push('projects', data.one.pageInfo.endCursor);
  push('projects', data.two.pageInfo.endCursor);
  for (let i = 0; i < pools.projects.length; i++) {
    const p = data[`p${i}`];
    push('videos', p.videos.pageInfo.endCursor);
    for (const v of p.videos.nodes) push('groundTruth', v.groundTruth.pageInfo.endCursor);
    push('sessions', p.testSessions.pageInfo.endCursor);
    for (const s of p.testSessions.nodes) push('detections', s.detections.pageInfo.endCursor);
  }
}
