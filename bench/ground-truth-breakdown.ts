// npx tsx bench/ground-truth-breakdown.ts [--runs N]   (DATABASE_URL: a loaded benchmark database)
// Where scenario 2's time goes, in one process with no HTTP: the page's SQL alone (round trip and
// postgres.js row parsing), graphql-js execution of the whole operation over the real schema
// (SQL included), and JSON.stringify of the result. HTTP adds the rest (see npm run bench).
import { parse, execute } from 'graphql';
import { parseArgs } from 'node:util';
import { adminScope } from '../src/auth/scope.js';
import { createContext } from '../src/context.js';
import { createPostgresDb, defaultPoolOptions } from '../src/db/client.js';
import { groundTruthPagesByVideos } from '../src/db/queries/ground-truth.queries.js';
import { shapeForScale } from '../src/db/seed-data.js';
import { executableSchema } from '../src/graphql/schema.js';
import { percentile } from './measure.js';
import { quickShape, readScenarios, targetsFor } from './scenarios.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '30' }, quick: { type: 'boolean', default: false } } });
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL must name a loaded benchmark database');
const runs = Number(values.runs);
const targets = targetsFor(values.quick ? quickShape : shapeForScale(1, 1));
const op = readScenarios.find((s) => s.key === 'ground-truth-10k')!.op(targets);
const document = parse(op.query);
const schema = executableSchema();
const db = createPostgresDb(url, { ...defaultPoolOptions, max: 4 });

async function time(label: string, fn: () => Promise<unknown> | unknown): Promise<number> {
  for (let i = 0; i < 5; i++) await fn();
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    xs.push(performance.now() - t);
  }
  xs.sort((a, b) => a - b);
  const p50 = percentile(xs, 50);
  console.log(`${label.padEnd(48)} p50 ${p50.toFixed(1).padStart(7)} ms   min ${xs[0].toFixed(1).padStart(7)} ms`);
  return p50;
}

try {
  const sql = await time('SQL: 10,001-row page (postgres.js, parsed rows)', () =>
    groundTruthPagesByVideos(db, [targets.bigVideoId], { minConfidence: 0 }, 10_001));
  let result: unknown;
  const exec = await time('graphql-js execute of the operation (SQL included)', async () => {
    result = await execute({ schema, document, variableValues: op.variables, contextValue: createContext(db, adminScope) });
  });
  const json = await time('JSON.stringify of the result', () => JSON.stringify(result));
  console.log(`\nbytes ${JSON.stringify(result).length.toLocaleString('en-US')}; execute minus SQL ≈ ${(exec - sql).toFixed(1)} ms of resolver/completion work; execute + stringify ≈ ${(exec + json).toFixed(1)} ms`);
} finally {
  await db.close();
}
