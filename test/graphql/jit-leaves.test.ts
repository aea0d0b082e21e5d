// The compiler options of src/graphql/compiled-operations.ts change how graphql-jit completes a leaf:
// inlineLeafChecks (patches/graphql-jit+0.8.9.patch) inlines its null and Error checks, so the error's
// locations and path arrays are built only for an error instead of for every leaf of every item, and the
// built-in scalars get a fast path for a value already of their type. The proof that nothing a client
// sees changed: whatever a resolver hands a leaf — a value of the field's type, one to coerce, one it
// cannot represent, null, undefined or an Error; in lists and nested lists, non-null or not, aliased —
// the answer with those options is graphql-jit's answer without them, errors included, and its data is
// graphql-js's.
import fc from 'fast-check';
import { buildSchema, execute, parse, type ExecutionResult } from 'graphql';
import { compileQuery, isCompiledQuery, type CompilerOptions } from 'graphql-jit';
import { describe, expect, it } from 'vitest';
import { compilerOptions } from '../../src/graphql/compiled-operations.js';
import { DateTime } from '../../src/graphql/scalars.js';

const runs = Number(process.env.PROPERTY_RUNS ?? 300);

const schema = buildSchema(`
  scalar DateTime
  enum Status { PENDING DONE }
  type Leaves {
    i: Int        iN: Int!
    f: Float      fN: Float!
    s: String     sN: String!
    b: Boolean    bN: Boolean!
    id: ID        idN: ID!
    e: Status     eN: Status!
    d: DateTime   dN: DateTime!
    is: [Int]     isN: [Int!]!
  }
  type Holder { one: Leaves  items: [Leaves!]  nested: [[Leaves]] }
  type Query { holder: Holder! }
`);
Object.assign(schema.getType('DateTime')!, { serialize: DateTime.serialize });

const leafNames = ['i', 'iN', 'f', 'fN', 's', 'sN', 'b', 'bN', 'id', 'idN', 'e', 'eN', 'd', 'dN', 'is', 'isN'] as const;

/** What a resolver may return for a leaf: right, coercible, unrepresentable, absent or an error. */
const leafValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, undefined, 0, -0, 1, -1, 2 ** 31, -(2 ** 31) - 1, 1.5, NaN, Infinity, '', '7', '1.5', 'x', true, false, 'PENDING', 'DONE', 'done'),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 6 }),
  fc.constant('2026-12-04T10:00:00.000Z'),
  fc.date({ noInvalidDate: false }),
  fc.constantFrom(1n, { valueOf: () => 3 }, { toJSON: () => 'j' }, [1, 2], {}),
  fc.string({ maxLength: 8 }).map((m) => new Error(m)),
);

const leaves: fc.Arbitrary<Record<string, unknown>> = fc.record(
  Object.fromEntries(
    leafNames.map((k) => [k, k === 'is' || k === 'isN' ? fc.oneof(leafValue, fc.array(leafValue, { maxLength: 3 })) : leafValue]),
  ) as Record<(typeof leafNames)[number], fc.Arbitrary<unknown>>,
  { requiredKeys: [] },
);

const holder = fc.record({
  one: fc.oneof(leaves, fc.constant(null)),
  items: fc.oneof(fc.array(leaves, { maxLength: 4 }), fc.constant(null)),
  nested: fc.oneof(fc.array(fc.oneof(fc.array(fc.oneof(leaves, fc.constant(null)), { maxLength: 3 }), fc.constant(null)), { maxLength: 3 }), fc.constant(null)),
});

/** A selection of some leaves, some under an alias, in any order. */
const selection = fc
  .uniqueArray(fc.constantFrom(...leafNames), { minLength: 1, maxLength: leafNames.length })
  .chain((names) => fc.tuple(fc.constant(names), fc.array(fc.boolean(), { minLength: names.length, maxLength: names.length })))
  .map(([names, aliased]) => names.map((n, i) => (aliased[i] ? `a_${n}: ${n}` : n)).join(' '));

/** Data and errors as a client reads them off the wire. */
function wire(result: ExecutionResult): unknown {
  return JSON.parse(
    JSON.stringify({
      data: result.data,
      errors: result.errors?.map((e) => ({ message: e.message, path: e.path, locations: e.locations })),
    }),
  );
}

describe('graphql-jit leaves', () => {
  it('answer as they do without the compiler options, for any value a resolver returns', () => {
    fc.assert(
      fc.property(holder, selection, selection, selection, (root, sOne, sItems, sNested) => {
        const document = parse(`{ holder { one { ${sOne} } items { ${sItems} } nested { ${sNested} } } }`);
        const run = (options: Partial<CompilerOptions>) => {
          const compiled = compileQuery(schema, document, undefined, options);
          if (!isCompiledQuery(compiled)) throw new Error(JSON.stringify(compiled));
          return wire(compiled.query({ holder: root }, {}, {}) as ExecutionResult);
        };
        const inlined = run(compilerOptions);
        expect(inlined).toEqual(run({ disablingCapturingStackErrors: true }));
        // graphql-jit reports every error of an object, graphql-js the first: the data is the same.
        const js = wire(execute({ schema, document, rootValue: { holder: root } }) as ExecutionResult);
        expect((inlined as { data: unknown }).data).toEqual((js as { data: unknown }).data);
        expect((inlined as { errors?: unknown[] }).errors === undefined).toBe((js as { errors?: unknown[] }).errors === undefined);
      }),
      { numRuns: runs },
    );
  });
});
