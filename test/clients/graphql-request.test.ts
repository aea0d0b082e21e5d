// graphql-request 7 in POST and GET mode against a started truthgraph: with errorPolicy 'all' it
// keeps partial data next to field errors (the answer is 200), GET needs only the key, and the
// repeated GET is a cache hit. The snippets in docs/frontend.md are copied from here.
import { GraphQLClient, gql } from 'graphql-request';
import { expect, it } from 'vitest';
import { describeEachServer, type ClientServer } from './client-server.js';

function graphqlRequestClient(server: ClientServer, method: 'GET' | 'POST') {
  // docs/frontend.md: graphql-request
  return new GraphQLClient(server.url, {
    method,
    headers: { authorization: `Bearer ${server.key}` },
    errorPolicy: 'all',
    fetch: server.fetch,
  });
}

const partial = gql`
  query RequestPartial($first: Int) {
    projects(first: $first) { totalCount nodes { name } }
    project(id: "not-a-uuid") { id name }
  }
`;

describeEachServer('graphql-request 7', {}, (server) => {
  for (const method of ['POST', 'GET'] as const) {
    it(`keeps partial data with errorPolicy 'all' over ${method}`, async () => {
      const res = await graphqlRequestClient(server(), method).rawRequest<{ projects: { totalCount: number; nodes: { name: string }[] }; project: null }>(partial, { first: 2 });
      expect(res.status).toBe(200);
      expect(res.data.projects.totalCount).toBe(3);
      expect(res.data.projects.nodes).toHaveLength(2);
      expect(res.data.project).toBeNull();
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(server().exchanges.at(-1)!.method).toBe(method);
    });

    it(`reads over ${method}, the second time from the response cache`, async () => {
      const client = graphqlRequestClient(server(), method);
      const query = gql`query RequestProjects${method}($first: Int) { projects(first: $first) { nodes { id name } } }`;
      const from = server().exchanges.length;
      const first = await client.request<{ projects: { nodes: unknown[] } }>(query, { first: 3 });
      const second = await client.request(query, { first: 3 });
      expect(first.projects.nodes).toHaveLength(3);
      expect(second).toEqual(first);
      expect(server().exchanges.slice(from).map((e) => [e.method, e.status, e.xCache])).toEqual([
        [method, 200, 'MISS'],
        [method, 200, 'HIT'],
      ]);
    });
  }
});

describeEachServer('graphql-request 7, request errors', {}, (server) => {
  it('reads the code of a 400 request error from its body', async () => {
    const error = await graphqlRequestClient(server(), 'POST')
      .request(gql`query RequestInvalid { nothing }`)
      .then(() => null, (e: unknown) => e as { response: { status: number; errors?: { extensions?: { code?: string } }[] } });
    expect(error?.response.status).toBe(400);
    expect(error?.response.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
