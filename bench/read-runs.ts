// Runs every read scenario against one server (truthgraph uncached or cached, or the baseline): a
// sample answer is checked first, and a scenario whose answer is wrong is reported, not timed.
import { record, windowS, type BenchContext } from './bench-context.js';
import { CpuMeter } from './cpu.js';
import { errorOf, notAvailable, post, type Reply } from './http-client.js';
import { measure, measureSlow } from './measure.js';
import type { Variant } from './report.js';
import { readScenarios, type Targets } from './scenarios.js';
import { settler } from './settle.js';

export interface Sample {
  /** Latency of a warm request (ms). */
  ms: number;
  text: string;
}

export interface ReadTarget {
  url: string;
  headers: Record<string, string>;
  /** The server's process id, for CPU per request (bench/cpu.ts). */
  pid?: number;
}

/** Returns the checked sample answer of every scenario it timed. */
export async function readRuns(
  ctx: BenchContext,
  target: ReadTarget,
  variant: Variant,
  scale: string,
  targets: Targets,
  dbName: string,
  slow: { afterMs: number; skip: Record<string, string> } = { afterMs: Infinity, skip: {} },
): Promise<Map<string, Sample>> {
  const { url, headers } = target;
  const samples = new Map<string, Sample>();
  const settle = settler(url, ctx.dbUrl(dbName), dbName);
  const cpu = target.pid ? new CpuMeter(target.pid, ctx.dbUrl(dbName), dbName) : undefined;
  try {
    for (const s of readScenarios) {
      if (slow.skip[s.key]) {
        ctx.skipped.push(`${variant} ${s.key}: ${slow.skip[s.key]}`);
        continue;
      }
      const op = s.op(targets);
      const t = performance.now();
      let sample: Reply;
      try {
        sample = await post(url, op, headers);
      } catch (err) {
        ctx.problems.push(`${variant} ${s.key} (scale ${scale}): no answer (${(err as Error).message})`);
        ctx.log(`  ${variant} ${s.key}: no answer: ${(err as Error).message}`);
        continue;
      }
      let sampleMs = performance.now() - t;
      // The first request of a fresh process is cold (JIT, connections): time a second one, unless the
      // first was already slow enough to decide.
      if (sampleMs <= slow.afterMs && !errorOf(sample)) {
        const t2 = performance.now();
        sample = await post(url, op, headers);
        sampleMs = performance.now() - t2;
      }
      const missing = notAvailable(sample);
      if (missing) {
        ctx.skipped.push(`${variant} ${s.key}: ${missing}`);
        continue;
      }
      const problem = errorOf(sample) ?? s.check(sample.json.data);
      if (problem) {
        ctx.problems.push(`${variant} ${s.key} (scale ${scale}) answered wrongly: ${problem}`);
        ctx.log(`  ${variant} ${s.key}: wrong answer, not timed: ${problem}`);
        continue;
      }
      samples.set(s.key, { ms: sampleMs, text: sample.text });
      if (sampleMs > slow.afterMs) {
        // Too slow for timed runs: the sample plus a few sequential requests within a time budget,
        // and no concurrency-32 run.
        let first = true;
        const r = await measureSlow(
          async () => {
            const reply = first ? sample : await post(url, op, headers);
            first = false;
            const st = reply.headers.get('x-sql-statements');
            return { ok: reply.status === 200 && !reply.json?.errors, bytes: reply.text.length, statements: st === null ? null : Number(st) };
          },
          ctx.quick ? 1 : 5,
          ctx.quick ? 0 : Math.max(0, 60_000 - sampleMs),
          first ? sampleMs : undefined,
        );
        record(ctx, s.key, s.title, variant, scale, r, `sequential (one request took ${(sampleMs / 1000).toFixed(1)} s)`);
        ctx.skipped.push(`${variant} ${s.key} c=32: one request takes ${(sampleMs / 1000).toFixed(1)} s`);
        continue;
      }
      for (const c of ctx.concurrencies) {
        // The baseline keeps the fixed window: 32 concurrent unindexed scans saturate the machine.
        const d = variant === 'baseline' ? ctx.durationS : windowS(ctx, c, sampleMs);
        const r = await measure({ url, requests: [{ body: JSON.stringify(op), headers }], concurrency: c, durationS: d, warmupS: ctx.warmupS, settle, cpu });
        if (r.requests === 0) ctx.skipped.push(`${variant} ${s.key} c=${c}: no response completed within ${d} s`);
        else record(ctx, s.key, s.title, variant, scale, r);
      }
    }
  } finally {
    await cpu?.close();
  }
  return samples;
}
