// `npm run import` beside its floor, in one run: the same ground-truth rows COPY'd by one plain
// `COPY ground_truth_objects (…) FROM STDIN` into the same indexed table (default settings: foreign-key
// checks and counter triggers on), with the COPY text rendered before the clock starts. Both start from
// identical copies of one template database (the project and videos the file points at, no boxes).
// Reports rows/s of the import fresh (into the empty table) and rerun (every row already there) and of
// the floor, their ratio (issue 15's target: ≥ 1.0×), and the CPU per row of the PostgreSQL backends and of
// the import's Node process. On a shared machine the load swings within seconds, so the phases run
// --rounds times in turn (floor, fresh, rerun, floor, …) and each import figure is divided by the mean of
// the floors measured just before and after it; the table gives every round and the medians.
// IMPORT_DIR=<checkout> runs another checkout's `npm run import` against the same floor (an A/B).
// Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/import-floor.ts [--lines 200000] [--lanes N] [--rounds 3]
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { reservedTransaction } from '../src/db/reserved-transaction.js';
import { copyIn } from '../src/db/copy.js';
import { copyLine, copyTarget } from '../src/db/queries/import.mutations.js';
import { useNoDelaySockets } from '../src/db/socket.js';
import { parseImportLine } from '../src/services/import-line.js';
import { processCpuMs } from './cpu.js';
import { repoRoot } from './server-process.js';

const { values: opt } = parseArgs({ options: { lines: { type: 'string', default: '200000' }, lanes: { type: 'string' }, rounds: { type: 'string', default: '3' } } });
const importDir = process.env.IMPORT_DIR ?? repoRoot;
const lines = Number(opt.lines);
const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const urlOf = (name: string) => Object.assign(new URL(server), { pathname: `/${name}` }).toString();
const file = `/tmp/truthgraph-import-floor-${lines}.ndjson`;
const template = `truthgraph_import_floor_tpl_${lines}`;
const admin = postgres(server, { max: 1, onnotice: () => {} });

function run(cmd: string, args: string[], env: Record<string, string>, cwd = repoRoot, onPid?: (pid: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err && !stdout ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr.trim().split('\n').slice(-3).join(' ')}`)) : resolve(stdout),
    );
    if (child.pid && onPid) onPid(child.pid);
  });
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
  const importDb = `${template}_import`;
  const floorDb = `${template}_floor`;
  const rounds = Number(opt.rounds);

  // The floor's COPY text, rendered once before any timing.
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

  interface Phase { rows: number; ms: number; pgCpuMs: number; nodeCpuMs?: number; load: number }
  const floorRun = async (): Promise<Phase> => {
    await freshCopy(floorDb);
    // The app's sockets (TCP_NODELAY), so the floor's COMMIT does not wait for a delayed ACK either.
    const sql = postgres(urlOf(floorDb), { max: 1, onnotice: () => {} });
    useNoDelaySockets(sql.options);
    try {
      const cpu = new Map<number, number>();
      const load = os.loadavg()[0];
      const t = performance.now();
      await sampled(floorDb, cpu, reservedTransaction(sql, (tx) => copyIn(tx, `COPY ${copyTarget('groundTruth')} FROM STDIN`, copyLines)));
      return { rows: n, ms: performance.now() - t, pgCpuMs: total(cpu), load };
    } finally {
      await sql.end({ timeout: 5 });
    }
  };
  const importRun = async (): Promise<Phase> => {
    const cpu = new Map<number, number>();
    let pid = 0;
    let nodeCpuMs = 0;
    const load = os.loadavg()[0];
    const t = performance.now();
    // The Node process's CPU, sampled until it exits (its last samples are after the work is done).
    const watch = setInterval(() => {
      const ms = pid ? processCpuMs(pid) : null;
      if (ms !== null) nodeCpuMs = ms;
    }, 50);
    let out: string;
    try {
      out = await sampled(importDb, cpu, run('node', ['--import', 'tsx', 'src/cli/import.ts', file, ...(opt.lanes ? ['--lanes', opt.lanes] : [])], {
        DATABASE_URL: urlOf(importDb),
        NODE_ENV: 'production',
      }, importDir, (p) => (pid = p)));
    } finally {
      clearInterval(watch);
    }
    const ms = performance.now() - t;
    const summary = JSON.parse(out);
    const rows = summary.groundTruth.inserted + summary.groundTruth.updated;
    return { rows, ms: summary.elapsedMs ?? ms, pgCpuMs: total(cpu), nodeCpuMs, load };
  };

  console.error(`load average ${os.loadavg()[0].toFixed(2)} at start; import from ${importDir}`);
  const floors: Phase[] = [await floorRun()];
  const fresh: Phase[] = [];
  const rerun: Phase[] = [];
  for (let r = 0; r < rounds; r++) {
    await freshCopy(importDb);
    fresh.push(await importRun());
    rerun.push(await importRun());
    floors.push(await floorRun());
  }
  console.error(`load average ${os.loadavg()[0].toFixed(2)} at end`);

  const rate = (p: Phase) => p.rows / (p.ms / 1000);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const perRow = (ms: number | undefined, rows: number) => (ms === undefined ? '–' : `${((ms * 1000) / rows).toFixed(1)} µs`);
  console.log('| round | load | floor rows/s (before, after) | import fresh rows/s | × floor | import rerun rows/s | × floor | CPU per row: floor PostgreSQL / fresh PostgreSQL + Node / rerun PostgreSQL + Node |');
  console.log('|---|---|---|---|---|---|---|---|');
  const ratios = { fresh: [] as number[], rerun: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    const floorRate = (rate(floors[r]) + rate(floors[r + 1])) / 2;
    const [f, u] = [fresh[r], rerun[r]];
    ratios.fresh.push(rate(f) / floorRate);
    ratios.rerun.push(rate(u) / floorRate);
    const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
    console.log(
      `| ${r + 1} | ${f.load.toFixed(1)} | ${fmt(rate(floors[r]))}, ${fmt(rate(floors[r + 1]))} | ${fmt(rate(f))} | ${(rate(f) / floorRate).toFixed(2)}× | ${fmt(rate(u))} | ${(rate(u) / floorRate).toFixed(2)}× | ` +
        `${perRow(floors[r + 1].pgCpuMs, floors[r + 1].rows)} / ${perRow(f.pgCpuMs, f.rows)} + ${perRow(f.nodeCpuMs, f.rows)} / ${perRow(u.pgCpuMs, u.rows)} + ${perRow(u.nodeCpuMs, u.rows)} |`,
    );
  }
  console.log(`median × floor (target ≥ 1.0): fresh ${median(ratios.fresh).toFixed(2)}×, rerun ${median(ratios.rerun).toFixed(2)}× (${rounds} rounds, ${n.toLocaleString('en-US')} rows)`);
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
