// TaggedLoader records the tags of a value where it is used: the same tags whether a batch answered
// the load, DataLoader's cache did, or a prime did; a prime alone records nothing.
import DataLoader from 'dataloader';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WaveLoader } from '../../src/loaders/batch.js';
import { TaggedLoader } from '../../src/loaders/tagged-loader.js';
import { WaveScheduler } from '../../src/loaders/wave-scheduler.js';

function loader(rows: Record<string, string>) {
  const recorded: string[] = [];
  const batches: string[][] = [];
  const inner = new DataLoader<string, string | null>(async (ids) => {
    batches.push([...ids]);
    return ids.map((id) => rows[id] ?? null);
  });
  const tagged = new TaggedLoader(inner, (tag) => recorded.push(tag), (value: string | null, id) => (value ? [`row:${id}`] : [`absent-in:scope`]));
  return { tagged, recorded, batches };
}

/** A batch over rows a, b and c (null for any other key) that records the keys of each batch it gets. */
function recordingBatch(batches: string[][]) {
  const rows: Record<string, string> = { a: 'A', b: 'B', c: 'C' };
  return async (ids: readonly string[]) => {
    batches.push([...ids]);
    return ids.map((id) => rows[id] ?? null);
  };
}

describe('TaggedLoader', () => {
  it('records the tags of a value answered by a batch', async () => {
    const { tagged, recorded, batches } = loader({ a: 'A' });
    expect(await tagged.load('a')).toBe('A');
    expect(batches).toEqual([['a']]);
    expect(recorded).toEqual(['row:a']);
  });

  it('records them again on every load answered from the cache', async () => {
    const { tagged, recorded, batches } = loader({ a: 'A' });
    await tagged.load('a');
    await tagged.load('a');
    expect(batches).toHaveLength(1);
    expect(recorded).toEqual(['row:a', 'row:a']);
  });

  it('records nothing for a prime, and the tags of the primed value when it is loaded', async () => {
    const { tagged, recorded, batches } = loader({});
    tagged.prime('b', 'B');
    expect(recorded).toEqual([]);
    expect(await tagged.load('b')).toBe('B');
    expect(batches).toEqual([]);
    expect(recorded).toEqual(['row:b']);
  });

  it('records the tags of a null answer from the key', async () => {
    const { tagged, recorded } = loader({});
    expect(await tagged.load('x')).toBeNull();
    expect(recorded).toEqual(['absent-in:scope']);
  });

  it('records the tags of every value of loadMany', async () => {
    const { tagged, recorded } = loader({ a: 'A' });
    tagged.prime('b', 'B');
    expect(await tagged.loadMany(['a', 'b', 'c'])).toEqual(['A', 'B', null]);
    expect(recorded).toEqual(['row:a', 'row:b', 'absent-in:scope']);
  });

  it('records the tags of a view (withTags) over the same cache', async () => {
    const { tagged, recorded, batches } = loader({ a: 'A' });
    const part = tagged.withTags((_, id) => [`part:${id}`]);
    await tagged.load('a');
    await part.load('a');
    expect(batches).toHaveLength(1);
    expect(recorded).toEqual(['row:a', 'part:a']);
  });

  it('keeps the first value primed or loaded for a key, as DataLoader does', async () => {
    const { tagged, batches } = loader({ a: 'A' });
    tagged.prime('b', 'B1');
    tagged.prime('b', 'B2');
    expect(await tagged.load('b')).toBe('B1');
    expect(await tagged.load('a')).toBe('A');
    tagged.prime('a', 'primed later');
    expect(await tagged.load('a')).toBe('A');
    expect(batches).toEqual([['a']]);
  });

  it('hands a row primed through one view to every view of the loader', async () => {
    const { tagged, recorded, batches } = loader({});
    const part = tagged.withTags((_, id) => [`part:${id}`]);
    part.prime('b', 'B');
    expect(await tagged.load('b')).toBe('B');
    expect(await part.load('b')).toBe('B');
    expect(batches).toEqual([]);
    expect(recorded).toEqual(['row:b', 'part:b']);
  });

  it('builds and records no tags without a recorder', async () => {
    let built = 0;
    const inner = new DataLoader<string, string>(async (ids) => ids.map((id) => id.toUpperCase()));
    const tagged = new TaggedLoader(inner, null, (_: string, id) => {
      built++;
      return [`row:${id}`];
    });
    tagged.prime('b', 'B');
    expect(await tagged.load('a')).toBe('A');
    expect(await tagged.loadMany(['b', 'c'])).toEqual(['B', 'C']);
    expect(built).toBe(0);
  });

  // Primes reach DataLoader only when their key is loaded, and a list primed whole is keyed only then.
  // Generated steps of primes, lists primed whole and concurrent loads answer the same values and send
  // the same batches as DataLoader primed at once, row by row.
  it('answers and batches as a DataLoader primed at once, for any order of primes, lists and loads', async () => {
    const key = fc.constantFrom('a', 'b', 'c', 'd');
    const action = fc.oneof(
      fc.record({ kind: fc.constant('prime' as const), key, value: fc.constantFrom('P1', 'P2', 'P3') }),
      fc.record({ kind: fc.constant('primeAll' as const), rows: fc.array(fc.tuple(key, fc.constantFrom('L1', 'L2')), { maxLength: 4 }) }),
      fc.record({ kind: fc.constant('load' as const), key }),
      fc.record({ kind: fc.constant('loadMany' as const), keys: fc.array(key, { maxLength: 3 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(action, { maxLength: 4 }), { maxLength: 6 }), async (steps) => {
        const lazyBatches: string[][] = [];
        const eagerBatches: string[][] = [];
        const lazy = new TaggedLoader(new DataLoader<string, string | null>(recordingBatch(lazyBatches)), () => {}, () => []);
        const eager = new DataLoader<string, string | null>(recordingBatch(eagerBatches));
        for (const step of steps) {
          const got: Promise<unknown>[] = [];
          const want: Promise<unknown>[] = [];
          for (const a of step) {
            if (a.kind === 'prime') {
              lazy.prime(a.key, a.value);
              eager.prime(a.key, a.value);
            } else if (a.kind === 'primeAll') {
              // A row's value names its key: `${key}=${list value}`.
              const list = a.rows.map(([k, v]) => `${k}=${v}`);
              lazy.primeAll(list, (row) => row!.split('=')[0]);
              for (const row of list) eager.prime(row.split('=')[0], row);
            } else if (a.kind === 'load') {
              got.push(lazy.load(a.key));
              want.push(eager.load(a.key));
            } else {
              got.push(lazy.loadMany(a.keys));
              want.push(eager.loadMany(a.keys));
            }
          }
          expect(await Promise.all(got)).toEqual(await Promise.all(want));
        }
        expect(lazyBatches).toEqual(eagerBatches);
      }),
      { numRuns: 300 },
    );
  });

  // Batches that fail and views with their own tags: generated steps answer as DataLoader primed at
  // once does (a failed key is loaded again, loadMany gives its Error), and every value a view hands out
  // records that view's tags, whichever way it was answered. Left out: a prime of a key whose load is
  // already in flight in a step whose batch fails (the one documented difference).
  it('answers, batches and records tags as DataLoader primed at once, with failing batches and views', async () => {
    const key = fc.constantFrom('a', 'b', 'c', 'e');
    const view = fc.constantFrom(0, 1);
    const action = fc.oneof(
      fc.record({ kind: fc.constant('prime' as const), key, value: fc.constantFrom('P1', 'P2'), view }),
      fc.record({ kind: fc.constant('load' as const), key, view }),
      fc.record({ kind: fc.constant('loadMany' as const), keys: fc.array(key, { maxLength: 3 }), view }),
    );
    const primeAfterLoad = (step: { kind: string; key?: string; keys?: string[] }[]) => {
      if (!step.some((a) => a.key === 'e' || a.keys?.includes('e'))) return false;
      const loaded = new Set<string>();
      for (const a of step) {
        if (a.kind === 'prime' && loaded.has(a.key!)) return true;
        for (const k of a.kind === 'load' ? [a.key!] : (a.keys ?? [])) loaded.add(k);
      }
      return false;
    };
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(action, { maxLength: 4 }), { maxLength: 6 }), async (steps) => {
        fc.pre(!steps.some(primeAfterLoad));
        const rows: Record<string, string> = { a: 'A', b: 'B', c: 'C' };
        // A batch that holds 'e' fails as a whole.
        const batchFn = (batches: string[][]) => async (ids: readonly string[]) => {
          batches.push([...ids]);
          if (ids.includes('e')) throw new Error('batch failed');
          return ids.map((id) => rows[id] ?? null);
        };
        const lazyBatches: string[][] = [];
        const eagerBatches: string[][] = [];
        const recorded: string[] = [];
        const tagsOf = (prefix: string) => (value: string | null, id: string) => [`${prefix}:${id}:${value}`];
        const base = new TaggedLoader(new DataLoader<string, string | null>(batchFn(lazyBatches)), (tag) => recorded.push(tag), tagsOf('row'));
        const views = [base, base.withTags(tagsOf('part'))];
        const eager = new DataLoader<string, string | null>(batchFn(eagerBatches));
        const settled = (p: Promise<unknown>) => p.then((v) => v, () => 'rejected');
        const shown = (v: unknown) => (Array.isArray(v) ? v.map((x) => (x instanceof Error ? 'error' : x)) : v);
        for (const step of steps) {
          const got: Promise<unknown>[] = [];
          const want: Promise<unknown>[] = [];
          const wantTags: Promise<string[]>[] = [];
          recorded.length = 0;
          for (const a of step) {
            const prefix = a.view ? 'part' : 'row';
            if (a.kind === 'prime') {
              views[a.view].prime(a.key, a.value);
              eager.prime(a.key, a.value);
            } else if (a.kind === 'load') {
              got.push(settled(views[a.view].load(a.key)));
              const w = eager.load(a.key);
              want.push(settled(w));
              wantTags.push(w.then((v) => tagsOf(prefix)(v, a.key), () => []));
            } else {
              got.push(settled(views[a.view].loadMany(a.keys)));
              const w = eager.loadMany(a.keys);
              want.push(w);
              wantTags.push(w.then((vs) => vs.flatMap((v, i) => (v instanceof Error ? [] : tagsOf(prefix)(v, a.keys[i])))));
            }
          }
          expect((await Promise.all(got)).map(shown)).toEqual((await Promise.all(want)).map(shown));
          expect([...recorded].sort()).toEqual((await Promise.all(wantTags)).flat().sort());
        }
        expect(lazyBatches).toEqual(eagerBatches);
      }),
      { numRuns: 300 },
    );
  });

  // peek() answers at once what a load would answer, while the loader underneath has loaded nothing (so
  // no value of its own can differ from a prime); otherwise it answers nothing and leaves it to load().
  // Generated steps of primes, lists, loads and peeks through two views: every value a peek gives is the
  // value a DataLoader primed at once gives for that key at that moment, its view's tags are recorded at
  // once (and nothing for a peek that gives nothing), and the batches sent are the same.
  it('peeks at once the value a load would answer, with its tags, and sends nothing', async () => {
    const key = fc.constantFrom('a', 'b', 'c', 'd');
    const view = fc.constantFrom(0, 1);
    // Peeks answer only until the first load: loads are drawn less often, so most runs have some that do.
    const action = fc.oneof(
      { arbitrary: fc.record({ kind: fc.constant('prime' as const), key, value: fc.constantFrom('P1', 'P2'), view }), weight: 2 },
      { arbitrary: fc.record({ kind: fc.constant('primeAll' as const), rows: fc.array(fc.tuple(key, fc.constantFrom('L1', 'L2')), { maxLength: 4 }), view }), weight: 1 },
      { arbitrary: fc.record({ kind: fc.constant('load' as const), key, view }), weight: 1 },
      { arbitrary: fc.record({ kind: fc.constant('peek' as const), key, view }), weight: 3 },
    );
    let peeked = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(action, { maxLength: 4 }), { maxLength: 5 }), async (steps) => {
        const lazyBatches: string[][] = [];
        const eagerBatches: string[][] = [];
        const recorded: string[] = [];
        const tagsOf = (prefix: string) => (value: string | null, id: string) => [`${prefix}:${id}:${value}`];
        const base = new TaggedLoader(new WaveLoader(new WaveScheduler(), recordingBatch(lazyBatches)), (tag) => recorded.push(tag), tagsOf('row'));
        const views = [base, base.withTags(tagsOf('part'))];
        const eager = new DataLoader<string, string | null>(recordingBatch(eagerBatches));
        for (const step of steps) {
          const got: Promise<unknown>[] = [];
          const want: Promise<unknown>[] = [];
          for (const a of step) {
            const prefix = a.view ? 'part' : 'row';
            if (a.kind === 'prime') {
              views[a.view].prime(a.key, a.value);
              eager.prime(a.key, a.value);
            } else if (a.kind === 'primeAll') {
              const list = a.rows.map(([k, v]) => `${k}=${v}`);
              views[a.view].primeAll(list, (row) => row!.split('=')[0]);
              for (const row of list) eager.prime(row.split('=')[0], row);
            } else if (a.kind === 'load') {
              got.push(views[a.view].load(a.key));
              want.push(eager.load(a.key));
            } else {
              const before = recorded.length;
              const value = views[a.view].peek(a.key);
              if (value === undefined) {
                expect(recorded.length).toBe(before);
              } else {
                peeked++;
                expect(recorded.slice(before)).toEqual(tagsOf(prefix)(value, a.key));
                got.push(Promise.resolve(value));
                want.push(eager.load(a.key));
              }
            }
          }
          expect(await Promise.all(got)).toEqual(await Promise.all(want));
        }
        expect(lazyBatches).toEqual(eagerBatches);
      }),
      { numRuns: 300 },
    );
    // The property held for peeks that answered, not only for ones that gave nothing.
    expect(peeked).toBeGreaterThan(10);
  });

  it('peeks record nothing without a recorder, and a null primed value is a value', () => {
    const waves = new WaveScheduler();
    const silent = new TaggedLoader(new WaveLoader<string, string | null>(waves, async (ids) => ids.map(() => 'X')), null, () => {
      throw new Error('no tags are built without a recorder');
    });
    silent.prime('a', 'A');
    expect(silent.peek('a')).toBe('A');
    const recorded: string[] = [];
    const withNull = new TaggedLoader(new WaveLoader<string, string | null>(waves, async (ids) => ids.map(() => 'X')), (t) => recorded.push(t), (v, id) => [`${id}:${v}`]);
    withNull.prime('n', null);
    expect(withNull.peek('n')).toBeNull();
    expect(withNull.peek('m')).toBeUndefined();
    expect(recorded).toEqual(['n:null']);
  });
});
