// Under sustained cache hits the server, started as npm start starts it, keeps each request's garbage
// in the young generation. With V8's allocation-site pretenuring, request objects came to be allocated
// in the old generation, where, dead, they kept the young objects they point to alive through every
// scavenge until the next mark-compact: slow scavenges and a steady promotion (docs/operations.md,
// "Node flags"). The child process prints V8's GC trace; the test adds up what the scavenges promoted
// while it served the hits.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { describe, expect, it } from 'vitest';
import { startNodeFlags } from '../../bench/server-process.js';

const root = join(import.meta.dirname, '..', '..');
// A warm-up lets the caches, the compiled code and the young generation itself grow to their steady size.
const warmUpHits = 10_000;
const hits = 30_000;

interface Scavenge {
  promoted: number;
}

/** The scavenges of a --trace-gc-nvp trace (one `key=value …` line per GC); a line still arriving is left out. */
function scavengesOf(trace: string): Scavenge[] {
  return trace
    .slice(0, trace.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((line) => / gc=s /.test(line))
    .map((line) => ({ promoted: Number(/ promoted=(\d+)/.exec(line)?.[1] ?? NaN) }));
}

describe('the young generation under sustained hits', () => {
  it('promotes next to nothing while the server answers hits (npm start flags)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'young-gen-'));
    // Production, as deployed: an API key is required (development's open mode asks the database on
    // every request whether a key exists yet).
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'silent',
      PGLITE_DIR: dir,
      PORT: '0',
      HOST: '127.0.0.1',
      CACHE: 'on',
      CACHE_REFRESH_AHEAD: '0',
      REDIS_KEY_PREFIX: `young-gen-${process.pid}-${Date.now()}:`,
    };
    delete env.DATABASE_URL;
    const created = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/keys.ts', 'create', '--name', 'young-gen', '--admin'], { cwd: root, env, timeout: 120_000 });
    const secret = created.stdout.trim().split('\n').at(-1)!;
    const child = spawn(process.execPath, [...startNodeFlags(root), '--trace-gc-nvp', '--import', 'tsx', 'src/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (out += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const poll = setInterval(() => {
          const m = /serving GraphQL at (\S+)/.exec(out);
          if (m) {
            clearInterval(poll);
            resolve(m[1]);
          }
        }, 50);
        void exited.then((code) => {
          clearInterval(poll);
          reject(new Error(`server exited (${code}) before listening:\n${out.slice(-2000)}`));
        });
      });
      const body = JSON.stringify({ query: 'query Probe { projects(first: 5) { nodes { id name } } }', operationName: 'Probe' });
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${secret}` };
      for (let i = 0; i < 3; i++) await (await fetch(url, { method: 'POST', headers, body })).text();
      const check = await fetch(url, { method: 'POST', headers, body });
      await check.text();
      expect(check.headers.get('x-cache')).toBe('HIT');

      await autocannon({ url, method: 'POST', headers, body, connections: 32, amount: warmUpHits });
      const before = scavengesOf(out).length;
      const run = await autocannon({ url, method: 'POST', headers, body, connections: 32, amount: hits });
      expect(run.non2xx).toBe(0);
      expect(run.errors).toBe(0);
      const during = scavengesOf(out).slice(before);

      // Enough scavenges to judge by: each runs after some MB of allocation, whatever the machine's speed.
      expect(during.length).toBeGreaterThanOrEqual(4);
      expect(during.every((s) => Number.isFinite(s.promoted))).toBe(true);
      const promotedPerHit = during.reduce((n, s) => n + s.promoted, 0) / hits;
      // In-flight requests at a scavenge survive it: a few KB per scavenge. With request objects pretenured
      // this test saw 2,500–3,400 B per hit.
      expect(promotedPerHit).toBeLessThan(500);
    } finally {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
