// No request makes V8 build hidden classes (maps) of its own. On Node 20 an object literal that starts
// with a spread and has more members after it (`{ ...a, b }`) gets a prototype map, whose transitions V8
// does not share: every such object made a fresh map per added property, in the old generation. One a
// request (the statement parameters of a page) filled the old generation with dead maps
// (docs/benchmarks.md). The server runs in a child under V8's map log, once with a few rounds of
// requests and once with more; what the extra rounds add in src/ must not grow with the requests
// (dependencies are not held to it: PGlite's own result objects still make maps per statement). A
// canary made by the probe once a round proves that such maps are seen, and where they are made.
import { spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startNodeFlags } from '../../bench/server-process.js';
import { readShapes } from '../support/read-shapes.js';

const root = join(import.meta.dirname, '..', '..');
const ourCode = pathToFileURL(join(root, 'src')).href + '/';
const probe = 'test/support/map-churn-probe.ts';

// Code neither moved (compaction) nor thrown away (bytecode flushing), so a transition's pc names the
// function that made it; no inlining, so that function is not hidden inside its caller's code.
const logFlags = ['--log-maps', '--no-log-maps-details', '--no-logfile-per-isolate', '--no-compact', '--no-compact-code-space', '--no-flush-bytecode', '--no-turbo-inlining'];

/** Transitions from prototype maps, by the function whose code made them, in a run of `rounds` rounds after one to warm up. */
async function mapChurn(rounds: number): Promise<{ byFunction: Map<string, number>; requests: number; outcomes: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'map-churn-log-'));
  const logfile = join(dir, 'v8.log');
  const env = { ...process.env };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  const child = spawn(process.execPath, [...startNodeFlags(root), ...logFlags, `--logfile=${logfile}`, '--import', 'tsx', probe], { cwd: root, env, stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
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
      child.stdin!.write('canary\n');
    }
    child.stdin!.end();
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the probe did not exit within 60 s of its stdin ending')), 60_000).unref());
    await Promise.race([exited, timeout]);
    return { byFunction: await prototypeTransitions(logfile), requests: rounds * reads.length, outcomes: [...outcomes].sort() };
  } finally {
    child.kill();
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Reads the log in order: code objects as they are created (a new one replaces any it overlaps) and
 * moved, and each transition from a prototype map (field 8 "prototype") charged to the code holding its
 * pc (field 5): `name file:line:column` as the code-creation line gives it.
 */
async function prototypeTransitions(logfile: string): Promise<Map<string, number>> {
  const codes: { start: number; end: number; name: string }[] = [];
  const find = (pc: number) => {
    let lo = 0;
    let hi = codes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (codes[mid].start <= pc) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  };
  const add = (code: { start: number; end: number; name: string }) => {
    let at = find(code.start);
    if (at >= 0 && codes[at].end <= code.start) at++;
    else if (at < 0) at = 0;
    let count = 0;
    while (at + count < codes.length && codes[at + count].start < code.end) count++;
    codes.splice(at, count, code);
  };
  const byFunction = new Map<string, number>();
  for await (const line of createInterface({ input: createReadStream(logfile) })) {
    const f = line.split(',');
    if (f[0] === 'code-creation' && f[4]?.startsWith('0x')) {
      add({ start: Number(f[4]), end: Number(f[4]) + Number(f[5]), name: f[6].trim() });
    } else if (f[0] === 'code-move') {
      const i = find(Number(f[1]));
      if (i >= 0 && codes[i].start === Number(f[1])) {
        const [moved] = codes.splice(i, 1);
        add({ start: Number(f[2]), end: Number(f[2]) + (moved.end - moved.start), name: moved.name });
      }
    } else if (f[0] === 'map' && f[1] === 'Transition' && f[8] === 'prototype') {
      const pc = Number(f[5]);
      const i = find(pc);
      const name = i >= 0 && pc < codes[i].end ? codes[i].name : 'unknown';
      byFunction.set(name, (byFunction.get(name) ?? 0) + 1);
    }
  }
  return byFunction;
}

/** What the longer run added over the shorter one, per function whose name passes `which`. */
function added(few: Map<string, number>, many: Map<string, number>, which: (name: string) => boolean): [string, number][] {
  return [...many].filter(([name]) => which(name)).map(([name, n]): [string, number] => [name, n - (few.get(name) ?? 0)]).filter(([, n]) => n > 0);
}

describe('hidden classes per request', () => {
  it('answers reads, a node lookup, an evaluation and a refused input without a map of their own', async () => {
    const few = await mapChurn(2);
    const many = await mapChurn(12);
    const extraRounds = 10;
    expect(many.outcomes).toEqual(['data', 'error BAD_USER_INPUT']);
    // The canary (twenty objects a round, one member after their spread) is seen, and charged to the probe.
    const canary = added(few.byFunction, many.byFunction, (name) => name.includes('map-churn-probe.ts'));
    expect(canary.reduce((sum, [, n]) => sum + n, 0)).toBeGreaterThanOrEqual(extraRounds);
    // A site that makes maps per request adds one or more a request of its kind: 10 or more here.
    const ours = added(few.byFunction, many.byFunction, (name) => name.includes(ourCode));
    expect(ours.filter(([, n]) => n >= extraRounds / 2), `prototype transitions made by src/ for ${many.requests - few.requests} more requests`).toEqual([]);
  }, 240_000);
});
