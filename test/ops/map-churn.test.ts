// No request makes V8 build hidden classes (maps) of its own. On Node 20 an object literal that starts
// with a spread and has more members after it (`{ ...a, b }`) gets a prototype map, whose transitions V8
// does not share: every such object made a fresh map per added property, in the old generation. One a
// request (the statement parameters of a page) filled the old generation with dead maps, ran the
// mark-compacts that promote every request in flight, and kept TurboFan recompiling the loaders'
// constructors, whose compiled code depended on maps that kept changing (docs/benchmarks.md). The
// server runs in a child under V8's map log, once with a few rounds of requests and once with more;
// what more rounds add in src/ must not grow with the requests (dependencies are not held to it: PGlite's
// own result objects still make maps per statement).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { startNodeFlags } from '../../bench/server-process.js';
import { readShapes } from '../support/read-shapes.js';

const root = join(import.meta.dirname, '..', '..');

/** The map log's lines of a run of `rounds` rounds of every request, after one round to warm up. */
async function mapLog(rounds: number): Promise<{ lines: string[]; requests: number; outcomes: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'map-churn-log-'));
  const logfile = join(dir, 'v8.log');
  const env = { ...process.env };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  const child = spawn(process.execPath, [...startNodeFlags(root), '--log-maps', `--logfile=${logfile}`, '--no-logfile-per-isolate', '--import', 'tsx', 'test/support/map-churn-probe.ts'], {
    cwd: root,
    env,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`the probe exited (${code}) before serving`)));
    });
    const { url, secret } = JSON.parse(first) as { url: string; secret: string };
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${secret}` };
    const post = async (query: string, variables: Record<string, unknown>) => {
      const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      return { body: (await res.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] } };
    };
    const reads = await readShapes(post);
    reads.push(
      ['query($id: ID!) { node(id: $id) { id ... on Video { filename } } }', { id: reads[1][1].v }],
      ['query($s: ID!) { testSession(id: $s) { evaluation(iouThreshold: 0.5) { map mapCoco overall { tp fp fn precision recall } } } }', { s: reads[2][1].s }],
      ['query($p: ID!) { project(id: $p) { videos(first: -1) { totalCount } } }', { p: reads[0][1].p }],
    );
    const outcomes = new Set<string>();
    for (let round = 0; round <= rounds; round++) {
      for (const [query, variables] of reads) {
        const { body } = await post(query, variables);
        outcomes.add(body.errors ? `error ${body.errors[0]?.extensions?.code}` : 'data');
      }
    }
    child.stdin!.end();
    await exited;
    return { lines: readFileSync(logfile, 'utf8').split('\n'), requests: rounds * reads.length, outcomes: [...outcomes].sort() };
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Transitions from a prototype map (V8 makes a new map for each: no other object can share it), by the
 * function whose code made them: its name and `file:line:column`, from the log's code-creation events.
 */
function prototypeTransitions(lines: string[]): Map<string, number> {
  const codes: { start: number; end: number; name: string }[] = [];
  const pcs: number[] = [];
  for (const line of lines) {
    const f = line.split(',');
    if (f[0] === 'code-creation' && f[4]?.startsWith('0x')) codes.push({ start: Number(f[4]), end: Number(f[4]) + Number(f[5]), name: f[6] });
    else if (f[0] === 'map' && f[1] === 'Transition' && f[8] === 'prototype') pcs.push(Number(f[5]));
  }
  codes.sort((a, b) => a.start - b.start);
  const counts = new Map<string, number>();
  for (const pc of pcs) {
    let lo = 0;
    let hi = codes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (codes[mid].start <= pc) lo = mid;
      else hi = mid - 1;
    }
    const code = codes[lo];
    const name = code && code.start <= pc && pc < code.end ? code.name.trim() : 'unknown';
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

const ours = (counts: Map<string, number>) => [...counts].filter(([name]) => name.includes(`${root}/src/`));

describe('hidden classes per request', () => {
  it('answers reads, a node lookup, an evaluation and a refused input without a map of their own', async () => {
    const few = await mapLog(2);
    const many = await mapLog(12);
    expect(many.outcomes).toEqual(['data', 'error BAD_USER_INPUT']);
    const before = new Map(ours(prototypeTransitions(few.lines)));
    const added = ours(prototypeTransitions(many.lines))
      .map(([name, n]) => [name, n - (before.get(name) ?? 0)] as const)
      .filter(([, n]) => n > 0);
    // What the extra rounds added in src/, not per request: a site that makes maps adds one or more a request.
    const total = added.reduce((sum, [, n]) => sum + n, 0);
    expect(total, `prototype transitions made by src/ for ${many.requests - few.requests} more requests: ${JSON.stringify(added)}`).toBeLessThan((many.requests - few.requests) / 4);
  }, 180_000);
});
