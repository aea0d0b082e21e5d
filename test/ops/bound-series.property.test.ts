// The bound counters and histograms (src/observability/bound-series.ts) expose exactly what
// prom-client's own Counter and Histogram expose for the same observations: the same scrape text, in
// Prometheus and OpenMetrics format, with and without a registry's default labels (one may share a
// series label's name), and the same JSON but for prom-client's `exemplar: null` — over generated label
// sets (no labels at all, or values a client may choose, with quotes, backslashes and newlines), bucket
// bounds and observed values (on a bound, between, above the last, zero, negative). Non-finite values
// are refused by both.
import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BoundCounter, BoundHistogram } from '../../src/observability/bound-series.js';

const runs = Number(process.env.PROPERTY_RUNS ?? 200);
const labelValue = fc.oneof(fc.constantFrom('ok', 'error', 'VideoList', ''), fc.string({ maxLength: 8 }), fc.constantFrom('a"b', 'a\\b', 'a\nb'));
const bounds = fc.uniqueArray(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 6 }).map((b) => b.sort((x, y) => x - y));
const value = fc.oneof(fc.double({ min: -1, max: 200, noNaN: true }), fc.constantFrom(0, 1, 100));

/** Two labels, or none (the pool-wait histogram's shape). */
const shape = fc.oneof(
  fc.constant({ labelNames: ['operation', 'outcome'] as string[], labelSet: fc.record({ operation: labelValue, outcome: labelValue }) as fc.Arbitrary<Record<string, string>> }),
  fc.constant({ labelNames: [] as string[], labelSet: fc.constant({}) as fc.Arbitrary<Record<string, string>> }),
);

/** A pair of registries alike: content type and default labels. */
const registries = fc.record({
  openMetrics: fc.boolean(),
  defaults: fc.constantFrom<Record<string, string>>({}, { service: 'truthgraph' }, { outcome: 'from-defaults', zone: 'a' }),
});
function pair({ openMetrics, defaults }: { openMetrics: boolean; defaults: Record<string, string> }): [Registry, Registry] {
  const make = () => {
    // The constructor's content type is missing from prom-client's typings.
    const r = openMetrics ? new (Registry as unknown as new (type: string) => Registry)(Registry.OPENMETRICS_CONTENT_TYPE) : new Registry();
    r.setDefaultLabels(defaults);
    return r;
  };
  return [make(), make()];
}

// prom-client marks each bucket "no exemplar" (null) even with exemplars off; nothing reads it then.
const withoutExemplars = async (registry: Registry) =>
  (await registry.getMetricsAsJSON()).map((m) => ({ ...m, values: m.values.map((v) => ({ ...v, exemplar: undefined })) }));

describe('bound series', () => {
  it('histograms answer what prom-client answers for the same observations', async () => {
    await fc.assert(
      fc.asyncProperty(
        registries,
        bounds,
        shape.chain(({ labelNames, labelSet }) => fc.tuple(fc.constant(labelNames), fc.array(fc.tuple(labelSet, value), { maxLength: 40 }))),
        async (settings, buckets, [labelNames, observations]) => {
          const [theirs, ours] = pair(settings);
          const histogram = new Histogram({ name: 'h_seconds', help: 'help "text"\\', labelNames, buckets, registers: [theirs] });
          const bound = new BoundHistogram<string>('h_seconds', 'help "text"\\', labelNames, buckets, ours);
          for (const [labels, v] of observations) {
            // Observed at the bucket bounds too, where "<=" decides.
            const edge = buckets[Math.abs(Math.trunc(v)) % buckets.length];
            for (const x of [v, edge]) {
              histogram.labels(labels).observe(x);
              bound.labels(labels).observe(x);
            }
          }
          expect(await ours.metrics()).toBe(await theirs.metrics());
          expect(await ours.getSingleMetricAsString('h_seconds')).toBe(await theirs.getSingleMetricAsString('h_seconds'));
          expect(await withoutExemplars(ours)).toEqual(await withoutExemplars(theirs));
        },
      ),
      { numRuns: runs },
    );
  });

  it('counters answer what prom-client answers for the same increments', async () => {
    await fc.assert(
      fc.asyncProperty(
        registries,
        shape.chain(({ labelNames, labelSet }) => fc.tuple(fc.constant(labelNames), fc.array(labelSet, { maxLength: 40 }))),
        async (settings, [labelNames, increments]) => {
          const [theirs, ours] = pair(settings);
          const counter = new Counter({ name: 'c_total', help: 'c', labelNames, registers: [theirs] });
          const bound = new BoundCounter<string>('c_total', 'c', labelNames, ours);
          for (const labels of increments) {
            counter.labels(labels).inc();
            bound.labels(labels).inc();
          }
          expect(await ours.metrics()).toBe(await theirs.metrics());
          expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
        },
      ),
      { numRuns: runs },
    );
  });

  it('refuses a value that is not a finite number, and the label le, as prom-client does', () => {
    const labelNames = ['operation', 'outcome'];
    const bound = new BoundHistogram<string>('h', 'h', labelNames, [1], new Registry());
    const histogram = new Histogram({ name: 'h', help: 'h', labelNames, buckets: [1], registers: [new Registry()] });
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => histogram.labels({ operation: 'a', outcome: 'ok' }).observe(v)).toThrow(TypeError);
      expect(() => bound.labels({ operation: 'a', outcome: 'ok' }).observe(v)).toThrow(TypeError);
    }
    expect(() => new Histogram({ name: 'h', help: 'h', labelNames: ['le'], registers: [] })).toThrow('le is a reserved label keyword');
    expect(() => new BoundHistogram<string>('h', 'h', ['le'], [1], new Registry())).toThrow('le is a reserved label keyword');
  });

  // Where it differs on purpose: prom-client drops its series on reset, but ours are held by callers.
  it('starts over at zero on reset, and a series bound before keeps counting', async () => {
    const registry = new Registry();
    const bound = new BoundHistogram<string>('h', 'h', ['operation', 'outcome'], [1], registry);
    const series = bound.labels({ operation: 'a', outcome: 'ok' });
    series.observe(0.5);
    registry.resetMetrics();
    expect(await registry.metrics()).toContain('h_count{operation="a",outcome="ok"} 0');
    series.observe(2);
    expect(await registry.metrics()).toContain('h_count{operation="a",outcome="ok"} 1');
    expect(await registry.metrics()).toContain('h_bucket{le="1",operation="a",outcome="ok"} 0');
  });
});
