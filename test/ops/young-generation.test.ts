// Under sustained cache hits the server, started with npm start's node flags, keeps each request's
// garbage in the young generation. V8's allocation-site pretenuring, when it judges an allocation site
// long-lived, allocates that site's objects in the old generation; judged so, the objects of each
// request (request, response, headers, parsed body) die there and, until the next mark-compact, keep
// the young objects they point to alive through every scavenge (docs/operations.md, "Node flags"). The
// child process prints V8's GC trace; the test adds up what the scavenges promoted while it served hits.
import { join } from 'node:path';
import autocannon from 'autocannon';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startNodeFlags } from '../../bench/server-process.js';
import { pgliteDirWithKey } from '../support/databases.js';
import { startServerChild } from '../support/server-child.js';

const root = join(import.meta.dirname, '..', '..');
// A warm-up lets the caches, the compiled code and the young generation itself grow to their steady size.
const warmUpHits = 10_000;
const hits = 30_000;

/** Bytes promoted by each scavenge of a --trace-gc-nvp trace; a line still arriving is left out. */
function promotedByScavenges(trace: string): number[] {
  return trace
    .slice(0, trace.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((line) => / gc=s /.test(line))
    .map((line) => {
      const m = / promoted=(\d+)/.exec(line);
      if (!m) throw new Error(`a scavenge line without promoted=: ${line.slice(0, 300)}`);
      return Number(m[1]);
    });
}

describe('the young generation under sustained hits', () => {
  it('npm start turns allocation-site pretenuring off', () => {
    expect(startNodeFlags(root)).toContain('--no-allocation-site-pretenuring');
  });

  it('promotes next to nothing while the server answers hits (npm start flags)', async () => {
    // A data directory from the migrated test template, with an API key: production, as deployed
    // (development's open mode asks the database on every request whether a key exists yet).
    const { dir, secret, remove } = await pgliteDirWithKey('young-gen-', 'young-gen');
    onTestFinished(remove);

    const server = await startServerChild({
      env: {
        PGLITE_DIR: dir,
        CACHE: 'on',
        CACHE_REFRESH_AHEAD: '0',
        ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `young-gen-${process.pid}-${Date.now()}:` } : {}),
      },
      nodeFlags: ['--trace-gc-nvp'],
    });
    const url = server.url;

    const body = JSON.stringify({ query: 'query Probe { projects(first: 5) { nodes { id name } } }', operationName: 'Probe' });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${secret}` };
    for (let i = 0; i < 3; i++) await (await fetch(url, { method: 'POST', headers, body })).text();
    const check = await fetch(url, { method: 'POST', headers, body });
    await check.text();
    expect(check.headers.get('x-cache')).toBe('HIT');

    await autocannon({ url, method: 'POST', headers, body, connections: 32, amount: warmUpHits });
    const before = promotedByScavenges(server.stdout()).length;
    const run = await autocannon({ url, method: 'POST', headers, body, connections: 32, amount: hits });
    expect(run.non2xx).toBe(0);
    expect(run.errors).toBe(0);
    const promoted = promotedByScavenges(server.stdout()).slice(before);

    // Enough scavenges to judge by: each runs after some MB of allocation, whatever the machine's speed.
    expect(promoted.length).toBeGreaterThanOrEqual(4);
    // What is in flight at a scavenge survives it, a few KB; pretenured request objects drag along
    // thousands of bytes per request (docs/benchmarks.md).
    const promotedPerHit = promoted.reduce((n, b) => n + b, 0) / run.requests.total;
    expect(promotedPerHit).toBeLessThan(500);
  }, 180_000);
});
