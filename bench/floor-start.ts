// The floor of one scenario beside a running truthgraph server, for the tools that compare the two
// (perf-pair.ts, thread-cpu.ts): with `cached`, the cache floor reading the Redis entry truthgraph's hit
// reads; else the SQL floor replaying the statements truthgraph sends (captured from this checkout).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { captureFloorPlans } from './floor-capture.js';
import { redisKeyOf } from './floor-runs.js';
import type { ScenarioRequest } from './scenario-request.js';
import type { startServer } from './server-process.js';

export interface FloorBeside {
  cached: boolean;
  /** The GraphQL URL of the truthgraph server (running, with its cache entry stored when cached). */
  graphql: string;
  databaseUrl: string;
  redisUrl: string;
  /** The server's REDIS_KEY_PREFIX. */
  prefix: string;
  request: ScenarioRequest;
  /** Where the floor's input file goes. */
  dir: string;
  /** More scenarios the SQL floor answers (at `${path}/${their scenario}`). */
  also?: ScenarioRequest[];
}

/** How to start the floor (startServer's options); its scenario's path is `${path}/${scenario}`. */
export async function floorBeside(o: FloorBeside): Promise<Parameters<typeof startServer>[0]> {
  const { scenario, body, headers } = o.request;
  if (o.cached) {
    // The entry the hits read: the key whose bytes are the answer (without the newline Apollo adds).
    const text = await (await fetch(o.graphql, { method: 'POST', body, headers: { ...headers, 'content-type': 'application/json' } })).text();
    const redis = new Redis(o.redisUrl, { maxRetriesPerRequest: 1 });
    const redisKey = await redisKeyOf(redis, o.prefix, Buffer.from(text.endsWith('\n') ? text.slice(0, -1) : text)).finally(() => redis.disconnect());
    if (!redisKey) throw new Error('no stored entry holds the answer: is the scenario cached?');
    const entries = join(o.dir, 'entries.json');
    writeFileSync(entries, JSON.stringify([{ scenario: scenario.key, redisKey }]));
    return { name: 'cache floor', script: 'bench/cache-floor.ts', env: { CACHE_FLOOR_ENTRIES: entries, REDIS_URL: o.redisUrl }, path: '/cache-floor' };
  }
  const plans = join(o.dir, 'plans.json');
  writeFileSync(plans, JSON.stringify(await captureFloorPlans(o.databaseUrl, [o.request, ...(o.also ?? [])].map((r) => ({ key: r.scenario.key, body: r.body })), headers)));
  return { name: 'floor', script: 'bench/floor.ts', env: { DATABASE_URL: o.databaseUrl, FLOOR_PLANS: plans }, path: '/floor' };
}
