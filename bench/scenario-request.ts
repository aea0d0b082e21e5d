// The request the A/B tools (perf-pair, gc-pair, interleave) send for one read scenario of a scale-1
// database, with an admin key made for the run.
import { createApiKey } from '../src/auth/api-keys.js';
import { createPostgresDb, defaultPoolOptions } from '../src/db/client.js';
import { shapeForScale } from '../src/db/seed-data.js';
import { readScenarios, targetsFor, type ReadScenario } from './scenarios.js';

export interface ScenarioRequest {
  scenario: ReadScenario;
  body: string;
  /** The key as a header, for fetch and autocannon. */
  headers: { authorization: string };
}

/** The scenario named `key` (every scenario's key in the error otherwise) and its body. */
export function scenarioBody(key: string): { scenario: ReadScenario; body: string } {
  const scenario = readScenarios.find((s) => s.key === key);
  if (!scenario) throw new Error(`scenarios: ${readScenarios.map((s) => s.key).join(', ')}`);
  return { scenario, body: JSON.stringify(scenario.op(targetsFor(shapeForScale(1, 1)))) };
}

/** The scenario named `key`, its body and a new admin key named `tool-<time>`. */
export async function scenarioRequest(databaseUrl: string, key: string, tool: string): Promise<ScenarioRequest> {
  const { scenario, body } = scenarioBody(key);
  const db = createPostgresDb(databaseUrl, { ...defaultPoolOptions, max: 1 });
  try {
    const { secret } = await createApiKey(db, { name: `${tool}-${Date.now()}`, role: 'admin' });
    return { scenario, body, headers: { authorization: `Bearer ${secret}` } };
  } finally {
    await db.close();
  }
}
