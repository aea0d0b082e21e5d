// The loader shapes truthgraph needs, all keeping DataLoader's contract (one result per key, in key
// order): lookups by id, per-parent lists batched per argument set into one statement each, and
// parentless lists per argument set. Resolvers reach them only through TaggedLoader (tagged-loader.ts).
import DataLoader from 'dataloader';
import type { WaveScheduler } from './wave-scheduler.js';

// Large enough for the widest level a query can reach (100 projects × 100 videos): every key travels
// in one array parameter, so a batch is one statement however many parents it holds.
const maxBatchSize = 10_000;

/**
 * A loader over a DataLoader whose batches run in the request's waves (wave-scheduler.ts). DataLoader
 * answers a key it holds when its next batch dispatches, with that batch: in the wave after the one in
 * flight, or at the scheduler's next flush, which comes once the microtask queue is empty. It holds its
 * DataLoader rather than extending it: TurboFan aborted its compilations of a constructor that calls
 * super() here again and again, so the loaders were often built by unoptimized code (docs/benchmarks.md).
 * The DataLoader is made on the first call that needs it: a request builds an entity's loaders
 * together and uses one or two of them (a page primes its rows without reaching the by-id DataLoader).
 */
export class WaveLoader<K, V, C = K> {
  private loader: DataLoader<K, V, C> | undefined;
  private readonly cacheKeyFn: ((key: K) => C) | undefined;

  constructor(
    private readonly waves: WaveScheduler,
    private readonly batch: (keys: readonly K[]) => Promise<readonly (V | Error)[]>,
    options?: { cacheKeyFn?: (key: K) => C },
  ) {
    this.cacheKeyFn = options?.cacheKeyFn;
  }

  load(key: K): Promise<V> {
    return this.dataLoader().load(key);
  }

  loadMany(keys: readonly K[]): Promise<(V | Error)[]> {
    return this.dataLoader().loadMany(keys);
  }

  prime(key: K, value: V): this {
    this.dataLoader().prime(key, value);
    return this;
  }

  clear(key: K): this {
    this.loader?.clear(key);
    return this;
  }

  untouched(): boolean {
    return this.loader === undefined;
  }

  private dataLoader(): DataLoader<K, V, C> {
    if (this.loader === undefined) {
      const { waves, batch } = this;
      this.loader = new DataLoader<K, V, C>((keys) => waves.run(() => batch(keys)), { maxBatchSize, batchScheduleFn: waves.schedule, cacheKeyFn: this.cacheKeyFn });
    }
    return this.loader;
  }
}

export function byIdLoader<T>(
  waves: WaveScheduler,
  fetch: (ids: readonly string[]) => Promise<T[]>,
  idOf: (row: T) => string = rowId as (row: T) => string,
): WaveLoader<string, T | null> {
  return new WaveLoader<string, T | null>(waves, (ids) =>
    fetch(ids).then((rows) => {
      const byId = new Map(rows.map((row) => [idOf(row), row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  );
}

export interface ParentKey<A> {
  parent: string;
  /** Built by our own code in a fixed key order, so JSON.stringify is a stable key. */
  args: A;
}

// Cache keys: module functions, not arrows in the loaders' options, which tsx would name per loader,
// that is per request (test/http/hit-path-names.test.ts). Keys are built by our own code in a fixed
// key order, so JSON.stringify is a stable key.
function parentKeyOf(k: ParentKey<unknown>): string {
  return `${k.parent}|${JSON.stringify(k.args)}`;
}
function argsKeyOf(k: unknown): string {
  return JSON.stringify(k);
}
/** A row's id: byIdLoader's default key, and any loader's whose keys are rows. */
export function rowId(row: { id: string }): string {
  return row.id;
}

/**
 * Keys that share their arguments are loaded together: `load(parents, args)` runs one statement for
 * all of them and returns a function from parent id to that parent's value.
 */
export function perParentLoader<A, V>(
  waves: WaveScheduler,
  load: (parents: readonly string[], args: A) => Promise<(parent: string) => V>,
): WaveLoader<ParentKey<A>, V, string> {
  return new WaveLoader<ParentKey<A>, V, string>(
    waves,
    (keys) => {
      // One key (one parent, one argument set): its statement as it is, without grouping keys by their arguments.
      if (keys.length === 1) {
        const [only] = keys;
        return load([only.parent], only.args).then((of) => [of(only.parent)]);
      }
      return groupedBatch(keys, load);
    },
    { cacheKeyFn: parentKeyOf },
  );
}

/** Two or more keys: one statement per distinct argument set, for all of its parents. */
async function groupedBatch<A, V>(
  keys: readonly ParentKey<A>[],
  load: (parents: readonly string[], args: A) => Promise<(parent: string) => V>,
): Promise<V[]> {
  const argKeys = keys.map((k) => JSON.stringify(k.args));
  // A Set keeps the parents in first-seen order (the statement's parameter) without a scan per key.
  const groups = new Map<string, { args: A; parents: Set<string> }>();
  keys.forEach((k, i) => {
    let g = groups.get(argKeys[i]);
    if (!g) groups.set(argKeys[i], (g = { args: k.args, parents: new Set() }));
    g.parents.add(k.parent);
  });
  const results = new Map<string, (parent: string) => V>();
  await Promise.all(
    [...groups].map(async ([argKey, g]) => results.set(argKey, await load([...g.parents], g.args))),
  );
  return keys.map((k, i) => results.get(argKeys[i])!(k.parent));
}

/** Values without a parent (the project list): one statement per distinct argument set. */
export function perArgsLoader<A, V>(waves: WaveScheduler, load: (args: A) => Promise<V>): WaveLoader<A, V, string> {
  return new WaveLoader<A, V, string>(waves, (keys) => Promise.all(keys.map(load)), { cacheKeyFn: argsKeyOf });
}

/**
 * Groups rows by their parent column, for list loaders. The statement of a single parent selects that
 * parent's rows only: they are its group as they are, without hashing each row's parent (a fresh
 * string per row, as the driver parses it).
 */
export function groupBy<T>(rows: T[], parentOf: (row: T) => string, parents: readonly string[]): (parent: string) => T[] {
  if (parents.length === 1) {
    const only = parents[0];
    return (parent) => (parent === only ? rows : []);
  }
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const p = parentOf(row);
    const g = groups.get(p);
    if (g) g.push(row);
    else groups.set(p, [row]);
  }
  return (parent) => groups.get(parent) ?? [];
}

/** For count queries returning (parent, n): absent parents count zero. */
export function countsOf(rows: readonly { parent: string; n: number }[]): (parent: string) => number {
  const m = new Map(rows.map((r) => [r.parent, r.n]));
  return (parent) => m.get(parent) ?? 0;
}
