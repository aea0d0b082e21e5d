// urql 6 with its default settings — queries over GET (preferGetMethod 'within-url-limit'), only the
// key as a header — and with its persisted exchange (hash-only GETs, the document sent once after
// PERSISTED_QUERY_NOT_FOUND), against a started truthgraph; the repeated read is a cache hit.
// The snippets in docs/frontend.md are copied from here.
import { Client, cacheExchange, fetchExchange, gql } from '@urql/core';
import { persistedExchange } from '@urql/exchange-persisted';
import { expect, it } from 'vitest';
import { describeEachServer, type ClientServer } from './client-server.js';

function urqlClient(server: ClientServer, persisted = false) {
  // docs/frontend.md: urql
  return new Client({
    url: server.url,
    exchanges: persisted ? [cacheExchange, persistedExchange({ preferGetForPersistedQueries: true }), fetchExchange] : [cacheExchange, fetchExchange],
    fetchOptions: { headers: { authorization: `Bearer ${server.key}` } },
    fetch: server.fetch,
  });
}

const isHashOnly = (params: Record<string, unknown>) => params.query === undefined && (params.extensions as any)?.persistedQuery?.sha256Hash !== undefined;

describeEachServer('urql 6', {}, (server) => {
  it('sends queries over GET by default and reads the second answer from the response cache', async () => {
    const client = urqlClient(server());
    const query = gql`
      query UrqlProjects($first: Int) {
        projects(first: $first) { totalCount nodes { id name } }
      }
    `;
    const from = server().exchanges.length;
    const first = await client.query(query, { first: 2 }, { requestPolicy: 'network-only' }).toPromise();
    expect(first.error).toBeUndefined();
    expect(first.data.projects.totalCount).toBe(3);
    const second = await client.query(query, { first: 2 }, { requestPolicy: 'network-only' }).toPromise();
    expect(second.data).toEqual(first.data);
    const wire = server().exchanges.slice(from);
    expect(wire.map((e) => [e.method, e.status, e.xCache])).toEqual([
      ['GET', 200, 'MISS'],
      ['GET', 200, 'HIT'],
    ]);
    expect(wire[0].requestHeaders.get('accept')).toContain('application/graphql-response+json');
    expect(wire[1].contentType).toBe(wire[0].contentType);
  });

  it('keeps partial data next to a field error (the answer is 200)', async () => {
    const result = await urqlClient(server())
      .query(gql`query UrqlPartial { projects(first: 1) { totalCount } project(id: "not-a-uuid") { id name } }`, {}, { requestPolicy: 'network-only' })
      .toPromise();
    expect(result.data.projects.totalCount).toBe(3);
    expect(result.data.project).toBeNull();
    expect(result.error?.graphQLErrors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(server().exchanges.at(-1)!.status).toBe(200);
  });

  it('reads the code of a 400 request error from its body', async () => {
    const result = await urqlClient(server()).query(gql`query UrqlInvalid { nothing }`, {}, { requestPolicy: 'network-only' }).toPromise();
    expect(server().exchanges.at(-1)!.status).toBe(400);
    expect(result.error?.graphQLErrors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('registers a document through the persisted exchange once, then sends GETs with the hash alone that hit the cache', async () => {
    const client = urqlClient(server(), true);
    const query = gql`
      query UrqlPersisted($first: Int) {
        projects(first: $first) { nodes { id name videos(first: 3) { totalCount nodes { id filename } } } }
      }
    `;
    const from = server().exchanges.length;
    const first = await client.query(query, { first: 3 }, { requestPolicy: 'network-only' }).toPromise();
    expect(first.error).toBeUndefined();
    expect(first.data.projects.nodes[0].videos.totalCount).toBe(4);
    const second = await client.query(query, { first: 3 }, { requestPolicy: 'network-only' }).toPromise();
    expect(second.data).toEqual(first.data);
    const wire = server().exchanges.slice(from);
    expect(wire.map((e) => [e.method, isHashOnly(e.params), e.status])).toEqual([
      ['GET', true, 200], // PERSISTED_QUERY_NOT_FOUND
      ['GET', false, 200], // the document with its hash: registered
      ['GET', true, 200],
    ]);
    expect(wire.map((e) => e.xCache)).toEqual(['BYPASS', 'MISS', 'HIT']);
  });
});
