// The bound counters and histograms (src/observability/bound-series.ts) expose exactly what
// prom-client's own Counter and Histogram expose for the same observations: the same text on a
// scrape, the same JSON, over generated label sets (values a client may choose, with quotes,
// backslashes and newlines), bucket bounds and observed values (on a bound, between, above the
// last, zero, negative). Non-finite values are refused by both.
import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BoundCounter, BoundHistogram } from '../../src/observability/bound-series.js';

const runs = Number(process.env.PROPERTY_RUNS ?? 200);
const labelNames = ['operation', 'outcome'] as const;
const labelValue = fc.oneof(fc.constantFrom('ok', 'error', 'VideoList', ''), fc.string({ maxLength: 8 }), fc.constantFrom('a"b', 'a\\b', 'a\nb'));
const labelSet = fc.record({ operation: labelValue, outcome: labelValue });
const bounds = fc.uniqueArray(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 6 }).map((b) => b.sort((x, y) => x - y));

// prom-client marks each bucket "no exemplar" (null) even with exemplars off; nothing reads it then.
const withoutExemplars = async (registry: Registry) =>
  (await registry.getMetricsAsJSON()).map((m) => ({ ...m, values: m.values.map((v) => ({ ...v, exemplar: undefined })) }));

describe('bound series', () => {
  it('histograms answer what prom-client answers for the same observations', async () => {
    await fc.assert(
      fc.asyncProperty(
        bounds,
        fc.array(fc.tuple(labelSet, fc.oneof(fc.double({ min: -1, max: 200, noNaN: true }), fc.constantFrom(0, 1, 100))), { maxLength: 40 }),
        async (buckets, observations) => {
          const theirs = new Registry();
          const ours = new Registry();
          const histogram = new Histogram({ name: 'h_seconds', help: 'help "text"\\', labelNames, buckets, registers: [theirs] });
          const bound = new BoundHistogram('h_seconds', 'help "text"\\', labelNames, buckets, ours);
          for (const [labels, value] of observations) {
            // Observed at the bucket bounds too, where "<=" decides.
            histogram.labels(labels).observe(value);
            bound.labels(labels).observe(value);
            const edge = buckets[Math.abs(Math.trunc(value)) % buckets.length];
            histogram.labels(labels).observe(edge);
            bound.labels(labels).observe(edge);
          }
          expect(await ours.metrics()).toBe(await theirs.metrics());
          expect(await withoutExemplars(ours)).toEqual(await withoutExemplars(theirs));
        },
      ),
      { numRuns: runs },
    );
  });

  it('counters answer what prom-client answers for the same increments', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(labelSet, { maxLength: 40 }), async (increments) => {
        const theirs = new Registry();
        const ours = new Registry();
        const counter = new Counter({ name: 'c_total', help: 'c', labelNames, registers: [theirs] });
        const bound = new BoundCounter('c_total', 'c', labelNames, ours);
        for (const labels of increments) {
          counter.labels(labels).inc();
          bound.labels(labels).inc();
        }
        expect(await ours.metrics()).toBe(await theirs.metrics());
        expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
      }),
      { numRuns: runs },
    );
  });

  it('refuses a value that is not a finite number, as prom-client does', () => {
    const bound = new BoundHistogram('h', 'h', labelNames, [1], new Registry());
    const histogram = new Histogram({ name: 'h', help: 'h', labelNames, buckets: [1], registers: [new Registry()] });
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => histogram.labels({ operation: 'a', outcome: 'ok' }).observe(value)).toThrow(TypeError);
      expect(() => bound.labels({ operation: 'a', outcome: 'ok' }).observe(value)).toThrow(TypeError);
    }
  });

  it('starts over at zero on reset, and a series bound before keeps counting', async () => {
    const registry = new Registry();
    const bound = new BoundHistogram('h', 'h', labelNames, [1], registry);
    const series = bound.labels({ operation: 'a', outcome: 'ok' });
    series.observe(0.5);
    registry.resetMetrics();
    expect(await registry.metrics()).toContain('h_count{operation="a",outcome="ok"} 0');
    series.observe(2);
    expect(await registry.metrics()).toContain('h_count{operation="a",outcome="ok"} 1');
    expect(await registry.metrics()).toContain('h_bucket{le="1",operation="a",outcome="ok"} 0');
  });
});
