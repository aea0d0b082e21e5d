// Turns a benchmark run into its three outputs: the results JSON, a Markdown table and a hand-written
// SVG chart (p50 per read scenario, baseline vs uncached vs cached, log scale), and embeds the last
// two in the README between <!-- bench:start --> and <!-- bench:end -->.
import { readFileSync, writeFileSync } from 'node:fs';
import type { CpuUse } from './cpu.js';
import type { ImportFloorResult, ImportFloorRound } from './import-floor-runs.js';
import { median, type LoadResult } from './measure.js';
import { floorTables } from './report-floors.js';

export type Variant = 'baseline' | 'uncached' | 'cached' | 'floor' | 'cache-floor';

export interface Row extends LoadResult {
  scenario: string;
  title: string;
  variant: Variant;
  scale: string;
  note?: string;
}

/** One window's figures in a paired comparison. */
export interface PairedWindow {
  p50: number;
  rps: number;
  /** CPU per request (bench/cpu.ts). */
  nodeMs?: number;
  postgresMs?: number | null;
}

/**
 * A floor and the server it floors on one scenario and concurrency, back to back so both see the same
 * minutes of a noisy machine; each round on newly started servers (bench/floor-runs.ts).
 */
export interface FloorPair {
  scenario: string;
  scale: string;
  concurrency: number;
  subject: Variant;
  floor: Variant;
  /** 'abba': each round's side is two half windows, in the order A, B, B, A; absent: one window each, truthgraph's first. */
  order?: 'abba';
  rounds: { subject: PairedWindow; floor: PairedWindow }[];
}

export interface MixedResult {
  scale: string;
  concurrency: number;
  durationS: number;
  /** Requests of the warm-up before the measured window, which held as many (absent: windows of seconds). */
  warmupRequests?: number;
  reads: number;
  writes: number;
  hitRate: number | null;
  /**
   * Misses on a key this run had never read before (compulsory: no cache can hit them) and the hit
   * rate over the rest, i.e. what invalidations and expiry cost.
   */
  coldMisses?: number;
  warmHitRate?: number | null;
  staleReads: number;
  errors: number;
  p50: number;
  p99: number;
  rps: number;
  /** Whether the server recomputed hot entries after writes (CACHE_REFRESH_AHEAD). */
  refreshAhead?: boolean;
  /** Recomputations over the measured window (from /metrics). */
  refreshes?: number | null;
  /** SQL statements the server sent per served request (reads and writes; from /metrics). */
  statementsPerRequest?: number | null;
  /** CPU per served request of the server and of PostgreSQL. */
  cpu?: CpuUse | null;
  note?: string;
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  postgres: string;
  sharedBuffers: string;
  loadAverage1m: number;
}

export interface RunReport {
  date: string;
  command: string;
  quick: boolean;
  machine: Machine;
  /** 1-minute load average at the start of each phase (start, floor, cached, mixed, end). */
  loadAverages?: Record<string, number>;
  durationS: number;
  warmupS: number;
  scales: string[];
  rows: Row[];
  /** Paired floor comparisons (runs before they existed have none: their ratios come from the rows). */
  pairs?: FloorPair[];
  mixed: MixedResult | null;
  /** The same mixed run with refresh-ahead off ("today"), for its hit rate and database load. */
  mixedWithoutRefresh?: MixedResult | null;
  /** `npm run import` beside plain COPY of the same rows (bench/import-floor-runs.ts); runs before it had none. */
  importFloor?: ImportFloorResult;
  skipped: string[];
  problems: string[];
  targets: Record<string, { uncached: number; cached: number }>;
}

const ms = (v: number | undefined) =>
  v === undefined || Number.isNaN(v) ? '–' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : v >= 10 ? `${v.toFixed(0)} ms` : `${v.toFixed(2)} ms`;
const int = (v: number | undefined | null) =>
  v === undefined || v === null || Number.isNaN(v) ? '–' : v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US');
const kb = (v: number | undefined) => (v === undefined ? '–' : v >= 1_000_000 ? `${(v / 1_000_000).toFixed(2)} MB` : `${(v / 1000).toFixed(1)} kB`);

/** Scenarios in the order of the suite (the targets map keeps it), with their titles. */
function scenarioList(r: RunReport, include: (row: Row) => boolean): [string, string][] {
  const titles = new Map(r.rows.filter(include).map((x) => [x.scenario, x.title]));
  const order = Object.keys(r.targets);
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  return [...titles.entries()].sort((a, b) => rank(a[0]) - rank(b[0]));
}

const tick = (v: number) => (v >= 1000 ? `${v / 1000} s` : `${v} ms`);

function find(rows: Row[], scenario: string, variant: Variant, concurrency: number, scale: string) {
  return rows.find((r) => r.scenario === scenario && r.variant === variant && r.concurrency === concurrency && r.scale === scale);
}

/** One sentence per mixed run: throughput, hit rate with compulsory misses apart, database load per served request. */
export function mixedLine(m: MixedResult): string {
  const mode = m.refreshAhead === undefined ? '' : m.refreshAhead ? ', refresh-ahead on' : ', refresh-ahead off';
  const load =
    m.statementsPerRequest != null || m.cpu
      ? `; per served request ${m.statementsPerRequest == null ? '–' : m.statementsPerRequest.toFixed(2)} SQL statements, ` +
        `${m.cpu?.postgresMs == null ? '–' : m.cpu.postgresMs.toFixed(3)} ms PostgreSQL CPU, ${m.cpu ? m.cpu.nodeMs.toFixed(3) : '–'} ms Node CPU` +
        (m.refreshes != null ? `; ${int(m.refreshes)} refreshes` : '')
      : '';
  return (
    `Mixed (scenario 7, c=${m.concurrency}, ${m.warmupRequests ? `${int(m.reads + m.writes)} requests in ${m.durationS} s after as many to warm up` : `${m.durationS} s`}, 95% Zipf reads / 5% writes${mode}): ${int(m.rps)} req/s, p50 ${ms(m.p50)}, p99 ${ms(m.p99)}, ` +
    `cache hit rate ${m.hitRate === null ? '–' : `${(m.hitRate * 100).toFixed(1)}%`}` +
    (m.coldMisses !== undefined && m.warmHitRate != null
      ? ` (${int(m.coldMisses)} misses were first reads of a key; over keys read before: ${(m.warmHitRate * 100).toFixed(1)}%)`
      : '') +
    `, stale reads ${m.staleReads}, errors ${m.errors}` +
    load +
    (m.note ? ` (${m.note})` : '') +
    '.'
  );
}

const us = (v: number | undefined) => (v === undefined ? '–' : `${v.toFixed(1)} µs`);

/** The import against its floor in one sentence: the medians over the rounds and the figures beside them. */
export function importFloorLine(f: ImportFloorResult): string {
  const med = (pick: (r: ImportFloorRound) => number | undefined) => {
    const xs = f.rounds.map(pick).filter((x): x is number => x !== undefined);
    return xs.length ? median(xs) : undefined;
  };
  return (
    `Import (\`npm run import\` of ${int(f.rows)} ground-truth lines, ${f.rounds.length} rounds, each beside plain COPY of the same rows into the same indexed table): ` +
    `fresh **${f.freshRatio.toFixed(2)}×** and rerun **${f.rerunRatio.toFixed(2)}×** the floor (target ≥ 1.0×); medians ${int(med((r) => r.fresh.rowsPerS))} rows/s fresh, ` +
    `${int(med((r) => r.rerun.rowsPerS))} rerun, ${int(med((r) => (r.floors[0].rowsPerS + r.floors[1].rowsPerS) / 2))} the floor (the mean of the floors before and after each round); CPU per row: floor PostgreSQL ${us(med((r) => r.floors[1].pgUsPerRow))}, ` +
    `fresh PostgreSQL ${us(med((r) => r.fresh.pgUsPerRow))} + Node ${us(med((r) => r.fresh.nodeUsPerRow))}, rerun PostgreSQL ${us(med((r) => r.rerun.pgUsPerRow))} + Node ${us(med((r) => r.rerun.nodeUsPerRow))} (Node: the process's CPU without its start-up${f.startupCpuMs === undefined ? '' : `, ${int(f.startupCpuMs)} ms on an empty file`}).`
  );
}

/** Every round of the import against its floor. */
export function importFloorTable(f: ImportFloorResult): string {
  const out = [
    '| round | load | floor rows/s (before, after) | import fresh rows/s | × floor | import rerun rows/s | × floor | CPU per row: floor PostgreSQL / fresh PostgreSQL + Node / rerun PostgreSQL + Node (Node without its start-up) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  f.rounds.forEach((r, i) =>
    out.push(
      `| ${i + 1} | ${r.load.toFixed(1)} | ${int(r.floors[0].rowsPerS)}, ${int(r.floors[1].rowsPerS)} | ${int(r.fresh.rowsPerS)} | ${r.freshRatio.toFixed(2)}× | ${int(r.rerun.rowsPerS)} | ${r.rerunRatio.toFixed(2)}× | ` +
        `${us(r.floors[1].pgUsPerRow)} / ${us(r.fresh.pgUsPerRow)} + ${us(r.fresh.nodeUsPerRow)} / ${us(r.rerun.pgUsPerRow)} + ${us(r.rerun.nodeUsPerRow)} |`,
    ),
  );
  return out.join('\n');
}

export function markdown(r: RunReport): string {
  const scale = r.scales[0];
  const scenarios = scenarioList(r, (x) => x.variant !== 'floor' && x.variant !== 'cache-floor' && !x.scenario.startsWith('write-'));
  const out: string[] = [];
  out.push(`Scale ${scale}, p50 at concurrency 1 (p99 in brackets), requests/s at concurrency 32; "×" is baseline p50 / truthgraph uncached p50.`);
  out.push('');
  out.push('| scenario | baseline ("current") | truthgraph uncached | truthgraph cached | × | target (uncached / cached) | req/s c=32 baseline / uncached / cached | SQL statements per request (baseline / uncached / cached) | bytes per response |');
  out.push('|---|---|---|---|---|---|---|---|---|');
  for (const [key, title] of scenarios) {
    const b = find(r.rows, key, 'baseline', 1, scale);
    const u = find(r.rows, key, 'uncached', 1, scale);
    const c = find(r.rows, key, 'cached', 1, scale);
    const b32 = find(r.rows, key, 'baseline', 32, scale);
    const u32 = find(r.rows, key, 'uncached', 32, scale);
    const c32 = find(r.rows, key, 'cached', 32, scale);
    const cell = (x?: Row) => (x ? `${ms(x.p50)} (${ms(x.p99)})` : '–');
    const t = r.targets[key];
    const speedup = b && u ? `${(b.p50 / u.p50).toFixed(0)}×` : '–';
    const stmts = [b, u, c].map((x) => (x?.statementsPerRequest == null ? '–' : x.statementsPerRequest.toFixed(x.statementsPerRequest % 1 ? 1 : 0))).join(' / ');
    out.push(
      `| ${title} | ${cell(b)} | ${cell(u)} | ${cell(c)} | ${speedup} | ${t ? `≤ ${t.uncached} ms / ≤ ${t.cached} ms` : '–'} | ${[b32, u32, c32].map((x) => int(x?.rps)).join(' / ')} | ${stmts} | ${kb(u?.bytesPerResponse ?? b?.bytesPerResponse)} |`,
    );
  }
  out.push(...floorTables(r));
  const writes = r.rows.filter((x) => x.scenario.startsWith('write-'));
  if (writes.length) {
    out.push('');
    out.push('| write (scenario 6) | p50 | p99 | requests | SQL statements |');
    out.push('|---|---|---|---|---|');
    for (const w of writes) out.push(`| ${w.title} | ${ms(w.p50)} | ${ms(w.p99)} | ${w.requests} | ${w.statementsPerRequest ?? '–'} |`);
  }
  for (const m of [r.mixed, r.mixedWithoutRefresh]) if (m) out.push('', mixedLine(m));
  if (r.importFloor) out.push('', importFloorLine(r.importFloor));
  if (r.scales.length > 1) {
    out.push('');
    out.push(
      'Scaling: truthgraph uncached, p50 at concurrency 1 and bytes per response (pages must stay flat as the data grows; ' +
        'the nested scenario reads min(projects, 20) projects, so its answer grows from scale 1 to 2).',
    );
    out.push('');
    out.push(`| scenario | ${r.scales.map((s) => `scale ${s}`).join(' | ')} |`);
    out.push(`|---|${r.scales.map(() => '---').join('|')}|`);
    for (const [key, title] of scenarios) {
      out.push(`| ${title} | ${r.scales.map((s) => {
        const x = find(r.rows, key, 'uncached', 1, s);
        return x ? `${ms(x.p50)} (${kb(x.bytesPerResponse)})` : '–';
      }).join(' | ')} |`);
    }
  }
  const notes = [...r.skipped.map((s) => `skipped: ${s}`), ...r.problems.map((p) => `problem: ${p}`)];
  if (notes.length) {
    out.push('');
    for (const n of notes) out.push(`- ${n}`);
  }
  return out.join('\n');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Horizontal grouped bars on a log10 axis: one group per read scenario, one bar per variant. */
export function svgChart(r: RunReport): string {
  const scale = r.scales[0];
  const variants: { v: Variant; label: string; color: string }[] = [
    { v: 'baseline', label: 'baseline ("current")', color: '#c0504d' },
    { v: 'uncached', label: 'truthgraph uncached', color: '#4f81bd' },
    { v: 'cached', label: 'truthgraph cached', color: '#9bbb59' },
    { v: 'floor', label: 'floor (no GraphQL)', color: '#999999' },
  ];
  const scenarios = scenarioList(r, (x) => !x.scenario.startsWith('write-'));
  const values = r.rows.filter((x) => x.concurrency === 1 && x.scale === scale && x.p50 > 0).map((x) => x.p50);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(0.1, ...values))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(10, ...values))));
  const left = 300;
  const width = 900;
  const plot = width - left - 90;
  const bar = 14;
  const groupH = (variants.length - 1) * (bar + 3) + 16 + (bar + 3);
  const top = 50;
  const height = top + scenarios.length * groupH + 60;
  const x = (v: number) => left + (plot * (Math.log10(v) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo));
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  parts.push(`<text x="10" y="20" font-size="14" font-weight="bold">p50 latency per scenario at concurrency 1, scale ${esc(scale)} (log scale, lower is better)</text>`);
  for (let e = Math.round(Math.log10(lo)); e <= Math.round(Math.log10(hi)); e++) {
    const d = Number((10 ** e).toPrecision(1));
    const px = x(d).toFixed(1);
    parts.push(`<line x1="${px}" y1="${top - 8}" x2="${px}" y2="${height - 50}" stroke="#ddd"/>`);
    parts.push(`<text x="${px}" y="${height - 36}" text-anchor="middle" fill="#555">${esc(tick(d))}</text>`);
  }
  scenarios.forEach(([key, title], gi) => {
    const gy = top + gi * groupH;
    parts.push(`<text x="${left - 10}" y="${gy + groupH / 2 - 4}" text-anchor="end">${esc(title)}</text>`);
    variants.forEach(({ v, color }, vi) => {
      const row = find(r.rows, key, v, 1, scale);
      const y = gy + vi * (bar + 3);
      if (!row || !(row.p50 > 0)) {
        if (v === 'floor') return;
        parts.push(`<text x="${left + 4}" y="${y + bar - 3}" fill="#999">not measured</text>`);
        return;
      }
      const w = Math.max(1, x(row.p50) - left);
      parts.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${bar}" fill="${color}"/>`);
      parts.push(`<text x="${(left + w + 4).toFixed(1)}" y="${y + bar - 3}" fill="#333">${esc(ms(row.p50))}</text>`);
    });
  });
  variants.forEach(({ label, color }, i) => {
    const lx = 10 + i * 210;
    parts.push(`<rect x="${lx}" y="${height - 22}" width="12" height="12" fill="${color}"/>`);
    parts.push(`<text x="${lx + 16}" y="${height - 12}">${esc(label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

export function machineLine(r: RunReport): string {
  const m = r.machine;
  const phases = r.loadAverages
    ? Object.entries(r.loadAverages).map(([phase, v]) => `${v.toFixed(2)} at ${phase}`).join(', ')
    : `${m.loadAverage1m.toFixed(2)} at start`;
  return `${m.cpus} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.postgres}, shared_buffers ${m.sharedBuffers}, load average ${phases}`;
}

/** Replaces the README's block between the bench markers; returns false when the markers are missing. */
export function embedInReadme(readmePath: string, r: RunReport, chartRelPath: string): boolean {
  const text = readFileSync(readmePath, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) return false;
  const block = [
    start,
    `Measured ${r.date} with \`${r.command}\` on ${machineLine(r)}; ${r.durationS} s per run after ${r.warmupS} s of warm-up.`,
    '',
    `![p50 latency per scenario](${chartRelPath})`,
    '',
    markdown(r),
    end,
  ].join('\n');
  writeFileSync(readmePath, text.slice(0, i) + block + text.slice(j + end.length));
  return true;
}
