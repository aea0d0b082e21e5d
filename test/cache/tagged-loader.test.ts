// TaggedLoader records the tags of a value where it is used: the same tags whether a batch answered
// the load, DataLoader's cache did, or a prime did; a prime alone records nothing.
import DataLoader from 'dataloader';
import { describe, expect, it } from 'vitest';
import { TaggedLoader } from '../../src/loaders/tagged-loader.js';

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
});
