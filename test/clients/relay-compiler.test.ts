// relay-compiler 21 (the pinned devDependency) against schema.graphql: a small Relay app's documents
// — paginated fragments with @connection in both directions, @refetchable on every Node type and on
// ProjectStats, node(id:) queries — and the project's own operations/ documents compile without a
// single error; a document Relay must refuse is refused, so the run is a real validation. No server:
// the compiler checks documents against the schema file, as it does in a frontend's build.
// The Relay snippet in docs/relay.md is copied from here.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const compiler = join(root, 'node_modules/.bin/relay-compiler');

/** Relay names operations after their module: query `<Module>Query`, fragment `<Module>_<prop>`. */
const relayModules: Record<string, string> = {
  // docs/relay.md: Relay
  ProjectVideos: `
    query ProjectVideosQuery($id: ID!) {
      project(id: $id) { ...ProjectVideos_project }
    }
    fragment ProjectVideos_project on Project
      @refetchable(queryName: "ProjectVideosPaginationQuery")
      @argumentDefinitions(count: { type: "Int", defaultValue: 20 }, cursor: { type: "String" }, status: { type: "VideoStatus" }) {
      name
      videos(first: $count, after: $cursor, status: $status) @connection(key: "ProjectVideos_videos", filters: ["status"]) {
        totalCount
        edges { node { id filename status groundTruthCount } }
      }
    }`,
  SessionTimeline: `
    query SessionTimelineQuery($id: ID!) {
      node(id: $id) { ...SessionTimeline_session @alias }
    }
    fragment SessionTimeline_session on TestSession
      @refetchable(queryName: "SessionTimelinePaginationQuery")
      @argumentDefinitions(
        first: { type: "Int" }
        after: { type: "String" }
        last: { type: "Int", defaultValue: 100 }
        before: { type: "String" }
      ) {
      status
      detections(first: $first, after: $after, last: $last, before: $before) @connection(key: "SessionTimeline_detections") {
        edges { node { id frameNumber classLabel confidence validationResult } }
      }
    }`,
  GroundTruthTimeline: `
    fragment GroundTruthTimeline_video on Video
      @refetchable(queryName: "GroundTruthTimelinePaginationQuery")
      @argumentDefinitions(count: { type: "Int", defaultValue: 1000 }, cursor: { type: "String" }, fromFrame: { type: "Int" }) {
      groundTruthCount
      groundTruth(first: $count, after: $cursor, fromFrame: $fromFrame) @connection(key: "GroundTruthTimeline_groundTruth") {
        edges { node { id frameNumber x y width height } }
      }
    }`,
  ProjectList: `
    query ProjectListQuery {
      ...ProjectList_query
    }
    fragment ProjectList_query on Query
      @refetchable(queryName: "ProjectListPaginationQuery")
      @argumentDefinitions(count: { type: "Int", defaultValue: 20 }, cursor: { type: "String" }) {
      projects(first: $count, after: $cursor) @connection(key: "ProjectList_projects") {
        edges { node { id name stats { ...DashboardStats_stats } } }
      }
    }`,
  DashboardStats: `
    fragment DashboardStats_stats on ProjectStats @refetchable(queryName: "DashboardStatsRefetchQuery") {
      videoCount
      detectionsByResult { total tp fp }
    }`,
  NodeRefetch: `
    fragment NodeRefetch_box on GroundTruthObject @refetchable(queryName: "NodeRefetchBoxQuery") { confidence validated }
    fragment NodeRefetch_detection on DetectionEvent @refetchable(queryName: "NodeRefetchDetectionQuery") { validationResult }
    query NodeRefetchQuery($ids: [ID!]!) {
      nodes(ids: $ids) { __typename ... on Video { filename } }
    }`,
};

/** The project's operations/ documents as Relay modules (Relay wants a `Query` suffix on the name). */
function operationModules(): Record<string, string> {
  const modules: Record<string, string> = {};
  for (const folder of readdirSync(join(root, 'operations'), { withFileTypes: true })) {
    if (!folder.isDirectory() || folder.name.startsWith('__')) continue;
    for (const file of readdirSync(join(root, 'operations', folder.name)).filter((f) => f.endsWith('.graphql'))) {
      const text = readFileSync(join(root, 'operations', folder.name, file), 'utf8');
      const name = /query (\w+)/.exec(text)![1];
      modules[`Op${name}`] = text.replace(`query ${name}`, `query Op${name}Query`);
    }
  }
  return modules;
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function compile(modules: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'truthgraph-relay-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'src/__generated__'), { recursive: true });
  for (const [name, text] of Object.entries(modules)) writeFileSync(join(dir, 'src', `${name}.ts`), `export const documents = graphql\`${text}\`;\n`);
  writeFileSync(
    join(dir, 'relay.config.json'),
    JSON.stringify({ src: './src', schema: join(root, 'schema.graphql'), language: 'typescript', artifactDirectory: './src/__generated__' }),
  );
  const run = spawnSync(compiler, ['--noWatchman'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  const artifacts = (() => {
    try {
      return readdirSync(join(dir, 'src/__generated__'));
    } catch {
      return [];
    }
  })();
  return { status: run.status, output: `${run.stdout}\n${run.stderr}`, artifacts, dir };
}

describe('relay-compiler 21', () => {
  it('compiles paginated (@connection, both directions) and @refetchable fragments on every Node type against schema.graphql', () => {
    const { status, output, artifacts, dir } = compile(relayModules);
    expect(status, output).toBe(0);
    for (const query of ['ProjectVideosPaginationQuery', 'SessionTimelinePaginationQuery', 'GroundTruthTimelinePaginationQuery', 'ProjectListPaginationQuery', 'DashboardStatsRefetchQuery', 'NodeRefetchBoxQuery']) {
      expect(artifacts).toContain(`${query}.graphql.ts`);
    }
    // Refetch goes through Query.node; backward pagination is wired to last/before.
    const refetch = readFileSync(join(dir, 'src/__generated__/DashboardStatsRefetchQuery.graphql.ts'), 'utf8');
    expect(refetch).toMatch(/node\(id: \$id\)/);
    const timeline = readFileSync(join(dir, 'src/__generated__/SessionTimeline_session.graphql.ts'), 'utf8');
    expect(timeline).toMatch(/"direction": "bidirectional"/);
  }, 120_000);

  it("compiles the project's own operations/ documents", () => {
    const { status, output, artifacts } = compile(operationModules());
    expect(status, output).toBe(0);
    expect(artifacts.length).toBeGreaterThanOrEqual(6);
  }, 120_000);

  it('refuses @connection on a list that cannot page, so a green run means the schema was checked', () => {
    const { status, output } = compile({
      Broken: `fragment Broken_video on Video { testSessions @connection(key: "Broken_testSessions") { id } }`,
    });
    expect(status).not.toBe(0);
    expect(output).toMatch(/connection/i);
  }, 120_000);
});
