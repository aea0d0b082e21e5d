// postgres.js's Result as patches/postgres+3.4.9.patch leaves it: every query's rows arrive in one,
// and its five fields (count, state, command, columns, statement) were own properties made by
// Object.defineProperties per result, the largest single cost of a small query's reply in profiles.
// They are accessors over private fields now; what code can see of a result must not change. Both builds are checked.
import { createRequire } from 'node:module';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { postgresUrl } from '../support/databases.js';

type ResultClass = new () => unknown[] & { count: number | null; state: unknown; command: string | null; columns: unknown; statement: unknown };
const packageDir = createRequire(import.meta.url).resolve('postgres').replace(/cjs\/src\/index\.js$/, '');
const builds: [string, () => Promise<ResultClass>][] = [
  ['src (ESM)', async () => ((await import(`${packageDir}src/result.js`)) as { default: ResultClass }).default],
  ['cjs', async () => createRequire(import.meta.url)(`${packageDir}cjs/src/result.js`) as ResultClass],
];
const fields = ['count', 'state', 'command', 'columns', 'statement'] as const;

describe.each(builds)("postgres.js's Result, %s build", (_name, load) => {
  it('starts with null fields that read back what is set, and shows only its rows to keys, symbols, for…in, spread, JSON and deep equality', async () => {
    const Result = await load();
    const r = new Result();
    for (const f of fields) expect(r[f]).toBeNull();
    r.push(1, 2);
    r.count = 2;
    r.command = 'SELECT';
    r.columns = [{ name: 'n' }];
    expect([r.count, r.command, r.columns]).toEqual([2, 'SELECT', [{ name: 'n' }]]);
    expect(Object.keys(r)).toEqual(['0', '1']);
    expect(Object.getOwnPropertySymbols(r)).toEqual([]);
    // Deep equality (which also compares symbol keys) sees only the rows, as callers' tests do.
    expect(r).toEqual([1, 2]);
    expect(new Result()).toEqual([]);
    const seen: string[] = [];
    for (const k in r) seen.push(k);
    expect(seen).toEqual(['0', '1']);
    expect(JSON.stringify(r)).toBe('[1,2]');
    expect([...r]).toEqual([1, 2]);
    expect(Array.isArray(r)).toBe(true);
    // Array methods make plain arrays (Symbol.species), as before.
    expect(r.map((x) => x).constructor).toBe(Array);
    // Each result has fields of its own.
    const other = new Result();
    expect(other.count).toBeNull();
    // Arguments are ignored, as before (not read as a length).
    expect((new (Result as unknown as new (n: number) => unknown[])(3)).length).toBe(0);
  });

  it('defines no properties per result', async () => {
    const Result = await load();
    const spy = vi.spyOn(Object, 'defineProperties');
    const spyOne = vi.spyOn(Object, 'defineProperty');
    try {
      const before = [spy.mock.calls.length, spyOne.mock.calls.length];
      new Result().count = 1;
      expect([spy.mock.calls.length, spyOne.mock.calls.length]).toEqual(before);
    } finally {
      spy.mockRestore();
      spyOne.mockRestore();
    }
  });
});

describe.skipIf(!postgresUrl)('a query through the patched postgres.js [postgres]', () => {
  let sql: postgres.Sql;
  beforeAll(() => {
    sql = postgres(postgresUrl!, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end({ timeout: 5 });
  });

  it('answers its rows with the command, count and columns set', async () => {
    const rows = await sql.unsafe('SELECT n FROM generate_series(1, 3) n', [], { prepare: true });
    expect(rows.map((r) => r.n)).toEqual([1, 2, 3]);
    expect(rows.command).toBe('SELECT');
    expect(rows.count).toBe(3);
    expect(rows.columns.map((c) => c.name)).toEqual(['n']);
    expect(Object.keys(rows)).toEqual(['0', '1', '2']);
    expect(rows).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    await sql.unsafe('CREATE TEMP TABLE result_probe AS SELECT 1 AS x');
    const updated = await sql.unsafe('UPDATE result_probe SET x = 2');
    expect(updated.count).toBe(1);
    expect(updated.command).toBe('UPDATE');
    expect(updated).toEqual([]);
  });
});
