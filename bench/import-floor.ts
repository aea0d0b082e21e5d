// `npm run import` beside its floor, in one run: the same ground-truth rows COPY'd by one plain
// `COPY ground_truth_objects (…) FROM STDIN` into the same indexed table (default settings: foreign-key
// checks and counter triggers on), with the COPY text rendered before the clock starts. Both start from
// identical copies of one template database (the project and videos the file points at, no boxes).
// Reports rows/s of the import fresh (into the empty table) and rerun (every row already there) and of
// the floor, their ratio (issue 15's target: ≥ 1.0×), and the CPU of the PostgreSQL backends per row.
// Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/import-floor.ts [--lines 200000] [--lanes N]
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { reservedTransaction } from '../src/db/client.js';
import { copyIn, copyLine, copyTarget } from '../src/db/queries/import.mutations.js';
import { parseImportLine } from '../src/services/import-line.js';
import { processCpuMs } from './cpu.js';
import { repoRoot } from './server-process.js';

const { values: opt } = parseArgs({ options: { lines: { type: 'string', default: '200000' }, lanes: { type: 'string' } } });
const lines = Number(opt.lines);
const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const urlOf = (name: string) => Object.assign(new URL(server), { pathname: `/${name}` }).toString();
const file = `/tmp/truthgraph-import-floor-${lines}.ndjson`;
const template = `truthgraph_import_floor_tpl_${lines}`;
const admin = postgres(server, { max: 1, onnotice: () => {} });

function run(cmd: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { cwd: repoRoot, env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err && !stdout ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr.trim().split('\n').slice(-3).join(' ')}`)) : resolve(stdout),
    ),
  );
}

async function freshCopy(name: string) {
  await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${template}`);
}

async function main() {
  const [{ exists }] = await admin`SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = ${template}) AS exists`;
  if (!exists || !existsSync(file)) {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    await admin.unsafe(`CREATE DATABASE ${template}`);
    console.error(`generating ${lines.toLocaleString('en-US')} lines and the template database ${template}`);
    await run('npx', ['tsx', 'bench/generate-import-file.ts', '--lines', String(lines), '--out', file], { DATABASE_URL: urlOf(template) });
  }
  const results: { what: string; rows: number; ms: number; pgCpuMs: number }[] = [];
  const importDb = `${template}_import`;
  const floorDb = `${template}_floor`;
  console.error(`load average ${os.loadavg()[0].toFixed(2)} at start`);

  await freshCopy(importDb);
  for (const what of ['import fresh', 'import rerun']) {
    const cpu = new Map<number, number>();
    const t = performance.now();
    const out = await sampled(importDb, cpu, run('node', ['--import', 'tsx', 'src/cli/import.ts', file, ...(opt.lanes ? ['--lanes', opt.lanes] : [])], {
      DATABASE_URL: urlOf(importDb),
      NODE_ENV: 'production',
    }));
    const ms = performance.now() - t;
    const summary = JSON.parse(out);
    const rows = summary.groundTruth.inserted + summary.groundTruth.updated;
    results.push({ what: `${what} (npm run import; its rows/s ${Math.round(summary.rowsPerSecond).toLocaleString('en-US')})`, rows, ms: summary.elapsedMs ?? ms, pgCpuMs: total(cpu) });
  }

  // The floor: the same rows as COPY text, rendered before timing, one plain COPY in one transaction.
  await freshCopy(floorDb);
  const text = await readFile(file, 'utf8');
  const copyLines: string[] = [];
  let batch = '';
  let n = 0;
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    if (!line) continue;
    const parsed = parseImportLine(line, lineNo);
    if (!('row' in parsed)) throw new Error(`line ${lineNo}: ${parsed.reason}`);
    batch += copyLine(parsed.row);
    if (++n % 1000 === 0) {
      copyLines.push(batch);
      batch = '';
    }
  }
  if (batch) copyLines.push(batch);
  const sql = postgres(urlOf(floorDb), { max: 1, onnotice: () => {} });
  try {
    const cpu = new Map<number, number>();
    const t = performance.now();
    await sampled(floorDb, cpu, reservedTransaction(sql, (tx) => copyIn(tx, `COPY ${copyTarget('groundTruth')} FROM STDIN`, copyLines)));
    results.push({ what: 'floor: one plain COPY of the same rows', rows: n, ms: performance.now() - t, pgCpuMs: total(cpu) });
  } finally {
    await sql.end({ timeout: 5 });
  }
  console.error(`load average ${os.loadavg()[0].toFixed(2)} at end`);

  const floor = results[results.length - 1];
  const floorRate = floor.rows / (floor.ms / 1000);
  console.log('| run | rows | time | rows/s | × floor (target ≥ 1.0) | PostgreSQL CPU per row |');
  console.log('|---|---|---|---|---|---|');
  for (const r of results) {
    const rate = r.rows / (r.ms / 1000);
    console.log(
      `| ${r.what} | ${r.rows.toLocaleString('en-US')} | ${(r.ms / 1000).toFixed(1)} s | ${Math.round(rate).toLocaleString('en-US')} | ${(rate / floorRate).toFixed(2)}× | ${((r.pgCpuMs * 1000) / r.rows).toFixed(1)} µs |`,
    );
  }
  await admin.unsafe(`DROP DATABASE IF EXISTS ${importDb} WITH (FORCE)`);
  await admin.unsafe(`DROP DATABASE IF EXISTS ${floorDb} WITH (FORCE)`);
}

/** Runs `work` while sampling the CPU of the backends of `db` into `cpu` (pid → latest ms). */
async function sampled<T>(db: string, cpu: Map<number, number>, work: Promise<T>): Promise<T> {
  let done = false;
  const sql = postgres(server, { max: 1, onnotice: () => {} });
  const sampler = (async () => {
    while (!done) {
      for (const { pid } of await sql<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE datname = ${db} AND pid <> pg_backend_pid()`) {
        const ms = processCpuMs(pid);
        if (ms !== null) cpu.set(pid, ms);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    return await work;
  } finally {
    done = true;
    await sampler;
    await sql.end({ timeout: 5 });
  }
}

const total = (cpu: Map<number, number>) => [...cpu.values()].reduce((a, b) => a + b, 0);

main()
  .catch((err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exitCode = 1;
  })
  .finally(() => admin.end({ timeout: 5 }));
