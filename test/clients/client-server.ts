// The server the real-client tests talk to: truthgraph listening on a port, on PGlite with the
// in-process cache and, when DATABASE_URL / REDIS_URL are set, on PostgreSQL with Redis — with a few
// projects and videos, an API key, and a fetch that records what each client sent and what came
// back, so tests check the wire (method, hash-only or full document, x-cache), not only the data.
import { afterAll, beforeAll, describe } from 'vitest';
import { databaseKinds, createTestDatabase, type DatabaseKind, type TestDatabase } from '../support/databases.js';
import { insertProject, insertVideo } from '../support/factories.js';
import { redisUrl, removePrefix, uniquePrefix } from '../support/redis.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { patientRedis } from '../cache/cache-fixtures.js';

export interface Exchange {
  method: string;
  url: URL;
  requestHeaders: Headers;
  /** The parsed JSON body of a POST, or the GraphQL parameters of a GET. */
  params: Record<string, unknown>;
  status: number;
  xCache: string | null;
  contentType: string | null;
}

export interface ClientServer {
  app: TestApp;
  url: string;
  key: string;
  projectIds: string[];
  /** Every request made through `fetch`, in order. */
  exchanges: Exchange[];
  /** A fetch for the clients: records each exchange. */
  fetch: typeof fetch;
}

function paramsOf(url: URL, body: unknown): Record<string, unknown> {
  if (typeof body === 'string') return JSON.parse(body) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of url.searchParams) {
    try {
      out[k] = k === 'variables' || k === 'extensions' ? JSON.parse(v) : v;
    } catch {
      out[k] = v;
    }
  }
  return out;
}

export function recordingFetch(exchanges: Exchange[]): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const body = request.method === 'POST' ? await request.clone().text() : undefined;
    const res = await fetch(request);
    exchanges.push({
      method: request.method,
      url,
      requestHeaders: request.headers,
      params: paramsOf(url, body),
      status: res.status,
      xCache: res.headers.get('x-cache'),
      contentType: res.headers.get('content-type'),
    });
    return res;
  };
}

/** Runs `suite` against a server on every available database (PostgreSQL with Redis when set). */
export function describeEachServer(name: string, env: Record<string, string> | (() => Record<string, string>), suite: (server: () => ClientServer, kind: DatabaseKind) => void) {
  for (const kind of databaseKinds) {
    describe(`${name} [${kind === 'pglite' ? 'PGlite, in-process cache' : redisUrl ? 'PostgreSQL + Redis' : 'PostgreSQL'}]`, () => {
      let database: TestDatabase;
      let server: ClientServer;
      const prefix = uniquePrefix('clients');
      const useRedis = kind === 'postgres' && redisUrl !== undefined;
      beforeAll(async () => {
        database = await createTestDatabase(kind);
        const projectIds: string[] = [];
        for (let p = 0; p < 3; p++) {
          const projectId = await insertProject(database.db, { name: `Client Project ${p}` });
          projectIds.push(projectId);
          for (let v = 0; v < 4; v++) await insertVideo(database.db, projectId, { filename: `clip_${p}_${v}.mp4` });
        }
        const app = await createTestApp(database.db, {
          CACHE: 'on',
          ...(useRedis ? { REDIS_URL: redisUrl!, REDIS_KEY_PREFIX: prefix, ...patientRedis } : {}),
          ...(typeof env === 'function' ? env() : env),
        });
        const exchanges: Exchange[] = [];
        server = { app, url: app.url, key: app.adminKey!, projectIds, exchanges, fetch: recordingFetch(exchanges) };
      });
      afterAll(async () => {
        await server?.app.close();
        await database?.drop();
        if (useRedis) await removePrefix(redisUrl!, prefix);
      });
      suite(() => server, kind);
    });
  }
}
