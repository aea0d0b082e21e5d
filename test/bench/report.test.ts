// The benchmark's outputs: the Markdown table, the SVG chart and the README block are what readers
// see, so they must show every measured variant, say what was skipped, and replace only their block.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LoadResult } from '../../bench/measure.js';
import { embedInReadme, importFloorTable, markdown, svgChart, type Row, type RunReport, type Variant } from '../../bench/report.js';

const load = (p50: number, concurrency = 1): LoadResult => ({
  concurrency,
  durationS: 10,
  requests: 100,
  rps: 1000 / p50,
  p50,
  p99: p50 * 2,
  mean: p50,
  max: p50 * 3,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  bytesPerResponse: 2_600_000,
  statementsPerRequest: 4,
  cache: null,
});

const row = (scenario: string, variant: Variant, p50: number, concurrency = 1): Row => ({
  scenario,
  title: scenario === 'video-list' ? '1. video list' : '2. ground truth',
  variant,
  scale: '1',
  ...load(p50, concurrency),
});

const report: RunReport = {
  date: '2026-11-28T04:00:00.000Z',
  command: 'npm run bench -- --scale 1',
  quick: false,
  machine: { cpus: 2, cpuModel: 'test cpu', memoryGiB: 24, node: 'v20', postgres: 'PostgreSQL 15.20', sharedBuffers: '128MB', loadAverage1m: 0.1 },
  durationS: 10,
  warmupS: 3,
  scales: ['1'],
  rows: [
    row('ground-truth-10k', 'uncached', 55),
    row('video-list', 'baseline', 1100),
    row('video-list', 'uncached', 1.5),
    row('video-list', 'uncached', 20, 32),
    row('video-list', 'cached', 0.4),
    row('ground-truth-10k', 'floor', 45),
  ],
  mixed: null,
  skipped: ['cached runs: the server sends no x-cache header'],
  problems: [],
  targets: { 'video-list': { uncached: 2, cached: 2 }, 'ground-truth-10k': { uncached: 60, cached: 15 } },
};

describe('benchmark report', () => {
  it('tabulates every variant in suite order with the speed-up over the baseline and the floor ratio', () => {
    const md = markdown(report);
    const lines = md.split('\n');
    const video = lines.findIndex((l) => l.startsWith('| 1. video list'));
    const gt = lines.findIndex((l) => l.startsWith('| 2. ground truth'));
    expect(video).toBeGreaterThan(0);
    expect(gt).toBeGreaterThan(video);
    expect(lines[video]).toContain('1.10 s');
    expect(lines[video]).toContain('1.50 ms');
    expect(lines[video]).toContain('733×');
    expect(md).toMatch(/\| 2\. ground truth \| 55 ms \/ 45 ms \| \*\*1\.22×\*\* ✓ \|/);
    expect(md).toContain('- skipped: cached runs: the server sends no x-cache header');
  });

  it('draws one bar per measured variant on a log axis, and names what was not measured', () => {
    const svg = svgChart(report);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    // baseline, uncached and cached of the video list, uncached and floor of the ground truth.
    expect(svg.match(/<rect x="\d+" y="\d+" width="[\d.]+" height="14"/g)).toHaveLength(5);
    expect(svg).toContain('not measured');
    expect(svg).toContain('>1 s</text>');
    expect(svg).toContain('>0.1 ms</text>');
  });

  it('replaces only the block between the README markers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-report-'));
    const path = join(dir, 'README.md');
    writeFileSync(path, '# t\n\nbefore\n<!-- bench:start -->\nold figures\n<!-- bench:end -->\nafter\n');
    expect(embedInReadme(path, report, 'bench/results/latest.svg')).toBe(true);
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain('old figures');
    expect(text).toMatch(/^# t\n\nbefore\n<!-- bench:start -->\nMeasured 2026-11-28/);
    expect(text).toContain('![p50 latency per scenario](bench/results/latest.svg)');
    expect(text).toContain('2 cores (test cpu), 24 GiB, Node v20, PostgreSQL 15.20, shared_buffers 128MB');
    expect(text.endsWith('<!-- bench:end -->\nafter\n')).toBe(true);
    writeFileSync(path, 'no markers\n');
    expect(embedInReadme(path, report, 'x.svg')).toBe(false);
  });
  it('gives the import against its floor: the median ratios, rows/s and CPU per row, and every round in its table', () => {
    const phase = (rowsPerS: number, pgUsPerRow: number, nodeUsPerRow?: number) => ({ rowsPerS, pgUsPerRow, nodeUsPerRow });
    const round = (fresh: number, rerun: number) => ({
      load: 1.2,
      floors: [phase(100_000, 10), phase(90_000, 11)] as [ReturnType<typeof phase>, ReturnType<typeof phase>],
      fresh: phase(fresh, 6, 12),
      rerun: phase(rerun, 4, 12.5),
      freshRatio: fresh / 95_000,
      rerunRatio: rerun / 95_000,
    });
    const importFloor = { rows: 200_000, rounds: [round(95_000, 120_000), round(114_000, 110_000), round(104_500, 133_000)], freshRatio: 1.1, rerunRatio: 1.26 };
    const line = markdown({ ...report, importFloor }).split('\n').find((l) => l.startsWith('Import ('));
    expect(line).toContain('200,000 ground-truth lines, 3 rounds');
    expect(line).toContain('fresh **1.10×** and rerun **1.26×** the floor (target ≥ 1.0×)');
    expect(line).toContain('medians 104,500 rows/s fresh, 120,000 rerun, 95,000 the floor (the mean of the floors before and after each round)');
    expect(line).toContain('floor PostgreSQL 11.0 µs, fresh PostgreSQL 6.0 µs + Node 12.0 µs');
    expect(markdown(report)).not.toContain('Import (');
    const table = importFloorTable(importFloor).split('\n');
    expect(table).toHaveLength(2 + 3);
    expect(table[2]).toBe('| 1 | 1.2 | 100,000, 90,000 | 95,000 | 1.00× | 120,000 | 1.26× | 11.0 µs / 6.0 µs + 12.0 µs / 4.0 µs + 12.5 µs |');
  });
});
