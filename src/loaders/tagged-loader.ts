// TaggedLoader: the one way a resolver reads a loaded value. Every load records the cache tags of the
// value it hands out, at that moment — whether a batch answered it, DataLoader's cache, or a prime —
// so a response carries the tags of what it used, never of which load happened to send the SQL.
// (Tags recorded in batch functions missed every value served from the cache: a look-ahead row
// primed by a page and read later by a back-reference reached the response without its tag.)
// Without a recorder (the response cache is off) nothing is recorded and no tags are built.
import type { TagRecorder } from '../cache/cache-tags.js';

/** What a TaggedLoader reads through: DataLoader's load, loadMany and prime (a WaveLoader, in src/). */
export interface KeyLoader<K, V> {
  load(key: K): Promise<V>;
  loadMany(keys: readonly K[]): Promise<(V | Error)[]>;
  prime(key: K, value: V): unknown;
  /** True while nothing has been loaded or primed through it: no value of its own can differ from a prime. */
  untouched?(): boolean;
}

/** The tags of one loaded value; `key` is what was asked for (a null value still has tags). */
export type TagsOf<K, V> = (value: V, key: K) => Iterable<string>;

/** What every view (withTags) of one loader shares: rows primed and not yet handed to DataLoader. */
interface Primed<K, V> {
  values: Map<K, V> | null;
  /** Rows primed as a list, in order, not yet found by key: keyed on the first load that may need them. */
  lists: { rows: readonly V[]; keyOf: (row: V) => K }[] | null;
}

export class TaggedLoader<K, V> {
  constructor(
    private readonly loader: KeyLoader<K, V>,
    private readonly record: TagRecorder | null,
    private readonly tagsOf: TagsOf<K, V>,
    private readonly primed: Primed<K, V> = { values: null, lists: null },
  ) {}

  /**
   * Without a recorder, DataLoader's own promise: no async step of ours, and no promise of its own, for
   * a feature that is off. A throw (DataLoader refuses a null key) is a rejection either way.
   */
  load(key: K): Promise<V> {
    let loaded: Promise<V>;
    try {
      this.handPrimed(key);
      loaded = this.loader.load(key);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.record === null ? loaded : this.recordOne(this.record, loaded, key);
  }

  loadMany(keys: readonly K[]): Promise<(V | Error)[]> {
    let loaded: Promise<(V | Error)[]>;
    try {
      for (const key of keys) this.handPrimed(key);
      loaded = this.loader.loadMany(keys);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.record === null ? loaded : this.recordMany(this.record, loaded, keys);
  }

  /**
   * The value primed for `key`, at once and with its tags recorded, as load() would give it; undefined
   * when there is none or the loader underneath may hold a value of its own (load() then decides). Lets
   * a resolver answer a value its parent's row brought without a promise of its own.
   */
  peek(key: K): V | undefined {
    if (this.loader.untouched?.() !== true) return undefined;
    const values = this.primedValues();
    if (values === null || !values.has(key)) return undefined;
    const value = values.get(key)!;
    if (this.record !== null) for (const tag of this.tagsOf(value, key)) this.record(tag);
    return value;
  }

  private async recordOne(record: TagRecorder, loaded: Promise<V>, key: K): Promise<V> {
    const value = await loaded;
    for (const tag of this.tagsOf(value, key)) record(tag);
    return value;
  }

  private async recordMany(record: TagRecorder, loaded: Promise<(V | Error)[]>, keys: readonly K[]): Promise<(V | Error)[]> {
    const values = await loaded;
    values.forEach((value, i) => {
      if (!(value instanceof Error)) for (const tag of this.tagsOf(value, keys[i])) record(tag);
    });
    return values;
  }

  /**
   * Seeds the cache and records nothing: the tags follow when, and only if, a resolver loads it. A
   * page primes every row it shows and most are never looked up again, so the value is kept as it is
   * and reaches DataLoader (as its cached promise) only when its key is loaded. As with DataLoader's
   * own prime, the first value primed or loaded for a key is the one kept. One difference: a prime made
   * while the key's load was in flight is still handed over if that load's batch fails (DataLoader
   * then forgets the key), where DataLoader would load it again. Only for loaders without a cacheKeyFn
   * (keyed by id): the values are found by the key itself.
   */
  prime(this: TaggedLoader<K & string, V>, key: K & string, value: V): TaggedLoader<K & string, V> {
    const values = this.keyLists();
    if (!values.has(key)) values.set(key, value);
    return this;
  }

  /**
   * prime() for each row of a list, in order, at the cost of one push: a page's rows are keyed only
   * when a load of this loader comes (most pages are never looked up by key, and keying 50 rows is 50
   * string hashes).
   */
  primeAll<R extends V>(this: TaggedLoader<K & string, V>, rows: readonly R[], keyOf: (row: R) => K & string): TaggedLoader<K & string, V> {
    if (rows.length > 0) (this.primed.lists ??= []).push({ rows, keyOf: keyOf as (row: V) => K & string });
    return this;
  }

  /** The same loader, cache and primed rows, recording other tags: for a consumer that shows part of a value. */
  withTags(tagsOf: TagsOf<K, V>): TaggedLoader<K, V> {
    return new TaggedLoader(this.loader, this.record, tagsOf, this.primed);
  }

  private handPrimed(key: K) {
    const values = this.primedValues();
    if (values === null || !values.has(key)) return;
    this.loader.prime(key, values.get(key)!);
    values.delete(key);
  }

  /** The primed values by key, or null while nothing is primed (no map is made for a lookup). */
  private primedValues(): Map<K, V> | null {
    return this.primed.lists === null ? this.primed.values : this.keyLists();
  }

  /** The primed values by key, the lists primed so far keyed into them (the first value of a key kept). */
  private keyLists(): Map<K, V> {
    const values = (this.primed.values ??= new Map());
    const lists = this.primed.lists;
    if (lists === null) return values;
    this.primed.lists = null;
    for (const { rows, keyOf } of lists) {
      for (const row of rows) {
        const key = keyOf(row);
        if (!values.has(key)) values.set(key, row);
      }
    }
    return values;
  }
}
