// Manual tool (not a test): drives a running truthgraph with autocannon on loopback, bounded in
// connections and time, and prints /health/database and an excerpt of /metrics taken mid-run. The
// load cycles through eight dashboard variants and, one request in ten, an updateVideo whose
// invalidation makes the pages showing that video miss again.
//   API_KEY=tg_… node --import tsx test/ops/load-capture.ts [url] [connections] [seconds]
import autocannon from 'autocannon';

const url = process.argv[2] ?? 'http://127.0.0.1:4000/graphql';
const connections = Math.min(Number(process.argv[3] ?? 100), 200);
const seconds = Math.min(Number(process.argv[4] ?? 10), 60);
if (!/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(url)) throw new Error(`loopback only, got ${url}`);

const query = `query Dashboard($n: Int!) { projects(first: 3) { nodes { id name stats { videoCount groundTruthTotal }
  videos(first: $n) { nodes { id filename processingStatus groundTruthCount groundTruth(first: 5) { nodes { id confidence } }
  testSessions { id detectionStats { total tp } } } } } } }`;
const headers = { 'content-type': 'application/json', ...(process.env.API_KEY ? { authorization: `Bearer ${process.env.API_KEY}` } : {}) };
const post = async (body: unknown) => (await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) })).json();
const first = await post({ query: `{ projects(first: 1) { nodes { videos(first: 1) { nodes { id } } } } }` });
const videoId = first?.data?.projects?.nodes?.[0]?.videos?.nodes?.[0]?.id;
if (!videoId) throw new Error(`no video to write to: ${JSON.stringify(first)}`);
let written = 0;
const requests: autocannon.Request[] = [
  ...Array.from({ length: 9 }, (_, i) => ({ body: JSON.stringify({ query, variables: { n: 6 + i } }) })),
  {
    setupRequest: (req: autocannon.Request) => ({
      ...req,
      body: JSON.stringify({
        query: 'mutation Touch($id: ID!, $p: String) { updateVideo(id: $id, input: { processingStatus: $p }) { id } }',
        variables: { id: videoId, p: `load-${++written}` },
      }),
    }),
  },
];

const origin = new URL(url).origin;
const midRun = new Promise<{ health: unknown; metrics: string }>((resolve) =>
  setTimeout(async () => {
    const health = await (await fetch(`${origin}/health/database`, { headers })).json();
    const metrics = await (await fetch(`${origin}/metrics`, { headers })).text();
    resolve({ health, metrics });
  }, (seconds * 1000) / 2),
);

const result = await autocannon({
  url,
  connections,
  duration: seconds,
  method: 'POST',
  headers,
  requests,
  verifyBody: (body) => body !== undefined && !String(body).includes('"errors"'),
});
const { health, metrics } = await midRun;
console.log('== /health/database at mid-run');
console.log(JSON.stringify(health, null, 2));
console.log('== /metrics excerpt at mid-run');
const keep = /^truthgraph_(db_pool_|cache_|graphql_requests_total|graphql_request_duration_seconds_(sum|count)|graphql_sql_statements_per_request_(sum|count)|db_statement_duration_seconds_(sum|count)\{statement="(videoPagesByProjects|projectPage|updateVideo)"|http_requests_total|process_resident_memory_bytes|nodejs_eventloop_lag_p99_seconds)/;
console.log(metrics.split('\n').filter((l) => keep.test(l) && !l.includes('_bucket')).join('\n'));
console.log('== autocannon');
console.log(
  JSON.stringify({
    connections,
    seconds,
    requests: result.requests.total,
    reqPerSec: result.requests.average,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    mismatches: result.mismatches,
  }),
);
