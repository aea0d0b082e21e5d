// The project's own typed documents (operations/ → codegen's TypedDocumentNode ASTs) in Apollo Client
// 4 and urql 6 as a frontend uses them: passed straight to client.query, normalized by
// InMemoryCache without a single warning (every entity has an id, ProjectStats included), paged to
// the end of a list with Apollo's relayStylePagination and fetchMore, and persisted by the clients'
// own default hashing — which finds the manifest registered at start (no PERSISTED_QUERY_NOT_FOUND),
// also in trusted-documents mode. The snippets in docs/relay.md and docs/frontend.md come from here.
import { createHash } from 'node:crypto';
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { relayStylePagination } from '@apollo/client/utilities';
import { Client, cacheExchange, fetchExchange } from '@urql/core';
import { persistedExchange } from '@urql/exchange-persisted';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import {
  ProjectDashboardDocument,
  ProjectListDocument,
  VideoDetailDocument,
  VideoListDocument,
  type VideoListQuery,
} from '../../operations/__generated__/graphql.js';
import { describeEachServer, type ClientServer } from './client-server.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function apolloClient(server: ClientServer, persisted = false) {
  // docs/relay.md: Apollo Client
  const http = new HttpLink({ uri: server.url, headers: { authorization: `Bearer ${server.key}` }, fetch: server.fetch });
  const cache = new InMemoryCache({
    typePolicies: {
      Query: { fields: { projects: relayStylePagination() } },
      Project: {
        fields: {
          videos: relayStylePagination(['status', 'groundTruthGenerated']),
          testSessions: relayStylePagination(['status']),
        },
      },
      Video: { fields: { groundTruth: relayStylePagination(['minConfidence', 'classLabel', 'validated', 'fromFrame', 'toFrame']) } },
      TestSession: { fields: { detections: relayStylePagination(['minConfidence', 'classLabel', 'validationResult', 'fromFrame', 'toFrame']) } },
    },
  });
  return new ApolloClient({ link: persisted ? new PersistedQueryLink({ sha256 }).concat(http) : http, cache });
}

function urqlClient(server: ClientServer) {
  return new Client({
    url: server.url,
    exchanges: [cacheExchange, persistedExchange({ preferGetForPersistedQueries: true }), fetchExchange],
    fetchOptions: { headers: { authorization: `Bearer ${server.key}` } },
    fetch: server.fetch,
  });
}

const isHashOnly = (params: Record<string, unknown>) => params.query === undefined && (params.extensions as any)?.persistedQuery?.sha256Hash !== undefined;

let warnings: { mock: { calls: unknown[][] }; mockRestore(): void }[] = [];
beforeEach(() => {
  warnings = [vi.spyOn(console, 'warn'), vi.spyOn(console, 'error')];
});
afterEach(() => {
  for (const spy of warnings) spy.mockRestore();
});
const logged = () => warnings.flatMap((spy) => spy.mock.calls.map((call) => call.map(String).join(' ')));

describeEachServer('typed documents', {}, (server) => {
  it('Apollo: relayStylePagination accumulates every video of a project over three fetchMore calls', async () => {
    const client = apolloClient(server());
    const variables = { projectId: server().projectIds[0], first: 1 };
    const watched = client.watchQuery({ query: VideoListDocument, variables });
    const subscription = watched.subscribe(() => {});
    try {
      await watched.refetch();
      const read = () => client.readQuery<VideoListQuery>({ query: VideoListDocument, variables })!.project!.videos;
      expect(read().edges).toHaveLength(1);
      for (let i = 0; i < 3; i++) await watched.fetchMore({ variables: { after: read().pageInfo.endCursor } });
      const videos = read();
      expect(videos.edges.map((e) => e.node.filename).sort()).toEqual(['clip_0_0.mp4', 'clip_0_1.mp4', 'clip_0_2.mp4', 'clip_0_3.mp4']);
      expect(new Set(videos.edges.map((e) => e.node.id)).size).toBe(4);
      expect(videos.pageInfo.hasNextPage).toBe(false);
      expect(videos.totalCount).toBe(4);
    } finally {
      subscription.unsubscribe();
    }
    expect(logged()).toEqual([]);
  });

  it('Apollo: the project list, dashboard and video detail normalize every entity without a warning', async () => {
    const client = apolloClient(server());
    const projectId = server().projectIds[1];
    const list = await client.query({ query: ProjectListDocument, variables: { first: 3 } });
    expect(list.error).toBeUndefined();
    const dashboard = await client.query({ query: ProjectDashboardDocument, variables: { projectId } });
    expect(dashboard.data?.project?.stats).toMatchObject({ __typename: 'ProjectStats', id: `stats:${projectId}`, videoCount: 4 });
    const videoId = (await client.query({ query: VideoListDocument, variables: { projectId } })).data!.project!.videos.edges[0].node.id;
    const detail = await client.query({ query: VideoDetailDocument, variables: { videoId } });
    expect(detail.data?.video?.project.id).toBe(projectId);
    const cached = client.cache.extract() as Record<string, unknown>;
    expect(cached).toHaveProperty(`Project:${projectId}`);
    expect(cached).toHaveProperty(`ProjectStats:stats:${projectId}`);
    expect(cached).toHaveProperty(`Video:${videoId}`);
    expect(logged()).toEqual([]);
  });

  it("Apollo: PersistedQueryLink's own hash of a typed document is in the manifest: the first request is the hash alone", async () => {
    const client = apolloClient(server(), true);
    const from = server().exchanges.length;
    const { data, error } = await client.query({ query: VideoListDocument, variables: { projectId: server().projectIds[2], first: 2 }, fetchPolicy: 'network-only' });
    expect(error).toBeUndefined();
    expect(data?.project?.videos.edges).toHaveLength(2);
    const wire = server().exchanges.slice(from);
    expect(wire.map((e) => [isHashOnly(e.params), e.status])).toEqual([[true, 200]]);
  });

  it("urql: a typed document runs as is, and the persisted exchange's own hash is in the manifest", async () => {
    const from = server().exchanges.length;
    const result = await urqlClient(server()).query(VideoListDocument, { projectId: server().projectIds[0], first: 2 }, { requestPolicy: 'network-only' }).toPromise();
    expect(result.error).toBeUndefined();
    expect(result.data?.project?.videos.edges.map((e) => e.node.__typename)).toEqual(['Video', 'Video']);
    const wire = server().exchanges.slice(from);
    expect(wire.map((e) => [e.method, isHashOnly(e.params), e.status])).toEqual([['GET', true, 200]]);
  });
});

describeEachServer('typed documents in trusted-documents mode', { TRUSTED_DOCUMENTS_ONLY: 'true' }, (server) => {
  it('Apollo with PersistedQueryLink runs the manifest operations and normalizes their entities', async () => {
    const client = apolloClient(server(), true);
    const projectId = server().projectIds[0];
    const dashboard = await client.query({ query: ProjectDashboardDocument, variables: { projectId } });
    expect(dashboard.error).toBeUndefined();
    const videos = await client.query({ query: VideoListDocument, variables: { projectId } });
    expect(videos.data?.project?.videos.totalCount).toBe(4);
    const cached = client.cache.extract() as Record<string, unknown>;
    expect(cached).toHaveProperty(`ProjectStats:stats:${projectId}`);
    for (const edge of videos.data!.project!.videos.edges) expect(cached).toHaveProperty(`Video:${edge.node.id}`);
    expect(server().exchanges.every((e) => isHashOnly(e.params) && e.status === 200)).toBe(true);
    expect(logged()).toEqual([]);
  });

  it('urql with its persisted exchange runs a manifest operation by hash alone', async () => {
    const result = await urqlClient(server()).query(ProjectListDocument, { first: 2 }, { requestPolicy: 'network-only' }).toPromise();
    expect(result.error).toBeUndefined();
    expect(result.data?.projects.edges).toHaveLength(2);
  });
});
