// The floor of a cache hit: a bare node:http handler that reads the entry truthgraph stored for a
// scenario — a plain GET of its key from the same Redis, or, without Redis, from a map in this
// process as the in-process store would — and writes its bytes. No authentication, no key hashing,
// no version check: what a hit costs above this is truthgraph's hit path.
// POST /cache-floor/<scenario> (the request body is read and ignored).
// Env: CACHE_FLOOR_ENTRIES (a JSON file of CacheFloorEntry[]), REDIS_URL (optional), PORT.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { Redis } from 'ioredis';

export interface CacheFloorEntry {
  scenario: string;
  /** The entry's Redis key (with REDIS_URL). */
  redisKey?: string;
  /** The entry's body (without Redis). */
  body?: string;
}

const file = process.env.CACHE_FLOOR_ENTRIES;
if (!file) throw new Error('CACHE_FLOOR_ENTRIES is required');
const entries = new Map((JSON.parse(readFileSync(file, 'utf8')) as CacheFloorEntry[]).map((e) => [e.scenario, e]));
const redis = process.env.REDIS_URL ? new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: 1 }) : null;
// Bytes, as the in-process store keeps them.
const inProcess = new Map([...entries].filter(([, e]) => e.body !== undefined).map(([k, e]) => [k, Buffer.from(e.body!)]));
const newline = Buffer.from('\n');

async function read(e: CacheFloorEntry): Promise<Buffer | null> {
  if (redis && e.redisKey) return redis.getBuffer(e.redisKey);
  return inProcess.get(e.scenario) ?? null;
}

const server = http.createServer((req, res) => {
  const m = /^\/cache-floor\/([\w-]+)$/.exec(req.url ?? '');
  const entry = m ? entries.get(m[1]) : undefined;
  req.resume();
  if (!entry) {
    res.writeHead(404).end();
    return;
  }
  req.on('end', () => {
    read(entry).then(
      (body) => {
        if (!body) return res.writeHead(404, { 'content-type': 'text/plain' }).end('entry gone');
        // The body and its newline without copying the body, as truthgraph's hit path writes them.
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length + 1, 'x-cache': 'HIT' });
        res.write(body);
        res.end(newline);
      },
      (err) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
    );
  });
});
const port = Number(process.env.PORT ?? 4201);
server.listen(port, '127.0.0.1', () => console.log(`cache floor serving ${[...entries.keys()].join(', ')} at http://127.0.0.1:${port}/cache-floor/<scenario>`));
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close();
    redis?.disconnect();
    process.exit(0);
  });
}
