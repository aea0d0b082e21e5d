// WaveLoader runs a DataLoader on the request's wave scheduler. A key it holds answers at the scheduler's
// next flush, which comes once the microtask queue is empty (no turn of the event loop), or with the
// wave in flight; either way every load settles as a plain DataLoader's on the same scheduler would.
import DataLoader from 'dataloader';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WaveLoader } from '../../src/loaders/batch.js';
import type { KeyLoader } from '../../src/loaders/tagged-loader.js';
import { WaveScheduler } from '../../src/loaders/wave-scheduler.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Fetches after an I/O turn; a batch holding `boom` fails whole, a key starting with `e` fails alone. */
function source() {
  const fetched: string[] = [];
  const batch = async (keys: readonly string[]) => {
    fetched.push(...keys);
    await turn();
    if (keys.includes('boom')) throw new Error('batch failed');
    return keys.map((k) => (k.startsWith('e') ? new Error(`no ${k}`) : `v:${k}`));
  };
  return { fetched, batch };
}

type Step = { op: 'load'; key: string } | { op: 'loadMany'; keys: string[] } | { op: 'prime'; key: string } | { op: 'clear'; key: string } | { op: 'turn' };

const key = fc.constantFrom('a', 'b', 'c', 'e1', 'boom');
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('load' as const), key }),
  fc.record({ op: fc.constant('loadMany' as const), keys: fc.array(key, { maxLength: 3 }) }),
  fc.record({ op: fc.constant('prime' as const), key }),
  fc.record({ op: fc.constant('clear' as const), key }),
  fc.record({ op: fc.constant('turn' as const) }),
);

/** What both loaders offer the steps: what TaggedLoader reads through, and clear. */
type Loader = KeyLoader<string, string> & { clear(key: string): unknown };

/** Runs the steps without awaiting the loads (a turn lets batches run) and tells how each settled. */
async function run(loader: Loader, steps: Step[]): Promise<string[]> {
  const settled: Promise<string>[] = [];
  const outcome = (p: Promise<unknown>) =>
    p.then(
      (v) => `ok ${JSON.stringify(v, (_, x) => (x instanceof Error ? `error ${x.message}` : x))}`,
      (e: Error) => `error ${e.message}`,
    );
  for (const s of steps) {
    if (s.op === 'load') settled.push(outcome(loader.load(s.key)));
    else if (s.op === 'loadMany') settled.push(outcome(loader.loadMany(s.keys)));
    else if (s.op === 'prime') loader.prime(s.key, `primed:${s.key}`);
    else if (s.op === 'clear') loader.clear(s.key);
    else await turn();
  }
  return Promise.all(settled);
}

describe('WaveLoader', () => {
  it('answers a key it holds before the event loop turns, when no wave is in flight', async () => {
    const { fetched, batch } = source();
    const loader = new WaveLoader(new WaveScheduler(), batch);
    expect(await loader.load('a')).toBe('v:a');
    let turned = false;
    setImmediate(() => (turned = true));
    expect(await loader.load('a')).toBe('v:a');
    loader.prime('p', 'P');
    expect(await loader.load('p')).toBe('P');
    expect(turned).toBe(false);
    expect(fetched).toEqual(['a']);
  });

  it('answers a key it holds, asked while a wave is in flight, only once that wave is done', async () => {
    const { batch } = source();
    const waves = new WaveScheduler();
    const loader = new WaveLoader(waves, batch);
    await loader.load('a');
    const order: string[] = [];
    const inFlight = loader.load('b').then(() => order.push('b'));
    await turn(); // the wave holding 'b' is dispatched and waits for its reply
    const held = loader.load('a').then(() => order.push('a'));
    await Promise.all([inFlight, held]);
    expect(order).toEqual(['b', 'a']);
  });

  it('hands a key still loading the same pending answer, with no second fetch', async () => {
    const { fetched, batch } = source();
    const loader = new WaveLoader(new WaveScheduler(), batch);
    const first = loader.load('a');
    await turn();
    expect(await Promise.all([first, loader.load('a')])).toEqual(['v:a', 'v:a']);
    expect(fetched).toEqual(['a']);
  });

  it('keys by cacheKeyFn', async () => {
    const fetched: string[] = [];
    const loader = new WaveLoader<{ id: string }, string, string>(
      new WaveScheduler(),
      async (keys) => keys.map((k) => (fetched.push(k.id), `v:${k.id}`)),
      { cacheKeyFn: (k) => k.id },
    );
    expect(await loader.load({ id: 'a' })).toBe('v:a');
    expect(await loader.load({ id: 'a' })).toBe('v:a');
    expect(fetched).toEqual(['a']);
  });

  it('settles every load as DataLoader does and fetches the same keys, for generated loads, primes and clears', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 25 }), async (steps) => {
        const ours = source();
        const theirs = source();
        const waves = new WaveScheduler();
        const plain = new DataLoader<string, string>((keys) => waves.run(() => theirs.batch(keys)), { batchScheduleFn: waves.schedule });
        const [a, b] = await Promise.all([run(new WaveLoader(new WaveScheduler(), ours.batch), steps), run(plain, steps)]);
        expect(a).toEqual(b);
        expect([...ours.fetched].sort()).toEqual([...theirs.fetched].sort());
      }),
      { numRuns: 150 },
    );
  });

  it('rejects the loads of a batch that throws synchronously with its error, and batches on', async () => {
    let calls = 0;
    const loader = new WaveLoader<string, string>(new WaveScheduler(), (keys) => {
      if (calls++ === 0) throw new Error('built badly');
      return Promise.resolve(keys.map((k) => `v:${k}`));
    });
    const failed = await Promise.allSettled([loader.load('a'), loader.load('b')]);
    expect(failed.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : r.value))).toEqual(['built badly', 'built badly']);
    expect(await loader.load('c')).toBe('v:c');
  });

  it('refuses a null key as DataLoader does', () => {
    const loader = new WaveLoader(new WaveScheduler(), source().batch);
    expect(() => loader.load(null as unknown as string)).toThrow(TypeError);
  });
});
