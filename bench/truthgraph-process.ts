// truthgraph as a child process of the benchmark, in production mode, with the API key it may require.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { post } from './http-client.js';
import { repoRoot, startServer, type ServerProcess } from './server-process.js';

export interface Truthgraph {
  server: ServerProcess;
  headers: Record<string, string>;
}

export interface TruthgraphOptions {
  databaseUrl: string;
  cached: boolean;
  /** Redis of the cached runs (with its database number); unset → the in-process store. */
  redisUrl?: string;
  /** REDIS_KEY_PREFIX of the benchmark's servers. */
  redisPrefix?: string;
  profile?: boolean;
  /** More environment for the server (e.g. CACHE_REFRESH_AHEAD=0). */
  env?: Record<string, string>;
  /** Node flags after the start script's (a later V8 flag wins), e.g. --max-semi-space-size=16. */
  nodeFlags?: string[];
  log?: (line: string) => void;
}

function runKeysCli(databaseUrl: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'npm',
      ['run', '-s', 'keys', '--', 'create', '--name', `bench-${Date.now()}`, '--admin'],
      { cwd: repoRoot, env: { ...process.env, DATABASE_URL: databaseUrl, NODE_ENV: 'production' }, timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`npm run keys failed: ${(stderr || err.message).trim().split('\n').slice(-3).join(' ')}`));
        const last = stdout.trim().split('\n').pop()?.trim();
        if (!last) return reject(new Error('npm run keys printed no key'));
        resolve(last);
      },
    );
  });
}

/** One admin key per database, created on first need. */
const keys = new Map<string, string>();

export async function startTruthgraph(o: TruthgraphOptions): Promise<Truthgraph> {
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    DATABASE_URL: o.databaseUrl,
    LOG_LEVEL: 'warn',
    MIGRATE_ON_START: 'false',
  };
  if (!o.cached) env.CACHE = 'off';
  if (o.redisUrl) env.REDIS_URL = o.redisUrl;
  if (o.redisPrefix) env.REDIS_KEY_PREFIX = o.redisPrefix;
  Object.assign(env, o.env);
  const server = await startServer({
    name: `truthgraph ${o.cached ? 'cached' : 'uncached'}`,
    script: 'src/main.ts',
    env,
    path: '/graphql',
    // BENCH_NODE_FLAGS: node flags for every server of a run (e.g. V8 heap settings, for A/B runs).
    nodeFlags: [...(o.profile ? ['--cpu-prof', '--cpu-prof-dir', join(repoRoot, 'bench/profiles')] : []), ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), ...(o.nodeFlags ?? [])],
  });
  // Production servers may require an API key (issue 7): probe without one.
  const probe = await post(server.url, { query: '{ __typename }', variables: {} });
  const headers: Record<string, string> = {};
  if (probe.status === 401) {
    let key = keys.get(o.databaseUrl);
    if (!key) {
      key = await runKeysCli(o.databaseUrl);
      keys.set(o.databaseUrl, key);
      o.log?.('  API keys required: created an admin key "bench" with npm run keys');
    }
    headers.authorization = `Bearer ${key}`;
  }
  return { server, headers };
}
