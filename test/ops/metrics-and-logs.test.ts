// /metrics in Prometheus format with truthgraph_* names, and one structured log line per request
// carrying the request id, operation, duration, SQL statement count, cache status and outcome.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { insertProject } from '../support/factories.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

function capturingLogger() {
  const lines: Record<string, any>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const scrape = async (app: TestApp) => (await fetch(app.url.replace('/graphql', '/metrics'), { headers: { authorization: `Bearer ${app.adminKey}` } })).text();
const sample = (text: string, prefix: string) => text.split('\n').filter((l) => l.startsWith(prefix));

describeEachDatabase('GET /metrics', (database) => {
  let app: TestApp;
  beforeAll(async () => {
    await insertProject(database().db, { name: 'metrics project' });
    app = await createTestApp(database().db);
  });
  afterAll(() => app?.close());

  it('counts GraphQL requests and their latency by operation name and outcome', async () => {
    await app.execute(`query ProjectList { projects(first: 1) { nodes { id } } }`);
    await app.execute(`query ProjectList { projects(first: 1) { nodes { id } } }`);
    await app.execute(`query VideoList { projects(first: 1000) { nodes { id } } }`);
    const res = await fetch(app.url.replace('/graphql', '/metrics'), { headers: { authorization: `Bearer ${app.adminKey}` } });
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('truthgraph_graphql_requests_total{operation="ProjectList",outcome="ok"} 2');
    expect(text).toContain('truthgraph_graphql_requests_total{operation="VideoList",outcome="client_error"} 1');
    expect(text).toContain('truthgraph_graphql_request_duration_seconds_count{operation="ProjectList",outcome="ok"} 2');
    expect(text).toMatch(/truthgraph_graphql_request_duration_seconds_bucket\{le="0\.005",operation="ProjectList",outcome="ok"\} \d+/);
    expect(text).toContain('truthgraph_http_requests_total{route="/graphql",method="POST",status="200"} 2');
    expect(text).toContain('truthgraph_http_requests_total{route="/graphql",method="POST",status="400"} 1');
  });

  it('records SQL statements per request and statement latency by statement name', async () => {
    const text = await scrape(app);
    // projects(first) with nodes sends projectPage (+ nothing else); the rejected one sends none.
    expect(text).toContain('truthgraph_graphql_sql_statements_per_request_count{operation="ProjectList"} 2');
    expect(text).toMatch(/truthgraph_graphql_sql_statements_per_request_bucket\{le="0",operation="VideoList"\} 1/);
    expect(text).toMatch(/truthgraph_db_statement_duration_seconds_count\{statement="projectPage",outcome="ok"\} 2/);
  });

  it('exports pool gauges, Node process metrics, and the cache counters with the hit ratio', async () => {
    // Real cache activity on an app with the in-process cache: one stored miss, then hits.
    const cached = await createTestApp(database().db, { CACHE: 'on' });
    try {
    const op = `query CacheMetrics { projects(first: 2) { totalCount } }`;
    for (let i = 0; i < 4; i++) await cached.execute(op);
    let text = await scrape(cached);
    for (const name of ['busy', 'waiting', 'utilisation_ratio', 'max_connections', 'connections_open', 'idle']) {
      expect(sample(text, `truthgraph_db_pool_${name} `)).toHaveLength(1);
    }
    expect(text).toMatch(/^truthgraph_process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^truthgraph_nodejs_eventloop_lag_seconds /m);
    const stats = cached.app.cache.stats();
    expect(stats.hits).toBeGreaterThanOrEqual(3);
    expect(text).toContain(`truthgraph_cache_hits_total ${stats.hits}`);
    expect(text).toContain(`truthgraph_cache_misses_total ${stats.misses}`);
    expect(text).toContain(`truthgraph_cache_invalidations_total ${stats.invalidations}`);
    expect(text).toContain(`truthgraph_cache_bytes ${stats.bytes}`);
    // Copies of large bodies are the Redis store's; the in-process store is its own copy.
    expect(text).toContain('truthgraph_cache_local_copy_hits_total 0');
    // The same body four times: keyed on its first hit, known on the next ones.
    expect(stats.knownBodyHits).toBeGreaterThanOrEqual(1);
    expect(text).toContain(`truthgraph_cache_known_body_hits_total ${stats.knownBodyHits}`);
    expect(text).toMatch(/^truthgraph_cache_hit_ratio 0\.\d+/m);
    expect(text).toContain('truthgraph_cache_state{state="memory"} 1');
    // Counters follow the cache's cumulative values across scrapes.
    await cached.execute(op);
    text = await scrape(cached);
    expect(text).toContain(`truthgraph_cache_hits_total ${stats.hits + 1}`);
    } finally {
      await cached.close();
    }
  });

  it('answers unparsable and oversized bodies with GraphQL-shaped JSON errors and counts them', async () => {
    const authorization = `Bearer ${app.adminKey}`;
    const broken = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: '{"query": ' });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'BAD_REQUEST' } }] });
    const huge = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(11 * 1024 * 1024) } }),
    });
    expect(huge.status).toBe(413);
    expect((await huge.json()).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    const text = await scrape(app);
    expect(text).toContain('truthgraph_graphql_requests_total{operation="unknown",outcome="client_error"} 2');
    expect(text).toContain('truthgraph_http_requests_total{route="/graphql",method="POST",status="413"} 1');
  });

  it('keeps client-chosen operation names from becoming unbounded label values', async () => {
    await app.execute(`query ${'X'.repeat(80)} { projects(first: 1) { totalCount } }`);
    const text = await scrape(app);
    expect(text).toContain('truthgraph_graphql_requests_total{operation="other",outcome="ok"} 1');
  });
});

describe('request log', () => {
  let app: TestApp;
  let lines: Record<string, any>[];
  let db: import('../../src/db/client.js').Db;
  beforeAll(async () => {
    const { createTestDatabase } = await import('../support/databases.js');
    const database = await createTestDatabase('pglite');
    db = database.db;
    const captured = capturingLogger();
    lines = captured.lines;
    app = await createTestApp(db, { SLOW_REQUEST_MS: '1000', FAULT_INJECTION: 'true', CACHE: 'on' }, { logger: captured.logger });
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  it('writes one line per GraphQL request with id, operation, duration, statements and outcome', async () => {
    const res = await app.execute(`query Dashboard { projects(first: 2) { totalCount nodes { id } } }`, {}, { headers: { 'x-request-id': 'trace-123' } });
    expect(res.headers.get('x-request-id')).toBe('trace-123');
    const mine = lines.filter((l) => l.requestId === 'trace-123');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ level: 30, msg: 'request', method: 'POST', route: '/graphql', status: 200, operation: 'Dashboard', outcome: 'ok', sqlStatements: Number(res.headers.get('x-sql-statements')) });
    expect(mine[0].sqlStatements).toBeGreaterThan(0);
    expect(mine[0].durationMs).toBeGreaterThan(0);
    expect(mine[0].cache).toBe('MISS');
  });

  it('generates a request id when none (or an unsafe one) comes in, and returns it', async () => {
    const res = await app.execute(`{ projects(first: 1) { totalCount } }`, {}, { headers: { 'x-request-id': 'bad id\twith spaces' } });
    const id = res.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.filter((l) => l.requestId === id)).toHaveLength(1);
    expect(lines.find((l) => l.requestId === id)).toMatchObject({ operation: 'anonymous', outcome: 'ok' });
  });

  it('logs error outcomes with their codes', async () => {
    const res = await app.execute(`query Broken { projects(first: 0) { totalCount } }`, {}, { headers: { 'x-request-id': 'bad-1' } });
    expect(res.status).toBe(400);
    expect(lines.find((l) => l.requestId === 'bad-1')).toMatchObject({ status: 400, outcome: 'client_error', errorCodes: ['BAD_USER_INPUT'], sqlStatements: 0 });
  });

  it('warns about requests slower than SLOW_REQUEST_MS', async () => {
    await app.execute(`query Slow { projects(first: 1) { totalCount } }`, {}, { headers: { 'x-request-id': 'slow-1', 'x-fault-delay-ms': '1200' } });
    const line = lines.find((l) => l.requestId === 'slow-1');
    expect(line).toMatchObject({ level: 40, msg: 'slow request', slow: true, slowRequestMs: 1000, operation: 'Slow' });
    expect(line!.durationMs).toBeGreaterThanOrEqual(1200);
  });

  it('includes the cache status the response cache set', async () => {
    await app.execute(`query Cached { projects(first: 1) { totalCount } }`, {}, { headers: { 'x-request-id': 'cache-0' } });
    await app.execute(`query Cached { projects(first: 1) { totalCount } }`, {}, { headers: { 'x-request-id': 'cache-1' } });
    expect(lines.find((l) => l.requestId === 'cache-0')).toMatchObject({ cache: 'MISS', operation: 'Cached' });
    expect(lines.find((l) => l.requestId === 'cache-1')).toMatchObject({ cache: 'HIT', operation: 'Cached' });
  });
});
