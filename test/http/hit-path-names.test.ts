// A cache hit, and a miss of any of the benchmark's read shapes, creates no closure that tsx's keepNames
// transform names: each such closure costs an Object.defineProperty (`__name`) when created, 2–4 % of a
// hit's CPU when the /graphql steps made them per request (docs/benchmarks.md), and the loaders made
// 5 (dashboard) to 24 (nested) per miss. The server runs as npm start runs it, under tsx, in a child
// process; a counter loaded before tsx tallies the names defined by src/ files while it serves hits.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

describe('the cache-hit path under tsx', () => {
  it('names no closure while serving hits or misses of the read shapes (and the counter does see the names made at start-up)', async () => {
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', './test/support/count-function-names.mjs', '--import', 'tsx', 'test/support/hit-path-names-probe.ts'],
      { cwd: root, env, timeout: 120_000 },
    );
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      atStart: number;
      caches: string[];
      duringHits: [string, number][];
      misses: string[];
      duringMisses: [string, number][];
    };
    expect(result.atStart).toBeGreaterThan(100);
    expect(result.caches).toEqual(Array(20).fill('HIT'));
    expect(result.duringHits).toEqual([]);
    expect(result.misses).toEqual(Array(20).fill('MISS'));
    expect(result.duringMisses).toEqual([]);
  }, 150_000);
});
