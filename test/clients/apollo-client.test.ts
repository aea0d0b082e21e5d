// Apollo Client 4 as a frontend uses it, against a started truthgraph: automatic persisted queries
// with PersistedQueryLink over POST and over GET (useGETForHashedQueries), the second read served
// from the response cache, partial data kept with errorPolicy 'all', and the codegen manifest's
// hashes known to the server from the start (a trusted-documents client never sees
// PERSISTED_QUERY_NOT_FOUND). The snippets in docs/frontend.md are copied from here.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ApolloClient, CombinedGraphQLErrors, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { expect, it } from 'vitest';
import { describeEachServer, type ClientServer } from './client-server.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const manifest: Record<string, string> = JSON.parse(readFileSync(new URL('../../operations/__generated__/persisted-documents.json', import.meta.url), 'utf8'));

function apolloClient(server: ClientServer, opts: { useGETForHashedQueries?: boolean; generateHash?: () => string } = {}) {
  // docs/frontend.md: Apollo Client
  const link = new PersistedQueryLink(
    opts.generateHash
      ? { generateHash: opts.generateHash, useGETForHashedQueries: opts.useGETForHashedQueries }
      : { sha256, useGETForHashedQueries: opts.useGETForHashedQueries },
  ).concat(new HttpLink({ uri: server.url, headers: { authorization: `Bearer ${server.key}` }, fetch: server.fetch }));
  return new ApolloClient({ link, cache: new InMemoryCache() });
}

const isHashOnly = (params: Record<string, unknown>) => params.query === undefined && (params.extensions as any)?.persistedQuery?.sha256Hash !== undefined;

describeEachServer('Apollo Client 4', {}, (server) => {
  it('registers a document with PersistedQueryLink over POST, then sends its hash alone and is answered from the cache', async () => {
    const client = apolloClient(server());
    const query = gql`
      query ApolloPostProjects($first: Int) {
        projects(first: $first) { totalCount nodes { id name } }
      }
    `;
    const from = server().exchanges.length;
    const first = await client.query<any>({ query, variables: { first: 2 }, fetchPolicy: 'network-only' });
    expect(first.error).toBeUndefined();
    expect(first.data?.projects.totalCount).toBe(3);
    const second = await client.query<any>({ query, variables: { first: 2 }, fetchPolicy: 'network-only' });
    expect(second.data).toEqual(first.data);
    const wire = server().exchanges.slice(from);
    expect(wire.map((e) => [e.method, isHashOnly(e.params), e.status, e.xCache])).toEqual([
      ['POST', true, 200, 'BYPASS'], // PERSISTED_QUERY_NOT_FOUND: the link then sends the document
      ['POST', false, 200, 'MISS'],
      ['POST', true, 200, 'HIT'],
    ]);
  });

  it('sends hashed queries over GET (useGETForHashedQueries), with only the key, and the second GET hits the cache', async () => {
    const client = apolloClient(server(), { useGETForHashedQueries: true });
    const query = gql`
      query ApolloGetProjects($first: Int) {
        projects(first: $first) { nodes { id name videos(first: 2) { totalCount nodes { id filename } } } }
      }
    `;
    const from = server().exchanges.length;
    const first = await client.query<any>({ query, variables: { first: 3 }, fetchPolicy: 'network-only' });
    expect(first.error).toBeUndefined();
    expect(first.data?.projects.nodes).toHaveLength(3);
    expect(first.data?.projects.nodes[0].videos.totalCount).toBe(4);
    const second = await client.query<any>({ query, variables: { first: 3 }, fetchPolicy: 'network-only' });
    expect(second.data).toEqual(first.data);
    const wire = server().exchanges.slice(from);
    expect(wire.at(-1)).toMatchObject({ method: 'GET', status: 200, xCache: 'HIT' });
    expect(isHashOnly(wire.at(-1)!.params)).toBe(true);
    expect(wire.at(-1)!.requestHeaders.get('apollo-require-preflight')).toBeNull();
    expect(wire.filter((e) => e.status !== 200)).toEqual([]);
  });

  it("keeps partial data next to a field error with errorPolicy 'all' (the answer is 200)", async () => {
    const client = apolloClient(server());
    const { data, error } = await client.query<any>({
      query: gql`
        query ApolloPartial {
          projects(first: 1) { totalCount }
          project(id: "not-a-uuid") { id name }
        }
      `,
      errorPolicy: 'all',
      fetchPolicy: 'network-only',
    });
    expect(data?.projects.totalCount).toBe(3);
    expect(data?.project).toBeNull();
    expect(error?.message).toContain('must be a uuid');
    expect(server().exchanges.at(-1)!.status).toBe(200);
  });

  it('reads the code of a 400 request error from its body (application/graphql-response+json, which it prefers)', async () => {
    const { error } = await apolloClient(server()).query<any>({ query: gql`query ApolloInvalid { nothing }`, fetchPolicy: 'network-only', errorPolicy: 'all' });
    expect(server().exchanges.at(-1)).toMatchObject({ status: 400, contentType: 'application/graphql-response+json; charset=utf-8' });
    expect(CombinedGraphQLErrors.is(error)).toBe(true);
    expect((error as CombinedGraphQLErrors).errors[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('runs a manifest operation by its hash alone on the first request: the manifest is registered at start', async () => {
    const [hash, document] = Object.entries(manifest).find(([, doc]) => doc.includes('query ProjectList'))!;
    const client = apolloClient(server(), { useGETForHashedQueries: true, generateHash: () => hash });
    const from = server().exchanges.length;
    const { data, error } = await client.query<any>({ query: gql(document), variables: { first: 2 }, fetchPolicy: 'no-cache' });
    expect(error).toBeUndefined();
    expect(data?.projects.edges).toHaveLength(2);
    const wire = server().exchanges.slice(from);
    expect(wire).toHaveLength(1);
    expect(wire[0]).toMatchObject({ method: 'GET', status: 200 });
    expect(isHashOnly(wire[0].params)).toBe(true);
  });
});
