// `npm run import` beside its floor, plain COPY of the same rows into the same indexed table
// (bench/import-floor-runs.ts), on its own: every round and the medians. `npm run bench` runs the same.
// IMPORT_DIR=<checkout> runs another checkout's `npm run import` against the same floor (an A/B).
// Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres [BENCH_DB_PREFIX=truthgraph_bench_] npx tsx bench/import-floor.ts [--lines 200000] [--lanes N] [--rounds 3]
import os from 'node:os';
import { parseArgs } from 'node:util';
import { importFloorRuns } from './import-floor-runs.js';
import { importFloorLine, importFloorTable } from './report.js';

const { values: opt } = parseArgs({ options: { lines: { type: 'string', default: '200000' }, lanes: { type: 'string' }, rounds: { type: 'string', default: '3' } } });
const importDir = process.env.IMPORT_DIR;

console.error(`load average ${os.loadavg()[0].toFixed(2)} at start${importDir ? `; import from ${importDir}` : ''}`);
importFloorRuns({
  serverUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  lines: Number(opt.lines),
  rounds: Number(opt.rounds),
  lanes: opt.lanes,
  importDir,
  prefix: process.env.BENCH_DB_PREFIX ?? 'truthgraph_bench_',
  log: (line) => console.error(line),
})
  .then((result) => {
    console.error(`load average ${os.loadavg()[0].toFixed(2)} at end`);
    console.log(importFloorTable(result));
    console.log('');
    console.log(importFloorLine(result));
  })
  .catch((err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exitCode = 1;
  });
