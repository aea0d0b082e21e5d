// A server process started as `npm start` starts it (the start script's node flags, src/main.ts), for
// tests that must see the process itself: its GC trace, its stderr, V8 flags of its own. Production
// mode, silent logs, no migrations or demo data unless the env says otherwise; killed when the test ends.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { startNodeFlags } from '../../bench/server-process.js';

const root = join(import.meta.dirname, '..', '..');

export interface ServerChildOptions {
  env: Record<string, string>;
  /** Node flags after the start script's (V8 flags, traces). */
  nodeFlags?: string[];
  /** Modules (paths from the repository root) imported after tsx, before src/main.ts. */
  preloads?: string[];
}

export interface ServerChild {
  url: string;
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then the process's exit with its output drained. */
  stop(): Promise<void>;
}

export async function startServerChild(opts: ServerChildOptions): Promise<ServerChild> {
  const env = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    MIGRATE_ON_START: 'false',
    DEMO_DATA: 'false',
    HOST: '127.0.0.1',
    PORT: '0',
    ...opts.env,
  };
  const preloads = (opts.preloads ?? []).flatMap((p) => ['--import', `./${p}`]);
  const child = spawn(process.execPath, [...startNodeFlags(root), ...(opts.nodeFlags ?? []), '--import', 'tsx', ...preloads, 'src/main.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // 'close': the process has exited and its stdout and stderr are drained.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  onTestFinished(async () => {
    child.kill('SIGKILL');
    await closed;
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (out += chunk));
  child.stderr.on('data', (chunk: string) => (err += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const m = /serving GraphQL at (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    void closed.then(() => reject(new Error(`server exited before listening:\n${err.slice(-2000)}`)));
  });
  return {
    url,
    stdout: () => out,
    stderr: () => err,
    async stop() {
      child.kill('SIGTERM');
      await closed;
    },
  };
}
