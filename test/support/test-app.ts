// The app under test, listening on a random loopback port, and a client that speaks GraphQL over
// HTTP to it the way real clients do (JSON POST), returning status, headers and body.
// Requests carry an admin API key created for the app unless a test says otherwise (`as`), so
// suites that are not about access run as they would with a real key.
import { createApiKey, type NewApiKey } from '../../src/auth/api-keys.js';
import { createApp, type App, type AppDeps } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Db } from '../../src/db/client.js';

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  body: { data?: T; errors?: { message: string; path?: string[]; extensions?: Record<string, any> }[] };
}

export interface ExecuteOptions {
  headers?: Record<string, string>;
  /** The API key to send; null sends none. Defaults to the app's admin key. */
  as?: string | null;
}

export interface TestApp {
  app: App;
  url: string;
  /** The admin key created for this app (null when created with `adminKey: false`). */
  adminKey: string | null;
  execute<T = any>(query: string, variables?: Record<string, unknown>, opts?: ExecuteOptions): Promise<GraphQLResponse<T>>;
  /** Creates an API key in the app's database and returns its secret. */
  createKey(input: NewApiKey): Promise<string>;
  close(): Promise<void>;
}

export type TestAppDeps = Omit<AppDeps, 'db'> & {
  /** Create an admin key and send it by default (true); false leaves the key table untouched. */
  adminKey?: boolean;
};

export async function createTestApp(db: Db, env: Record<string, string> = {}, deps: TestAppDeps = {}): Promise<TestApp> {
  // The response cache is off unless a test asks for it: factories write rows behind its back, so a
  // test that re-reads after a factory write would otherwise see its own earlier response. Refresh-ahead
  // too: cache tests follow exact MISS/HIT sequences after writes (test/cache/refresh-ahead.test.ts turns it on).
  const config: Config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', MIGRATE_ON_START: 'false', CACHE: 'off', CACHE_REFRESH_AHEAD: '0', ...env });
  const { adminKey: wantAdminKey, ...appDeps } = deps;
  const adminKey = wantAdminKey === false ? null : (await createApiKey(db, { name: 'test-admin', role: 'admin' })).secret;
  const app = await createApp(config, { ...appDeps, db });
  const url = await app.listen(0, '127.0.0.1');
  return {
    app,
    url,
    adminKey,
    async execute(query, variables, o = {}) {
      const key = o.as === undefined ? adminKey : o.as;
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...o.headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, headers: res.headers, body: await res.json() };
    },
    async createKey(input) {
      return (await createApiKey(db, input)).secret;
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
