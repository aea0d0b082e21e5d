// The floor tables of the benchmark report: per read scenario, truthgraph against its SQL floor
// (uncached) and against its cache floor (hits), in ratios that hold on any machine, with CPU per
// request of the server process and of PostgreSQL. The targets are issue 15's.
import { median } from './measure.js';
import { decide, medianInterval, type Decision, type MedianInterval } from './median-interval.js';
import type { FloorPair, Row, RunReport, Variant } from './report.js';

export const floorTargets = { p50AtMost: 1.25, rpsAtLeast: 0.8 } as const;

export interface FloorComparison {
  scenario: string;
  title: string;
  /** truthgraph p50 / floor p50 at concurrency 1 (≤ 1.25 meets the target). */
  p50Ratio: number | null;
  /** truthgraph req/s / floor req/s at concurrency 32 (≥ 0.8 meets the target). */
  rpsRatio: number | null;
  /** Where the true median of each ratio lies, from the rounds (null: too few rounds to say). */
  p50Interval: MedianInterval | null;
  rpsInterval: MedianInterval | null;
  /** Rounds of alternating windows behind each ratio (0: one window of each, from the rows). */
  rounds: number;
  /** Each round's windows in the order A, B, B, A (FloorPair.order). */
  abba: boolean;
  subject: { p50?: number; rps?: number; nodeMs?: number; postgresMs?: number | null };
  floor: { p50?: number; rps?: number; nodeMs?: number; postgresMs?: number | null };
}

const find = (rows: Row[], scenario: string, variant: Variant, concurrency: number, scale: string) =>
  rows.find((r) => r.scenario === scenario && r.variant === variant && r.concurrency === concurrency && r.scale === scale);

const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 && Number.isFinite(a) ? a / b : null);

const pairOf = (pairs: FloorPair[], scenario: string, subject: Variant, floor: Variant, concurrency: number, scale: string) =>
  pairs.find((p) => p.scenario === scenario && p.subject === subject && p.floor === floor && p.concurrency === concurrency && p.scale === scale && p.rounds.length);

/**
 * One comparison per scenario that has a floor row. With paired windows (runs since they exist) each
 * ratio is the median over the rounds of that round's ratio, and the figures shown (CPU of the c=32
 * windows included) are the medians of each side; otherwise one window of each, from the rows.
 */
export function compareWithFloor(rows: Row[], scale: string, subject: Variant, floor: Variant, pairs: FloorPair[] = []): FloorComparison[] {
  const out: FloorComparison[] = [];
  const seen = new Set<string>();
  for (const f of rows) {
    if (f.variant !== floor || f.scale !== scale || seen.has(f.scenario)) continue;
    seen.add(f.scenario);
    const s1 = find(rows, f.scenario, subject, 1, scale);
    const s32 = find(rows, f.scenario, subject, 32, scale);
    const f1 = find(rows, f.scenario, floor, 1, scale);
    const f32 = find(rows, f.scenario, floor, 32, scale);
    const p1 = pairOf(pairs, f.scenario, subject, floor, 1, scale);
    const p32 = pairOf(pairs, f.scenario, subject, floor, 32, scale);
    // CPU from the paired c=32 windows when every round has it, else from the c=32 row.
    const cpuFrom = (name: 'subject' | 'floor', key: 'nodeMs' | 'postgresMs', at32?: Row) => {
      const values = p32?.rounds.map((r) => r[name][key]);
      if (values?.length && values.every((v) => typeof v === 'number')) return median(values as number[]);
      return at32?.cpu?.[key];
    };
    const side = (name: 'subject' | 'floor', at1?: Row, at32?: Row) => ({
      p50: p1 ? median(p1.rounds.map((r) => r[name].p50)) : at1?.p50,
      rps: p32 ? median(p32.rounds.map((r) => r[name].rps)) : at32?.rps,
      nodeMs: cpuFrom(name, 'nodeMs', at32) ?? undefined,
      postgresMs: cpuFrom(name, 'postgresMs', at32),
    });
    const p50Ratios = p1?.rounds.map((r) => r.subject.p50 / r.floor.p50);
    const rpsRatios = p32?.rounds.map((r) => r.subject.rps / r.floor.rps);
    out.push({
      scenario: f.scenario,
      title: f.title,
      p50Ratio: p50Ratios ? median(p50Ratios) : ratio(s1?.p50, f1?.p50),
      rpsRatio: rpsRatios ? median(rpsRatios) : ratio(s32?.rps, f32?.rps),
      p50Interval: p50Ratios ? medianInterval(p50Ratios) : null,
      rpsInterval: rpsRatios ? medianInterval(rpsRatios) : null,
      rounds: Math.min(p1?.rounds.length ?? 0, p32?.rounds.length ?? 0),
      abba: p1?.order === 'abba' && p32?.order === 'abba',
      subject: side('subject', s1, s32),
      floor: side('floor', f1, f32),
    });
  }
  return out;
}

const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '–' : v >= 10 ? `${v.toFixed(0)} ms` : `${v.toFixed(2)} ms`);
const rps = (v: number | undefined) => (v === undefined ? '–' : v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US'));
const cpu = (v: number | null | undefined) => (v === undefined || v === null ? '–' : v.toFixed(v < 1 ? 3 : 2));
const mark = (met: boolean) => (met ? '✓' : '✗');

// Two decimals, rounded down or up (the nudge keeps 0.29, stored as 0.28999…, at 0.29).
const down = (x: number) => (Math.floor(x * 100 + 1e-9) / 100).toFixed(2);
const up = (x: number) => (Math.ceil(x * 100 - 1e-9) / 100).toFixed(2);
const meetsP50 = (x: number) => x <= floorTargets.p50AtMost;
const meetsRps = (x: number) => x >= floorTargets.rpsAtLeast;

function cell(x: number | null, met: (x: number) => boolean, interval: MedianInterval | null): string {
  if (x === null) return '–';
  // Rounded outwards: an interval that reaches past its bound must not look as if it stopped at it.
  const range = interval ? ` (${down(interval.low)}–${up(interval.high)})` : '';
  return `**${x.toFixed(2)}×** ${mark(met(x))}${range}`;
}

function table(list: FloorComparison[], subjectName: string, floorName: string): string[] {
  const out = [
    `| scenario | p50 c=1: ${subjectName} / ${floorName} | ratio (≤ ${floorTargets.p50AtMost}×) | req/s c=32: ${subjectName} / ${floorName} | ratio (≥ ${floorTargets.rpsAtLeast}×) | CPU ms per request at c=32, Node: ${subjectName} / ${floorName} | PostgreSQL: ${subjectName} / ${floorName} |`,
    '|---|---|---|---|---|---|---|',
  ];
  for (const c of list) {
    out.push(
      `| ${c.title} | ${ms(c.subject.p50)} / ${ms(c.floor.p50)} | ${cell(c.p50Ratio, meetsP50, c.p50Interval)} | ` +
        `${rps(c.subject.rps)} / ${rps(c.floor.rps)} | ${cell(c.rpsRatio, meetsRps, c.rpsInterval)} | ` +
        `${cpu(c.subject.nodeMs)} / ${cpu(c.floor.nodeMs)} | ${cpu(c.subject.postgresMs)} / ${cpu(c.floor.postgresMs)} |`,
    );
  }
  return out;
}

/** How a table's ratios were measured. */
function howPaired(list: FloorComparison[]): string {
  const rounds = Math.min(...list.map((c) => c.rounds));
  if (rounds === 0) return ' One window of each, taken minutes apart.';
  const n = rounds === 1 ? 'one round' : `${rounds} rounds`;
  const how = list.every((c) => c.abba)
    ? ` Each round times truthgraph and its floor on the same request in four half windows, A B B A (the floor first in every other round), each side's two pooled (${n}); `
    : ` Each floor window alternates with a window of truthgraph on the same request (${n}); `;
  return how + "a ratio is the median of the rounds' ratios, the figures beside it (CPU included) the medians of each side.";
}

/**
 * What the rounds decide: each ratio's interval (in brackets in the tables) against its bound. Empty when
 * no ratio had rounds enough for one.
 */
export function decisions(list: readonly FloorComparison[]): string {
  const counts: Record<Decision, number> = { met: 0, missed: 0, undecided: 0 };
  const confidences: number[] = [];
  const rounds = new Set<number>();
  const ks = new Set<number>();
  for (const c of list) {
    for (const [interval, met] of [[c.p50Interval, meetsP50], [c.rpsInterval, meetsRps]] as const) {
      if (!interval) continue;
      counts[decide(interval, met)]++;
      confidences.push(interval.confidence);
      rounds.add(interval.n);
      ks.add(interval.k);
    }
  }
  const n = counts.met + counts.missed + counts.undecided;
  if (n === 0) return '';
  // Rounded down: the figure is a lower bound.
  const percent = `${(Math.floor(Math.min(...confidences) * 10_000) / 100).toFixed(2)} %`;
  const by = rounds.size === 1 ? `${[...rounds][0]} rounds` : 'their rounds';
  const ends = ks.size === 1 && ks.has(1) ? "the lowest and highest of the rounds' ratios" : "two of the rounds' ratios";
  return (
    `In brackets, where the true median ratio lies with at least ${percent} confidence, each ratio on its own, whatever ` +
    `the rounds' spread if the rounds are independent draws (a sign-test interval: ${ends}, rounded outwards; ` +
    `bench/median-interval.ts). A target is ` +
    `decided when its whole interval lies on one side of its bound: of these ${n}, ${counts.met} met and ` +
    `${counts.missed} missed; ${counts.undecided} ${counts.undecided === 1 ? 'is' : 'are'} not decided by ${by}.`
  );
}

/** The Markdown of both floor tables (empty when the run measured no floor). */
export function floorTables(r: RunReport): string[] {
  const scale = r.scales[0];
  const out: string[] = [];
  const sql = compareWithFloor(r.rows, scale, 'uncached', 'floor', r.pairs);
  const hits = compareWithFloor(r.rows, scale, 'cached', 'cache-floor', r.pairs);
  if (sql.length) {
    out.push(
      '',
      'Floors, measured in the same run. SQL floor: a bare node:http handler sending the statements truthgraph sends for the ' +
        'scenario (captured from the app: same text, parameters, waves and pool settings) and JSON.stringify-ing the same ' +
        'response, checked byte-equal to truthgraph\'s before timing (bench/floor.ts).' +
        howPaired(sql),
      '',
      ...table(sql, 'uncached', 'floor'),
    );
  }
  if (hits.length) {
    out.push(
      '',
      'Cache floor: a bare node:http handler reading the same entry from the same store (a plain GET of its Redis key) and ' +
        'writing its bytes, checked byte-equal to truthgraph\'s hit (bench/cache-floor.ts).' +
        howPaired(hits),
      '',
      ...table(hits, 'cached', 'cache floor'),
    );
  }
  const decided = decisions([...sql, ...hits]);
  if (decided) out.push('', decided);
  return out;
}
