// Starts a server under test as a child process on a free loopback port, waits until it answers,
// and stops it (SIGTERM, then SIGKILL after a grace period). The benchmark never measures a server
// in its own process: the load generator and the server must not share an event loop.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  name: string;
  url: string;
  pid: number;
  /** The last lines the server wrote, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  /** Script path relative to the repository root, run through tsx. */
  script: string;
  env: Record<string, string>;
  /** Path of the GraphQL (or floor) endpoint. */
  path: string;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  readyTimeoutMs?: number;
  /** A file that gets the server's stdout and stderr whole (else the last lines are kept in memory). */
  logFile?: string;
}

/** stdio for a server: its output to `logFile` when given (the parent's descriptor is closed once spawned). */
function outputTo(logFile: string | undefined): { stdio: ['ignore', number, number] | ['ignore', 'pipe', 'pipe']; spawned(): void } {
  if (logFile === undefined) return { stdio: ['ignore', 'pipe', 'pipe'], spawned: () => {} };
  const fd = openSync(logFile, 'w');
  return { stdio: ['ignore', fd, fd], spawned: () => closeSync(fd) };
}

/**
 * The node flags `npm start` gives the server (the `node … --import tsx` form of package.json's start
 * script: its young-generation size, pretenuring off): every server the benchmark starts, truthgraph
 * and the floors alike, runs with the flags of its checkout, so both sides get the same runtime.
 */
export function startNodeFlags(dir: string = repoRoot): string[] {
  const start = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts?: { start?: string } }).scripts?.start ?? '';
  const words = start.trim().split(/\s+/);
  if (words[0] !== 'node') return [];
  // Flags are read in their --flag=value form, up to the loader (--import tsx or --import=tsx).
  const end = words.findIndex((w) => w === '--import' || w.startsWith('--import='));
  return words.slice(1, end < 0 ? words.length : end).filter((w) => w.startsWith('--'));
}

const running = new Set<ServerProcess>();

/** Stops every server still running (the runner calls this on exit and on signals). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}

export async function startServer(opts: StartOptions): Promise<ServerProcess> {
  const port = await freePort();
  const output = outputTo(opts.logFile);
  const child: ChildProcess = spawn(process.execPath, [...startNodeFlags(), ...(opts.nodeFlags ?? []), '--import', 'tsx', opts.script], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...opts.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: output.stdio,
  });
  output.spawned();
  let kept = '';
  const keep = (b: Buffer) => {
    kept = (kept + b.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const log = () => (opts.logFile === undefined ? kept : readFileSync(opts.logFile, 'utf8').slice(-4000));
  let exited = false;
  const exitedP = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}${opts.path}`;
  const server: ServerProcess = {
    name: opts.name,
    url,
    pid: child.pid!,
    output: log,
    async stop() {
      running.delete(server);
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exitedP;
      clearTimeout(timer);
    },
  };
  running.add(server);
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exited) throw new Error(`${opts.name} exited during start:\n${log()}`);
    try {
      // Any HTTP answer means the socket is up (a GET on /graphql may well be a 400).
      await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
      return server;
    } catch {
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`${opts.name} did not answer within ${opts.readyTimeoutMs ?? 60_000} ms:\n${log()}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export interface CheckoutServer {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Another checkout's server (`src/main.ts` under `dir`, started with tsx) for A/B runs: production mode,
 * uncached and without migrating unless `env` says otherwise; resolves once it answers. Its output goes
 * to `logFile` when given, else nowhere.
 */
export async function startCheckout(
  dir: string,
  databaseUrl: string,
  env: Record<string, string> = {},
  nodeFlags: string[] = [],
  logFile?: string,
): Promise<CheckoutServer> {
  const port = await freePort();
  const output = logFile === undefined ? { stdio: 'ignore' as const, spawned: () => {} } : outputTo(logFile);
  const child = spawn(process.execPath, [...startNodeFlags(dir), ...nodeFlags, '--import', 'tsx', 'src/main.ts'], {
    cwd: dir,
    env: { PATH: process.env.PATH!, NODE_ENV: 'production', DATABASE_URL: databaseUrl, CACHE: 'off', LOG_LEVEL: 'warn', MIGRATE_ON_START: 'false', PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: output.stdio,
  });
  output.spawned();
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      break;
    } catch {
      if (gone()) throw new Error(`the server of ${dir} exited during start${logFile === undefined ? '' : `:\n${readFileSync(logFile, 'utf8').slice(-2000)}`}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    port,
    pid: child.pid!,
    stop: async () => {
      if (gone()) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
