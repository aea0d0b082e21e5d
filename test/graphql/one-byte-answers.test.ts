// Answers are one-byte strings. V8 builds a JSON.stringify result two-byte as soon as one key or value
// in it is, and then every step after it — the string itself, Buffer.from, the cache's copy — costs
// about twice as much: a 500-detection page took 40 % more Node CPU (docs/benchmarks.md). The schema's
// text is two-byte (it has — and … in it), so every name graphql-js reads from it was too, and a field
// name V8 first met there stayed two-byte as a key for the life of the process.
// The server runs as npm start runs it, in production on a PGlite copy of the test template, preloaded
// with a hook that reports each answer's representation (node --expose-externalize-string gives V8's
// isOneByteString). It serves reads generated over the whole graph (test/support/graph-operations.ts),
// as sent and with `__typename` in every selection set, as Apollo Client sends them. The control
// preloads the schema's names from the raw text first, and its answers must be two-byte.
import fc from 'fast-check';
import { parse, print, visit, type SelectionSetNode } from 'graphql';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createPgliteDb } from '../../src/db/client.js';
import { pgliteDirWithKey } from '../support/databases.js';
import { collectCursors, readArb, seedGraph, type Pools } from '../support/graph-operations.js';
import { startServerChild } from '../support/server-child.js';

const reads = Number(process.env.ONE_BYTE_READS ?? 30);

const withTypename = (query: string) =>
  print(
    visit(parse(query), {
      SelectionSet: (node: SelectionSetNode) => ({ ...node, selections: [{ kind: 'Field', name: { kind: 'Name', value: '__typename' } }, ...node.selections] }) as SelectionSetNode,
    }),
  );

async function answersOf(preloads: string[]): Promise<{ oneByte: number; twoByte: string[] }> {
  const { dir, secret, remove } = await pgliteDirWithKey('one-byte-', 'one-byte');
  onTestFinished(remove);
  const seeding = await createPgliteDb({ dataDir: dir });
  let pools: Pools;
  try {
    pools = await seedGraph(seeding, 2);
  } finally {
    await seeding.close();
  }

  const server = await startServerChild({
    env: { PGLITE_DIR: dir, CACHE: 'off' },
    nodeFlags: ['--expose-externalize-string'],
    preloads: preloads.map((p) => `test/support/${p}`),
  });

  const execute = async (query: string) => {
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` }, body: JSON.stringify({ query }) });
    return ((await res.json()) as { data?: unknown }).data;
  };
  await collectCursors(execute, pools);
  // Some generated reads answer errors (a cursor of another list): their answers count like the rest.
  for (const read of fc.sample(readArb, { numRuns: reads, seed: 20261204 })) {
    const { query } = read(pools);
    await execute(query);
    await execute(withTypename(query));
  }
  await server.stop();
  const lines = server.stderr().split('\n');
  return { oneByte: lines.filter((l) => l === 'answer one-byte').length, twoByte: lines.filter((l) => l.startsWith('answer two-byte')) };
}

describe('answers are one-byte strings', () => {
  it('every generated read, with and without __typename, is answered one-byte', async () => {
    const { oneByte, twoByte } = await answersOf(['one-byte-hook.ts']);
    expect(twoByte).toEqual([]);
    expect(oneByte).toBeGreaterThanOrEqual(2 * reads);
  }, 120_000);

  it('control: with the schema names first read from the raw text, the answers are two-byte', async () => {
    const { twoByte } = await answersOf(['one-byte-hook.ts', 'raw-schema-first.ts']);
    expect(twoByte.length).toBeGreaterThanOrEqual(reads);
  }, 120_000);
});
