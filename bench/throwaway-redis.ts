// A private redis-server for tests and fault scripts, on a free loopback port, that may be stopped and
// restarted without touching the machine's shared Redis on 6379 that other people's tests use; and
// the removal of a key prefix, for runs that borrow the shared Redis under a prefix of their own.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './throwaway-postgres.js';

export const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

/** Deletes every key under `prefix` (SCAN in batches). */
export async function removePrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * A redis-server of the test's own on a free loopback port. Without persistence by default; with
 * `persistent` it keeps its data across stop/start (an append-only file in a temporary directory),
 * like a production Redis that comes back after an outage with its old keys.
 */
export class PrivateRedis {
  private child: ChildProcess | undefined;
  private readonly dir: string | undefined;
  private constructor(
    readonly port: number,
    persistent: boolean,
  ) {
    this.dir = persistent ? mkdtempSync(join(tmpdir(), 'tg-redis-')) : undefined;
  }

  static async start(opts: { persistent?: boolean } = {}): Promise<PrivateRedis> {
    const r = new PrivateRedis(await freePort(), opts.persistent ?? false);
    await r.start();
    return r;
  }

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const persistence = this.dir
      ? ['--dir', this.dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always']
      : ['--save', '', '--appendonly', 'no'];
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', ...persistence], {
      stdio: 'ignore',
    });
    this.child = child;
    const deadline = Date.now() + 5000;
    for (;;) {
      const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {});
      try {
        await probe.connect();
        await probe.ping();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`private redis-server on ${this.port} did not start: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        probe.disconnect();
      }
    }
  }

  /** One command on a connection of its own (the server is private: KEYS is fine here). */
  async command(name: string, ...args: string[]): Promise<unknown> {
    const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      return await client.call(name, ...args);
    } finally {
      client.disconnect();
    }
  }

  /** Stops this process (by its own pid) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  /** Stops the server and removes its data directory. */
  async destroy(): Promise<void> {
    await this.stop();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
