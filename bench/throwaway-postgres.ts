// A private PostgreSQL for fault scripts: initdb into a temp dir, on a free loopback port, run as the
// `postgres` OS user, so it can be stopped and restarted without touching the machine's shared
// server on 5432 that other people's tests use. Always call destroy() (it stops and deletes it).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, chownSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const binDir = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';
export const throwawayPostgresAvailable = existsSync(join(binDir, 'initdb')) && existsSync(join(binDir, 'pg_ctl'));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface ThrowawayPostgres {
  url: string;
  port: number;
  dataDir: string;
  // Asynchronous on purpose: a synchronous pg_ctl freezes the app under test, and when it thaws
  // Node runs expired timers before pending I/O, so a connect attempt refused before the freeze
  // reports CONNECT_TIMEOUT (and fails the queries queued on it) once the freeze outlasts
  // connect_timeout — an artefact of the harness, not of an outage.
  stop(): Promise<void>;
  /** Resolves once the server accepts connections (`pg_ctl -w`). */
  start(): Promise<void>;
  /** `pg_ctl restart -m fast`: in-flight queries are cancelled, the server comes straight back. */
  restart(): Promise<void>;
  destroy(): void;
}

export async function startThrowawayPostgres(settings: Record<string, string> = {}): Promise<ThrowawayPostgres> {
  if (!throwawayPostgresAvailable) throw new Error(`initdb/pg_ctl not found in ${binDir} (set PG_BIN_DIR)`);
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'tg-faults-pg-'));
  const dataDir = join(dir, 'data');
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), Number(execFileSync('id', ['-g', 'postgres']).toString().trim()));
  const run = (bin: string, args: string[]) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', join(binDir, bin), ...args], { stdio: 'pipe' })
      : execFileSync(join(binDir, bin), args, { stdio: 'pipe' });
  run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const opts = [`-p ${port}`, `-k ${dir}`, `-c listen_addresses=127.0.0.1`, '-c fsync=off', '-c max_connections=200',
    ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(' ');
  const ctlArgs = (action: string, extra: string[] = []) => ['-D', dataDir, '-o', opts, '-l', join(dir, 'log'), '-w', '-t', '30', ...extra, action];
  const ctl = (action: string, extra: string[] = []) => run('pg_ctl', ctlArgs(action, extra));
  const ctlAsync = (action: string, extra: string[] = []) =>
    new Promise<void>((resolve, reject) => {
      const [file, args] = asRoot
        ? ['runuser', ['-u', 'postgres', '--', join(binDir, 'pg_ctl'), ...ctlArgs(action, extra)]]
        : [join(binDir, 'pg_ctl'), ctlArgs(action, extra)];
      execFile(file, args, (err) => (err ? reject(err) : resolve()));
    });
  ctl('start');
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    stop: () => ctlAsync('stop', ['-m', 'fast']),
    start: () => ctlAsync('start'),
    restart: () => ctlAsync('restart', ['-m', 'fast']),
    destroy() {
      try {
        ctl('stop', ['-m', 'immediate']);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
