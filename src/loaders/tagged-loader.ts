// TaggedLoader: the one way a resolver reads a loaded value. Every load records the cache tags of the
// value it hands out, at that moment — whether a batch answered it, DataLoader's cache, or a prime —
// so a response carries the tags of what it used, never of which load happened to send the SQL.
// (Tags recorded in batch functions missed every value served from the cache: a look-ahead row
// primed by a page and read later by a back-reference reached the response without its tag.)
import type DataLoader from 'dataloader';
import type { TagRecorder } from '../cache/cache-tags.js';

/** The tags of one loaded value; `key` is what was asked for (a null value still has tags). */
export type TagsOf<K, V> = (value: V, key: K) => Iterable<string>;

export class TaggedLoader<K, V, C = K> {
  constructor(
    private readonly loader: DataLoader<K, V, C>,
    private readonly record: TagRecorder,
    private readonly tagsOf: TagsOf<K, V>,
  ) {}

  async load(key: K): Promise<V> {
    const value = await this.loader.load(key);
    for (const tag of this.tagsOf(value, key)) this.record(tag);
    return value;
  }

  async loadMany(keys: readonly K[]): Promise<(V | Error)[]> {
    const values = await this.loader.loadMany(keys);
    values.forEach((value, i) => {
      if (!(value instanceof Error)) for (const tag of this.tagsOf(value, keys[i])) this.record(tag);
    });
    return values;
  }

  /** Seeds the cache and records nothing: the tags follow when, and only if, a resolver loads it. */
  prime(key: K, value: V): this {
    this.loader.prime(key, value);
    return this;
  }

  /** The same loader and cache, recording other tags: for a consumer that shows part of a value. */
  withTags(tagsOf: TagsOf<K, V>): TaggedLoader<K, V, C> {
    return new TaggedLoader(this.loader, this.record, tagsOf);
  }
}
