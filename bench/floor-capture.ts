// Captures what truthgraph sends to PostgreSQL for each read scenario — every statement's exact text
// and parameters, grouped in the waves it dispatched them in — by running the real app in this
// process on a database handle whose statement listener records them. The floor (bench/floor.ts)
// replays these plans; the runner checks that both answer the same body before timing either.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createPostgresDb, type Param } from '../src/db/client.js';
import { poolOptionsOf } from '../src/db/open.js';
import { createLogger } from '../src/observability/logger.js';

export interface CapturedStatement {
  name: string;
  text: string;
  params: Param[];
}

/** One scenario's statements, wave by wave: a wave starts once every statement of the one before has answered. */
export interface FloorPlan {
  scenario: string;
  waves: CapturedStatement[][];
  /** truthgraph's response body for the captured request (compared with the floor's). */
  body: string;
}

/** Statements of authentication, not of the operation (x-sql-statements leaves them out too). */
export const authStatements = new Set(['activeApiKeyByHash', 'anyApiKeyExists', 'apiKeyFingerprint']);

interface Timed extends CapturedStatement {
  start: number;
  end: number;
}

/**
 * Groups statements into waves: the wave scheduler starts a wave only after every statement of the
 * previous one finished, so a statement that starts at or after the latest end seen so far opens a
 * new wave, and one that starts before it belongs to the current wave.
 */
export function groupIntoWaves(statements: readonly Timed[]): CapturedStatement[][] {
  const sorted = [...statements].sort((a, b) => a.start - b.start);
  const waves: CapturedStatement[][] = [];
  let waveEnd = -Infinity;
  for (const s of sorted) {
    if (!waves.length || s.start >= waveEnd) waves.push([]);
    waves[waves.length - 1].push({ name: s.name, text: s.text, params: s.params });
    waveEnd = Math.max(waveEnd, s.end);
  }
  return waves;
}

function post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string; statements: number | null }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const st = res.headers['x-sql-statements'];
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString(), statements: st === undefined ? null : Number(st) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface CaptureScenario {
  key: string;
  body: string;
}

/**
 * Runs truthgraph (production settings, cache off) in this process against `databaseUrl` and
 * records each scenario's statements. Throws when a scenario's statements do not add up to the
 * x-sql-statements count truthgraph reports.
 */
export async function captureFloorPlans(databaseUrl: string, scenarios: readonly CaptureScenario[], headers: Record<string, string>): Promise<FloorPlan[]> {
  const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: databaseUrl, CACHE: 'off', LOG_LEVEL: 'silent', MIGRATE_ON_START: 'false' });
  let recording: Timed[] | null = null;
  const db = createPostgresDb(databaseUrl, poolOptionsOf(config), [
    (name, ms, _ok, text, params) => {
      if (!recording || authStatements.has(name)) return;
      const end = performance.now();
      recording.push({ name, text, params: [...params], start: end - ms, end });
    },
  ]);
  const app = await createApp(config, { db, logger: createLogger(config) });
  try {
    await new Promise<void>((resolve) => app.httpServer.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(app.httpServer.address() as AddressInfo).port}/graphql`;
    const plans: FloorPlan[] = [];
    for (const s of scenarios) {
      await post(url, s.body, headers); // warm: connections, compiled operation
      recording = [];
      const reply = await post(url, s.body, headers);
      const captured = recording;
      recording = null;
      if (reply.status !== 200) throw new Error(`capture ${s.key}: HTTP ${reply.status} ${reply.text.slice(0, 200)}`);
      if (reply.statements !== captured.length) {
        throw new Error(`capture ${s.key}: truthgraph reported ${reply.statements} statements, the listener saw ${captured.length}`);
      }
      plans.push({ scenario: s.key, waves: groupIntoWaves(captured), body: reply.text });
    }
    return plans;
  } finally {
    await app.close();
    await db.close();
  }
}
