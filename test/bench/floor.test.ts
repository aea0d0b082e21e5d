// The floor's bookkeeping, without processes: how captured statements are grouped into waves, how a
// floor's answer is compared with truthgraph's, how CPU per request is derived from /proc samples,
// and how the report puts truthgraph beside its floors with issue 15's targets.
import { describe, expect, it } from 'vitest';
import { cpuPerRequest, processCpuMs } from '../../bench/cpu.js';
import { groupIntoWaves } from '../../bench/floor-capture.js';
import { firstDifference, pooled, windowOrder } from '../../bench/floor-runs.js';
import type { LoadResult } from '../../bench/measure.js';
import { compareWithFloor, floorTables } from '../../bench/report-floors.js';
import type { FloorPair, Row, RunReport, Variant } from '../../bench/report.js';

const stmt = (name: string, start: number, end: number) => ({ name, text: `/* ${name} */ SELECT 1`, params: [name], start, end });

describe('groupIntoWaves', () => {
  it('puts statements that started before the wave ended into one wave, later ones into the next', () => {
    const waves = groupIntoWaves([
      stmt('page', 1.0, 3.0),
      stmt('project', 0.0, 0.8),
      stmt('stats', 1.1, 2.0),
      stmt('count', 3.2, 4.0),
    ]);
    expect(waves.map((w) => w.map((s) => s.name))).toEqual([['project'], ['page', 'stats'], ['count']]);
    expect(waves[1][0]).toEqual({ name: 'page', text: '/* page */ SELECT 1', params: ['page'] });
  });

  it('keeps one statement per wave when each starts after the one before ended', () => {
    expect(groupIntoWaves([stmt('a', 0, 1), stmt('b', 1, 2), stmt('c', 2, 3)])).toHaveLength(3);
  });
});

describe('firstDifference', () => {
  it('is null for equal bodies', () => {
    expect(firstDifference('{"data":{}}\n', '{"data":{}}\n')).toBeNull();
  });

  it('names the first differing byte with context from both sides', () => {
    const d = firstDifference('{"data":{"n":12345}}', '{"data":{"n":12346}}');
    expect(d).toMatch(/^bodies differ at byte 17 of 20 \/ 20/);
    expect(d).toContain('12345');
    expect(d).toContain('12346');
  });

  it('reports a body that is a prefix of the other at its end', () => {
    expect(firstDifference('{"a":1}\n', '{"a":1}')).toMatch(/^bodies differ at byte 7 of 8 \/ 7/);
  });
});

describe('CPU per request', () => {
  const stat = (utime: number, stime: number) =>
    `4242 (node (tsx) x) S 1 4242 4242 0 -1 4194560 1 0 0 0 ${utime} ${stime} 0 0 20 0 11 0 100 0 0 0`;

  it('reads utime + stime after the command name, however many parentheses it holds', () => {
    expect(processCpuMs(4242, () => stat(150, 50))).toBe(2000);
    expect(processCpuMs(4242, () => {
      throw new Error('ENOENT');
    })).toBeNull();
  });

  it('divides the growth of the server and of every backend by the requests, counting new backends from zero', () => {
    const before = { node: 1000, backends: new Map([[10, 500], [11, 700]]) };
    const after = { node: 3000, backends: new Map([[10, 900], [12, 200]]) };
    expect(cpuPerRequest(before, after, 100)).toEqual({ nodeMs: 20, postgresMs: 6, lostBackends: 1 });
  });

  it('has no figure without requests or without the server process', () => {
    expect(cpuPerRequest({ node: 1, backends: new Map() }, { node: 2, backends: new Map() }, 0)).toBeNull();
    expect(cpuPerRequest({ node: null, backends: new Map() }, { node: 2, backends: new Map() }, 5)).toBeNull();
  });
});

const load = (p50: number, rps: number, concurrency: number, cpu?: LoadResult['cpu']): LoadResult => ({
  concurrency,
  durationS: 10,
  requests: Math.round(rps * 10),
  rps,
  p50,
  p99: p50 * 2,
  mean: p50,
  max: p50 * 3,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  bytesPerResponse: 10_000,
  statementsPerRequest: 2,
  cache: null,
  ...(cpu ? { cpu } : {}),
});

const row = (scenario: string, variant: Variant, r: LoadResult): Row => ({ scenario, title: `title of ${scenario}`, variant, scale: '1', ...r });

const rows: Row[] = [
  row('video-list', 'uncached', load(2.0, 800, 1)),
  row('video-list', 'uncached', load(40, 800, 32, { nodeMs: 1.2, postgresMs: 0.4, lostBackends: 0 })),
  row('video-list', 'floor', load(1.0, 1600, 1)),
  row('video-list', 'floor', load(20, 1000, 32, { nodeMs: 0.5, postgresMs: 0.35, lostBackends: 0 })),
  row('dashboard', 'cached', load(0.5, 3000, 1)),
  row('dashboard', 'cached', load(10, 3000, 32, { nodeMs: 0.3, postgresMs: 0.1, lostBackends: 0 })),
  row('dashboard', 'cache-floor', load(0.45, 3500, 1)),
  row('dashboard', 'cache-floor', load(9, 3500, 32, { nodeMs: 0.1, postgresMs: null, lostBackends: 0 })),
];

describe('compareWithFloor', () => {
  it('divides p50 at c=1 and requests/s at c=32 by the floor, with CPU from the c=32 window', () => {
    const [c] = compareWithFloor(rows, '1', 'uncached', 'floor');
    expect(c).toMatchObject({ scenario: 'video-list', p50Ratio: 2, rpsRatio: 0.8 });
    expect(c.subject).toEqual({ p50: 2, rps: 800, nodeMs: 1.2, postgresMs: 0.4 });
    expect(c.floor).toEqual({ p50: 1, rps: 1000, nodeMs: 0.5, postgresMs: 0.35 });
  });

  it('takes each ratio from the paired windows when there are any: the median of the rounds\' ratios', () => {
    const w = (p50: number, rps: number) => ({ p50, rps });
    const pairs: FloorPair[] = [
      // Round 2 ran on a busier machine: both sides slowed, and its ratio is like the others.
      { scenario: 'video-list', scale: '1', concurrency: 1, subject: 'uncached', floor: 'floor', rounds: [
        { subject: w(1.2, 0), floor: w(1.0, 0) },
        { subject: w(3.0, 0), floor: w(2.0, 0) },
        { subject: w(1.3, 0), floor: w(1.0, 0) },
      ] },
      { scenario: 'video-list', scale: '1', concurrency: 32, subject: 'uncached', floor: 'floor', rounds: [
        { subject: w(0, 900), floor: w(0, 1000) },
        { subject: w(0, 450), floor: w(0, 500) },
      ] },
      // Another scale's and another subject's pairs are not this comparison's.
      { scenario: 'video-list', scale: '5', concurrency: 1, subject: 'uncached', floor: 'floor', rounds: [{ subject: w(9, 0), floor: w(1, 0) }] },
      { scenario: 'video-list', scale: '1', concurrency: 1, subject: 'cached', floor: 'floor', rounds: [{ subject: w(9, 0), floor: w(1, 0) }] },
    ];
    const [c] = compareWithFloor(rows, '1', 'uncached', 'floor', pairs);
    expect(c.p50Ratio).toBeCloseTo(1.3, 10);
    expect(c.rpsRatio).toBeCloseTo(0.9, 10);
    expect(c.rounds).toBe(2);
    expect(c.subject).toEqual({ p50: 1.3, rps: 675, nodeMs: 1.2, postgresMs: 0.4 });
    expect(c.floor).toEqual({ p50: 1.0, rps: 750, nodeMs: 0.5, postgresMs: 0.35 });
    const md = floorTables({ scales: ['1'], rows, pairs } as unknown as RunReport).join('\n');
    expect(md).toContain('| title of video-list | 1.30 ms / 1.00 ms | **1.30×** ✗ | 675 / 750 | **0.90×** ✓ |');
    expect(md).toContain('(2 rounds); a ratio is the median');
    // The cache floor had no pairs in this run.
    expect(md).toContain("checked byte-equal to truthgraph's hit (bench/cache-floor.ts). One window of each, taken minutes apart.");
  });

  it("puts each ratio's interval beside it from five rounds on, and says which targets the rounds decide", () => {
    const w = (p50: number, rps: number) => ({ p50, rps });
    const of = (concurrency: number, ratios: number[]): FloorPair => ({
      scenario: 'video-list', scale: '1', concurrency, subject: 'uncached', floor: 'floor', order: 'abba',
      rounds: ratios.map((x) => (concurrency === 1 ? { subject: w(x, 0), floor: w(1, 0) } : { subject: w(0, 1000 * x), floor: w(0, 1000) })),
    });
    // p50: rounds on both sides of 1.25×; req/s: every round above 0.8×.
    const pairs = [of(1, [1.2, 1.6, 1.3, 1.1, 1.4]), of(32, [0.85, 0.9, 0.82, 0.95, 0.88])];
    const [c] = compareWithFloor(rows, '1', 'uncached', 'floor', pairs);
    expect(c.p50Interval).toMatchObject({ low: 1.1, high: 1.6 });
    expect(c.rpsInterval).toMatchObject({ low: 0.82, high: 0.95 });
    const md = floorTables({ scales: ['1'], rows, pairs } as unknown as RunReport).join('\n');
    expect(md).toContain('| **1.30×** ✗ (1.10–1.60) |');
    expect(md).toContain('| **0.88×** ✓ (0.82–0.95) |');
    expect(md).toContain('at least 93.75 % confidence');
    expect(md).toContain("the lowest and highest of the rounds' ratios");
    expect(md).toContain('of these 2, 1 met and 0 missed; 1 is not decided by 5 rounds.');
    // Missed when every round is past the bound; an interval shown rounded outwards, so one that reaches
    // past its bound (0.7973) never prints as if it stopped at it (0.80).
    const missed = [of(1, [1.3, 1.4, 1.5, 1.26, 1.35]), of(32, [0.7973, 0.9, 0.85, 0.88, 0.861])];
    const text = floorTables({ scales: ['1'], rows, pairs: missed } as unknown as RunReport).join('\n');
    expect(text).toContain('| **1.35×** ✗ (1.26–1.50) |');
    expect(text).toContain('| **0.86×** ✓ (0.79–0.90) |');
    expect(text).toContain('of these 2, 0 met and 1 missed; 1 is not decided by 5 rounds.');
    // Fewer rounds: no interval, and no sentence about what they decide.
    const few = floorTables({ scales: ['1'], rows, pairs: [of(1, [1.2, 1.6, 1.3]), of(32, [0.85, 0.9, 0.82])] } as unknown as RunReport).join('\n');
    expect(few).toContain('| **1.30×** ✗ |');
    expect(few).not.toContain('decided');
    // The sentence counts each interval's own rounds, not the fewer rounds of the scenario's other pair.
    const uneven = floorTables({ scales: ['1'], rows, pairs: [of(1, [1.2, 1.6, 1.3, 1.1, 1.4]), of(32, [0.85, 0.9, 0.82])] } as unknown as RunReport).join('\n');
    expect(uneven).toContain('of these 1, 0 met and 0 missed; 1 is not decided by 5 rounds.');
  });

  it('says how the rounds were timed: A B B A when every pair was', () => {
    const w = (p50: number, rps: number) => ({ p50, rps });
    const pair = (concurrency: number, order?: 'abba'): FloorPair => ({ scenario: 'video-list', scale: '1', concurrency, subject: 'uncached', floor: 'floor', ...(order ? { order } : {}), rounds: [{ subject: w(1.2, 900), floor: w(1, 1000) }] });
    const text = (pairs: FloorPair[]) => floorTables({ scales: ['1'], rows, pairs } as unknown as RunReport).join('\n');
    expect(compareWithFloor(rows, '1', 'uncached', 'floor', [pair(1, 'abba'), pair(32, 'abba')])[0].abba).toBe(true);
    expect(text([pair(1, 'abba'), pair(32, 'abba')])).toContain('in four half windows, A B B A (the floor first in every other round), each side\'s two pooled (one round)');
    // A run written before the order was recorded (or one pair of it) keeps the old wording.
    expect(text([pair(1, 'abba'), pair(32)])).toContain('Each floor window alternates with a window of truthgraph on the same request (one round)');
  });

  it('takes CPU from the paired c=32 windows when each round has it', () => {
    const w = (rps: number, nodeMs: number) => ({ p50: 1, rps, nodeMs, postgresMs: nodeMs / 10 });
    const pairs: FloorPair[] = [
      { scenario: 'video-list', scale: '1', concurrency: 32, subject: 'uncached', floor: 'floor', rounds: [
        { subject: w(800, 1.0), floor: w(1000, 0.4) },
        { subject: w(800, 3.0), floor: w(1000, 0.6) },
        { subject: w(800, 2.0), floor: w(1000, 0.5) },
      ] },
    ];
    const [c] = compareWithFloor(rows, '1', 'uncached', 'floor', pairs);
    expect(c.subject).toMatchObject({ nodeMs: 2.0, postgresMs: 0.2 });
    expect(c.floor).toMatchObject({ nodeMs: 0.5, postgresMs: 0.05 });
    // No c=1 pair: the p50 ratio comes from the rows, and the comparison counts no paired rounds.
    expect(c.p50Ratio).toBe(2);
    expect(c.rounds).toBe(0);
  });

  it('has no ratio where one side was not measured', () => {
    const [c] = compareWithFloor(rows.filter((r) => !(r.variant === 'uncached' && r.concurrency === 32)), '1', 'uncached', 'floor');
    expect(c.rpsRatio).toBeNull();
    expect(c.p50Ratio).toBe(2);
  });
});

describe('windowOrder', () => {
  it('times A B B A, truthgraph first in rounds 1, 3, … and the floor first in the others', () => {
    expect(windowOrder(0, 3).map((w) => w.side)).toEqual(['subject', 'floor', 'floor', 'subject']);
    expect(windowOrder(1, 3).map((w) => w.side)).toEqual(['floor', 'subject', 'subject', 'floor']);
    expect(windowOrder(4, 3)).toEqual(windowOrder(0, 3));
  });

  it("centres each side's two windows on the same moment: the same warm-ups on both sides", () => {
    // Windows of D seconds, each after its warm-up: the mean start of A's windows equals B's.
    for (const [round, warmupS, d] of [[0, 3, 5], [1, 3, 5], [0, 0.3, 0.5], [3, 1, 30]]) {
      let t = 0;
      const starts: Record<string, number[]> = { subject: [], floor: [] };
      for (const w of windowOrder(round, warmupS)) {
        t += w.warmupS;
        starts[w.side].push(t);
        t += d;
      }
      expect(starts.subject[0] + starts.subject[1]).toBeCloseTo(starts.floor[0] + starts.floor[1], 10);
    }
    expect(windowOrder(0, 3).map((w) => w.warmupS)).toEqual([3, 3, 1, 3]);
  });
});

describe('pooled', () => {
  const window = (p50: number, requests: number, cpu?: { nodeMs: number; postgresMs: number | null }, durationS = 5) =>
    ({ p50, requests, durationS, rps: requests / durationS, ...(cpu ? { cpu: { ...cpu, lostBackends: 0 } } : {}) }) as LoadResult;

  it('gives the mean p50, and requests/s and CPU per request over all requests of the windows', () => {
    const p = pooled([window(1, 1000, { nodeMs: 0.2, postgresMs: 0.1 }), window(3, 3000, { nodeMs: 0.4, postgresMs: 0.3 })]);
    expect(p.p50).toBe(2);
    expect(p.rps).toBe(400);
    // Over the requests, not the mean of the two rates (100 and 1,500 req/s: 800).
    expect(pooled([window(1, 1000, undefined, 10), window(1, 3000, undefined, 2)]).rps).toBeCloseTo(4000 / 12, 10);
    expect(p.nodeMs).toBeCloseTo(0.35, 10);
    expect(p.postgresMs).toBeCloseTo(0.25, 10);
  });

  it('has no CPU figure unless every window has one, and no PostgreSQL figure unless every window has that', () => {
    expect(pooled([window(1, 10, { nodeMs: 0.2, postgresMs: 0.1 }), window(1, 10)])).toEqual({ p50: 1, rps: 2 });
    expect(pooled([window(1, 10, { nodeMs: 0.2, postgresMs: null }), window(1, 10, { nodeMs: 0.4, postgresMs: 0.1 })])).toMatchObject({ nodeMs: 0.3, postgresMs: null });
  });
});

describe('floorTables', () => {
  const report = { scales: ['1'], rows } as unknown as RunReport;

  it('marks each ratio against the targets (p50 ≤ 1.25×, req/s ≥ 0.8×) for the SQL floor and the cache floor', () => {
    const md = floorTables(report).join('\n');
    expect(md).toContain('| title of video-list | 2.00 ms / 1.00 ms | **2.00×** ✗ | 800 / 1,000 | **0.80×** ✓ | 1.20 / 0.500 | 0.400 / 0.350 |');
    expect(md).toContain('| title of dashboard | 0.50 ms / 0.45 ms | **1.11×** ✓ | 3,000 / 3,500 | **0.86×** ✓ | 0.300 / 0.100 | 0.100 / – |');
    expect(md).toContain('One window of each, taken minutes apart.');
  });

  it('is empty for a run without floors', () => {
    expect(floorTables({ scales: ['1'], rows: rows.filter((r) => !r.variant.includes('floor')) } as unknown as RunReport)).toEqual([]);
  });
});

describe('mixed run bookkeeping', () => {
  it('sums every labelled sample of the counters asked for, and nothing else', async () => {
    const { sumCounters } = await import('../../bench/mixed-run.js');
    const text = [
      '# HELP truthgraph_db_statement_duration_seconds SQL statement latency.',
      'truthgraph_db_statement_duration_seconds_count{statement="videosByIds",outcome="ok"} 12',
      'truthgraph_db_statement_duration_seconds_count{statement="apiKeyFingerprint",outcome="ok"} 3',
      'truthgraph_db_statement_duration_seconds_sum{statement="videosByIds",outcome="ok"} 0.5',
      'truthgraph_cache_refreshes_total 7',
    ].join('\n');
    expect(sumCounters(text, ['truthgraph_db_statement_duration_seconds_count', 'truthgraph_cache_refreshes_total', 'absent_total'])).toEqual({
      truthgraph_db_statement_duration_seconds_count: 15,
      truthgraph_cache_refreshes_total: 7,
      absent_total: 0,
    });
  });

  it('reports the hit rate with compulsory misses apart and the database load per served request', async () => {
    const { mixedLine } = await import('../../bench/report.js');
    const result = {
      scale: '1', concurrency: 32, durationS: 20, warmupRequests: 20_000, reads: 19_000, writes: 1_000, hitRate: 0.955, coldMisses: 400, warmHitRate: 0.975,
      staleReads: 0, errors: 0, p50: 4, p99: 40, rps: 1000, refreshAhead: true, refreshes: 900, statementsPerRequest: 0.31,
      cpu: { nodeMs: 0.8, postgresMs: 0.21, lostBackends: 0 },
    };
    const line = mixedLine(result);
    expect(line).toContain('refresh-ahead on');
    expect(line).toContain('c=32, 20,000 requests in 20 s after as many to warm up');
    // A report of the earlier windows of seconds keeps its wording when rendered again.
    expect(mixedLine({ ...result, warmupRequests: undefined })).toContain('c=32, 20 s, 95% Zipf');
    expect(line).toContain('cache hit rate 95.5% (400 misses were first reads of a key; over keys read before: 97.5%)');
    expect(line).toContain('per served request 0.31 SQL statements, 0.210 ms PostgreSQL CPU, 0.800 ms Node CPU; 900 refreshes');
  });
});
