// CPU time per request, which unlike latency does not depend on an idle machine: the server process's
// user + system time and that of the PostgreSQL backends of its database, read from /proc before and
// after a measured window and divided by the requests it completed. Linux only; elsewhere null.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import postgres from 'postgres';

export interface CpuUse {
  /** Milliseconds of CPU per completed request: the server process (all its threads). */
  nodeMs: number;
  /** The same for the PostgreSQL backends connected to the benchmark database. */
  postgresMs: number | null;
  /** Backends that ended during the window (their last CPU is lost: the figure is a lower bound). */
  lostBackends: number;
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

const fileText = (p: string) => readFileSync(p, 'utf8');

/**
 * User and system time in ms from a stat file (/proc/<pid>/stat, or a thread's /proc/<pid>/task/<tid>/stat);
 * null when it cannot be read.
 */
export function statCpuMs(path: string, read: (path: string) => string = fileText): { userMs: number; systemMs: number } | null {
  let stat: string;
  try {
    stat = read(path);
  } catch {
    return null;
  }
  // The command name may contain spaces and parentheses: fields are counted after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return { userMs: (utime * 1000) / clockTicks(), systemMs: (stime * 1000) / clockTicks() };
}

/** utime + stime of a process in ms, from /proc/<pid>/stat; null when it cannot be read. */
export function processCpuMs(pid: number, read: (path: string) => string = fileText): number | null {
  const cpu = statCpuMs(`/proc/${pid}/stat`, read);
  return cpu === null ? null : cpu.userMs + cpu.systemMs;
}

export interface CpuSample {
  node: number | null;
  backends: Map<number, number>;
}

/** The per-request division, kept apart so it can be tested without processes. */
export function cpuPerRequest(before: CpuSample, after: CpuSample, requests: number): CpuUse | null {
  if (before.node === null || after.node === null || requests <= 0) return null;
  let pg = 0;
  for (const [pid, ms] of after.backends) pg += ms - (before.backends.get(pid) ?? 0);
  let lost = 0;
  for (const pid of before.backends.keys()) if (!after.backends.has(pid)) lost++;
  return {
    nodeMs: (after.node - before.node) / requests,
    postgresMs: after.backends.size || before.backends.size ? pg / requests : null,
    lostBackends: lost,
  };
}

/** Samples one server process and the PostgreSQL backends of `dbName` (its own connection excluded). */
export class CpuMeter {
  private readonly sql: postgres.Sql;

  constructor(
    private readonly pid: number,
    databaseUrl: string,
    private readonly dbName: string,
  ) {
    this.sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  }

  async sample(): Promise<CpuSample> {
    const rows = await this.sql<{ pid: number }[]>`SELECT pid FROM pg_stat_activity
      WHERE datname = ${this.dbName} AND backend_type = 'client backend' AND pid <> pg_backend_pid()`;
    const backends = new Map<number, number>();
    for (const { pid } of rows) {
      const ms = processCpuMs(pid);
      if (ms !== null) backends.set(pid, ms);
    }
    return { node: processCpuMs(this.pid), backends };
  }

  close(): Promise<void> {
    return this.sql.end({ timeout: 5 });
  }
}
