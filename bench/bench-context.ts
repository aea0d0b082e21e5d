// What every part of a benchmark run shares: its options, the rows it records, what it skipped and the
// problems it found, and the rule for how long a measurement window lasts.
import os from 'node:os';
import type { LoadResult } from './measure.js';
import type { FloorPair, Row, Variant } from './report.js';

export interface BenchContext {
  quick: boolean;
  durationS: number;
  warmupS: number;
  concurrencies: number[];
  rows: Row[];
  /** Floor windows alternated with windows of the server they floor (bench/floor-runs.ts). */
  pairs: FloorPair[];
  /** How many subject/floor rounds each paired comparison takes. */
  floorRounds: number;
  skipped: string[];
  problems: string[];
  log(line: string): void;
  /** The URL of a database of the benchmark's PostgreSQL server. */
  dbUrl(name: string): string;
}

const fmtMs = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(2));

export function record(ctx: BenchContext, scenario: string, title: string, variant: Variant, scale: string, r: LoadResult, note?: string) {
  ctx.rows.push({ scenario, title, variant, scale, ...r, ...(note ? { note } : {}) });
  const cache = r.cache ? ` cache H/M/B ${r.cache.hit}/${r.cache.miss}/${r.cache.bypass}` : '';
  const cpu = r.cpu ? `  cpu/req node ${r.cpu.nodeMs.toFixed(2)} ms pg ${r.cpu.postgresMs === null ? '–' : r.cpu.postgresMs.toFixed(2)} ms` : '';
  ctx.log(
    `  ${variant.padEnd(11)} ${scenario.padEnd(18)} c=${String(r.concurrency).padEnd(2)} p50 ${fmtMs(r.p50).padStart(8)} ms  p99 ${fmtMs(r.p99).padStart(8)} ms  ` +
      `${r.rps.toFixed(r.rps < 10 ? 1 : 0).padStart(6)} req/s  ${r.statementsPerRequest === null ? '–' : +r.statementsPerRequest.toFixed(2)} stmts  ${r.bytesPerResponse} B` +
      `${r.non2xx || r.errors || r.timeouts ? `  non2xx ${r.non2xx} errors ${r.errors} timeouts ${r.timeouts}` : ''}${cache}${cpu}`,
  );
  if (variant === 'uncached' && r.cache?.hit) ctx.problems.push(`uncached ${scenario} c=${r.concurrency}: ${r.cache.hit} cache hits (CACHE=off not honoured)`);
  if (variant === 'cached' && r.cache && r.cache.hit < r.requests * 0.9) {
    ctx.problems.push(`cached ${scenario} c=${r.concurrency}: only ${r.cache.hit} of ${r.requests} responses were cache hits`);
  }
  if (r.non2xx || r.errors || r.timeouts) ctx.problems.push(`${variant} ${scenario} c=${r.concurrency}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
}

/**
 * Each of the c clients should finish a few requests in the window: a 32-way run of a 100 ms
 * operation on 2 cores needs longer than a 1 ms one. (--quick keeps its fixed window: it validates
 * the suite, it does not measure.)
 */
export function windowS(ctx: BenchContext, concurrency: number, sampleMs: number): number {
  if (ctx.quick) return ctx.durationS;
  const needS = (3 * concurrency * sampleMs) / 1000 / os.cpus().length;
  return Math.min(60, Math.max(ctx.durationS, Math.ceil(needS)));
}
