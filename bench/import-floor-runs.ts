// `npm run import` beside its floor, in one run: the same ground-truth rows COPY'd by one plain
// `COPY ground_truth_objects (…) FROM STDIN` into the same indexed table (default settings: foreign-key
// checks and counter triggers on), with the COPY text rendered before the clock starts. Both start from
// identical copies of one template database (the project and videos the file points at, no boxes).
// Measures rows/s of the import fresh (into the empty table) and rerun (every row already there) and of
// the floor, their ratio (issue 15's target: ≥ 1.0×), and the CPU per row of the PostgreSQL backends and of
// the import's Node process. On a shared machine the load swings within seconds, so the phases run
// `rounds` times in turn (floor, fresh, rerun, floor, …) and each import figure is divided by the mean of
// the floors measured just before and after it. Used by `npm run bench` and bench/import-floor.ts.
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import postgres from 'postgres';
import { reservedTransaction } from '../src/db/reserved-transaction.js';
import { copyIn } from '../src/db/copy.js';
import { copyLine, copyTarget } from '../src/db/queries/import.mutations.js';
import { useNoDelaySockets } from '../src/db/socket.js';
import { parseImportLine } from '../src/services/import-line.js';
import { processCpuMs } from './cpu.js';
import { median } from './measure.js';
import { repoRoot } from './server-process.js';

export interface ImportFloorOptions {
  /** The PostgreSQL server; the template, floor and import databases are made on it. */
  serverUrl: string;
  lines: number;
  rounds: number;
  /** The import's --lanes (default: its own). */
  lanes?: string;
  /** The checkout whose `npm run import` is measured (default this one). */
  importDir?: string;
  /** Name prefix of the databases (and the file) it makes, as the benchmark's BENCH_DB_PREFIX. */
  prefix: string;
  log(line: string): void;
}

/** One import run or floor COPY: rows/s and CPU per row in µs (Node: the import's process). */
export interface ImportPhase {
  rowsPerS: number;
  pgUsPerRow: number;
  nodeUsPerRow?: number;
}

export interface ImportFloorRound {
  load: number;
  /** The floor just before and just after the round's import runs. */
  floors: [ImportPhase, ImportPhase];
  fresh: ImportPhase;
  rerun: ImportPhase;
  /** Each import's rows/s over the mean of the two floors. */
  freshRatio: number;
  rerunRatio: number;
}

export interface ImportFloorResult {
  rows: number;
  rounds: ImportFloorRound[];
  /** Medians over the rounds. */
  freshRatio: number;
  rerunRatio: number;
  /** CPU ms of the import's process on an empty file (its start-up), taken off each run's Node CPU. */
  startupCpuMs?: number;
}

function run(cmd: string, args: string[], env: Record<string, string>, cwd: string, onPid?: (pid: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    // A hung import would hang the benchmark: 200,000 lines take seconds.
    const child = execFile(cmd, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 64 << 20, timeout: 600_000 }, (err, stdout, stderr) =>
      err && !stdout ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr.trim().split('\n').slice(-3).join(' ')}`)) : resolve(stdout),
    );
    if (child.pid && onPid) onPid(child.pid);
  });
}

/**
 * Runs `work` while sampling the CPU of the backends of `db`; answers its result, their CPU in ms and
 * when the work ended (before the sampler stops).
 */
async function withBackendCpu<T>(serverUrl: string, db: string, work: Promise<T>): Promise<[T, number, number]> {
  const cpu = new Map<number, number>();
  let done = false;
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
  const sampler = (async () => {
    while (!done) {
      for (const { pid } of await sql<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE datname = ${db} AND pid <> pg_backend_pid()`) {
        const ms = processCpuMs(pid);
        if (ms !== null) cpu.set(pid, ms);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  let value: T;
  let ended: number;
  try {
    value = await work;
    ended = performance.now();
  } finally {
    done = true;
    await sampler;
    await sql.end({ timeout: 5 });
  }
  return [value, [...cpu.values()].reduce((a, b) => a + b, 0), ended];
}

export async function importFloorRuns(opts: ImportFloorOptions): Promise<ImportFloorResult> {
  const { serverUrl, lines } = opts;
  const importDir = opts.importDir ?? repoRoot;
  const urlOf = (name: string) => Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString();
  const file = `/tmp/${opts.prefix}import-floor-${lines}.ndjson`;
  const template = `${opts.prefix}import_floor_tpl_${lines}`;
  const importDb = `${template}_import`;
  const floorDb = `${template}_floor`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  const freshCopy = async (name: string) => {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  };

  try {
    const [{ exists }] = await admin`SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = ${template}) AS exists`;
    if (!exists || !existsSync(file)) {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
      await admin.unsafe(`CREATE DATABASE ${template}`);
      opts.log(`  generating ${lines.toLocaleString('en-US')} lines and the template database ${template}`);
      await run('npx', ['tsx', 'bench/generate-import-file.ts', '--lines', String(lines), '--out', file], { DATABASE_URL: urlOf(template) }, repoRoot);
    }

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

    const floorRun = async (): Promise<ImportPhase> => {
      await freshCopy(floorDb);
      // The app's sockets (TCP_NODELAY), so the floor's COMMIT does not wait for a delayed ACK either.
      const sql = postgres(urlOf(floorDb), { max: 1, onnotice: () => {} });
      useNoDelaySockets(sql.options);
      try {
        const t = performance.now();
        const [, pgMs, ended] = await withBackendCpu(serverUrl, floorDb, reservedTransaction(sql, (tx) => copyIn(tx, `COPY ${copyTarget('groundTruth')} FROM STDIN`, copyLines)));
        const ms = ended - t;
        return { rowsPerS: n / (ms / 1000), pgUsPerRow: (pgMs * 1000) / n };
      } finally {
        await sql.end({ timeout: 5 });
      }
    };
    /** One `npm run import` of `path`: its stdout, PostgreSQL CPU, end time and the Node process's CPU. */
    const importProcess = async (path: string, db: string) => {
      let pid = 0;
      let nodeCpuMs = 0;
      // The Node process's CPU, sampled every 50 ms until it exits: the last ~50 ms go unread, in the
      // empty file's run as in the others, so they mostly cancel out.
      const watch = setInterval(() => {
        const ms = pid ? processCpuMs(pid) : null;
        if (ms !== null) nodeCpuMs = ms;
      }, 50);
      let out: string;
      let pgMs: number;
      let ended: number;
      const t = performance.now();
      try {
        [out, pgMs, ended] = await withBackendCpu(
          serverUrl,
          db,
          run('node', ['--import', 'tsx', 'src/cli/import.ts', path, ...(opts.lanes ? ['--lanes', opts.lanes] : [])], { DATABASE_URL: urlOf(db), NODE_ENV: 'production' }, importDir, (p) => (pid = p)),
        );
      } finally {
        clearInterval(watch);
      }
      return { out, pgMs, ended, t, nodeCpuMs };
    };
    // The process's start-up (loading and compiling its modules, ~2.3 s of CPU here) is not the import's
    // work per row: the CPU of importing an empty file is taken off each run's. Its second run: the first
    // may fill tsx's transform cache for a checkout, which the timed runs no longer pay.
    const emptyFile = `/tmp/${opts.prefix}import-floor-empty.ndjson`;
    writeFileSync(emptyFile, '');
    await freshCopy(importDb);
    await importProcess(emptyFile, importDb);
    const startupMs = (await importProcess(emptyFile, importDb)).nodeCpuMs;
    opts.log(`  the import's start-up: ${startupMs.toFixed(0)} ms of CPU (an empty file), taken off each run's Node CPU`);
    const importRun = async (): Promise<ImportPhase> => {
      const { out, pgMs, ended, t, nodeCpuMs } = await importProcess(file, importDb);
      const summary = JSON.parse(out);
      const rows = summary.groundTruth.inserted + summary.groundTruth.updated;
      if (rows !== n) throw new Error(`the import loaded ${rows} rows of ${n}`);
      // The import's own clock (from its start to its last commit, without the process's start-up), or
      // the process's wall time from a checkout whose summary has none.
      const ms: number = summary.elapsedMs ?? ended - t;
      // No figure rather than a wrong one when a sample was missed.
      const nodeUsPerRow = startupMs > 0 && nodeCpuMs > startupMs ? ((nodeCpuMs - startupMs) * 1000) / rows : undefined;
      return { rowsPerS: rows / (ms / 1000), pgUsPerRow: (pgMs * 1000) / rows, nodeUsPerRow };
    };

    const rounds: ImportFloorRound[] = [];
    let before = await floorRun();
    for (let r = 0; r < opts.rounds; r++) {
      const load = os.loadavg()[0];
      await freshCopy(importDb);
      const fresh = await importRun();
      const rerun = await importRun();
      const after = await floorRun();
      const floorRate = (before.rowsPerS + after.rowsPerS) / 2;
      rounds.push({ load, floors: [before, after], fresh, rerun, freshRatio: fresh.rowsPerS / floorRate, rerunRatio: rerun.rowsPerS / floorRate });
      before = after;
    }
    return { rows: n, rounds, freshRatio: median(rounds.map((r) => r.freshRatio)), rerunRatio: median(rounds.map((r) => r.rerunRatio)), startupCpuMs: startupMs };
  } finally {
    // The template stays for the next run; the copies go however the run ended.
    for (const name of [importDb, floorDb]) await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    await admin.end({ timeout: 5 });
  }
}
