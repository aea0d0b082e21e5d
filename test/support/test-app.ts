// The app under test, listening on a random loopback port, and a client that speaks GraphQL over
// HTTP to it the way real clients do (JSON POST), returning status, headers and body.
import { createApp, type App, type AppDeps } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Db } from '../../src/db/client.js';

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  body: { data?: T; errors?: { message: string; path?: string[]; extensions?: Record<string, any> }[] };
}

export interface TestApp {
  app: App;
  url: string;
  execute<T = any>(query: string, variables?: Record<string, unknown>, opts?: { headers?: Record<string, string> }): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

export async function createTestApp(db: Db, env: Record<string, string> = {}, deps: Omit<AppDeps, 'db'> = {}): Promise<TestApp> {
  const config: Config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', MIGRATE_ON_START: 'false', ...env });
  const app = await createApp(config, { ...deps, db });
  const url = await app.listen(0, '127.0.0.1');
  return {
    app,
    url,
    async execute(query, variables, opts = {}) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...opts.headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, headers: res.headers, body: await res.json() };
    },
    close: () => app.close(),
  };
}

/** Data of a response that must have succeeded; throws with the errors otherwise. */
export function dataOf<T = any>(res: GraphQLResponse<T>): T {
  if (res.body.errors?.length || res.status !== 200) {
    throw new Error(`expected data, got ${res.status}: ${JSON.stringify(res.body.errors ?? res.body)}`);
  }
  return res.body.data as T;
}
