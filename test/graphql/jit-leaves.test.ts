// The compiler options of src/graphql/compiled-operations.ts change how graphql-jit completes a leaf:
// inlineLeafChecks (patches/graphql-jit+0.8.9.patch) inlines its null and Error checks, so the error's
// locations and path arrays are built only for an error instead of for every leaf of every item, and the
// built-in scalars get a fast path for a value already of their type. The proof that nothing a client
// sees changed: whatever a leaf's source hands it — a value of the field's type, one to coerce, one it
// cannot represent, null, undefined or an Error; straight from the parent, from a resolver, from a
// resolver's promise or a resolver's throw; in lists (as items, as null, Error or promised items; the
// latter taken apart from the rest by inlineListItems), nested lists and behind an interface, non-null or
// not, aliased, skipped or included — the answer with those options is graphql-jit's answer without
// them, errors included, and its data is graphql-js's (for the documents without the promise-resolved
// field: see the property).
import fc from 'fast-check';
import { buildSchema, execute, parse, type ExecutionResult, type GraphQLObjectType } from 'graphql';
import { compileQuery, isCompiledQuery, type CompilerOptions } from 'graphql-jit';
import { describe, expect, it } from 'vitest';
import { compilerOptions } from '../../src/graphql/compiled-operations.js';
import { DateTime } from '../../src/graphql/scalars.js';

const runs = Number(process.env.PROPERTY_RUNS ?? 300);

const schema = buildSchema(`
  scalar DateTime
  enum Status { PENDING DONE }
  interface Thing { s: String  sN: String! }
  type Leaves implements Thing {
    i: Int        iN: Int!
    f: Float      fN: Float!
    s: String     sN: String!
    b: Boolean    bN: Boolean!
    id: ID        idN: ID!
    e: Status     eN: Status!
    d: DateTime   dN: DateTime!
    is: [Int]     isN: [Int!]!
    "Resolved: the value of i; of f as a promise; of s, thrown when it is an Error."
    ri: Int       rf: Float!    rs: String
  }
  type Holder { one: Leaves  items: [Leaves!]  nested: [[Leaves]]  thing: Thing }
  type Query { holder: Holder! }
`);
Object.assign(schema.getType('DateTime')!, { serialize: DateTime.serialize });
Object.assign(schema.getType('Thing')!, { resolveType: () => 'Leaves' });
const fields = (schema.getType('Leaves') as GraphQLObjectType).getFields();
fields.ri.resolve = (src: Record<string, unknown>) => src.i;
fields.rf.resolve = (src: Record<string, unknown>) => Promise.resolve(src.f);
fields.rs.resolve = (src: Record<string, unknown>) => {
  if (src.s instanceof Error) throw src.s;
  return src.s;
};

const leafNames = ['i', 'iN', 'f', 'fN', 's', 'sN', 'b', 'bN', 'id', 'idN', 'e', 'eN', 'd', 'dN', 'is', 'isN', 'ri', 'rf', 'rs'] as const;
const sourceNames = leafNames.filter((n) => !n.startsWith('r'));

/** What a leaf's source may hold: right, coercible, boxed, unrepresentable, absent or an error. */
const leafValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, undefined, 0, -0, 1, -1, 2 ** 31, -(2 ** 31) - 1, 1.5, NaN, Infinity, '', '7', '1.5', '2147483648', 'x', true, false, 'PENDING', 'DONE', 'done'),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 6 }),
  fc.constant('2026-12-04T10:00:00.000Z'),
  fc.date({ noInvalidDate: false }),
  fc.constantFrom(1n, Object(1n), new Number(5), new String('a'), new Boolean(false), { valueOf: () => 3 }, { valueOf: () => '7' }, { valueOf: () => true }),
  fc.constantFrom({ toJSON: () => 'j' }, [1, 2], {}),
  fc.string({ maxLength: 8 }).map((m) => new Error(m)),
);

const leaves: fc.Arbitrary<Record<string, unknown>> = fc.record(
  Object.fromEntries(sourceNames.map((k) => [k, k === 'is' || k === 'isN' ? fc.oneof(leafValue, fc.array(leafValue, { maxLength: 3 })) : leafValue])),
  { requiredKeys: [] },
);

/** A list item as a source may hand it: the object, null, an Error, or a promise of the object (made per run). */
const item = fc.oneof(
  { weight: 4, arbitrary: leaves },
  fc.constant(null),
  fc.string({ maxLength: 4 }).map((m) => new Error(m)),
  leaves.map((l) => new Later(l)),
);

const holder = fc.record({
  one: fc.oneof(leaves, fc.constant(null)),
  items: fc.oneof(fc.array(item, { maxLength: 4 }), fc.constant(null)),
  nested: fc.oneof(fc.array(fc.oneof(fc.array(item, { maxLength: 3 }), fc.constant(null)), { maxLength: 3 }), fc.constant(null)),
  thing: fc.oneof(leaves, fc.constant(null)),
});

/** A list item to be handed over as a promise: each run gets a promise of its own. */
class Later {
  constructor(readonly value: unknown) {}
}

const promised = (value: unknown): boolean => value instanceof Later || (Array.isArray(value) && value.some(promised));

function materialize(value: unknown): unknown {
  if (value instanceof Later) return Promise.resolve(value.value);
  if (Array.isArray(value)) return value.map(materialize);
  return value;
}

const directives = ['', '', ' @include(if: true)', ' @include(if: false)', ' @skip(if: $flag)', ' @include(if: $flag)'];

/** Some leaves, some under an alias or a directive, in any order. */
const selection = fc
  .uniqueArray(fc.constantFrom(...leafNames), { minLength: 1, maxLength: leafNames.length })
  .chain((names) => fc.tuple(fc.constant(names), fc.array(fc.tuple(fc.boolean(), fc.constantFrom(...directives)), { minLength: names.length, maxLength: names.length })))
  .map(([names, how]) => names.map((n, i) => `${how[i][0] ? `a_${n}: ` : ''}${n}${how[i][1]}`).join(' '));

/** Data and errors as a client reads them off the wire. */
function wire(result: ExecutionResult): { data: unknown; errors?: unknown[] } {
  return JSON.parse(
    JSON.stringify({
      data: result.data,
      errors: result.errors?.map((e) => ({ message: e.message, path: e.path, locations: e.locations })),
    }),
  );
}

function compile(document: ReturnType<typeof parse>, options: Partial<CompilerOptions>) {
  const compiled = compileQuery(schema, document, undefined, options);
  if (!isCompiledQuery(compiled)) throw new Error(JSON.stringify(compiled));
  return compiled;
}

describe('graphql-jit leaves', () => {
  it('are compiled with their checks inlined (the patch is applied and the option set)', () => {
    const document = parse('{ holder { one { i iN } } }');
    const code = (compile(document, { ...compilerOptions, debug: true } as Partial<CompilerOptions>) as unknown as Record<string, string>)
      .__DO_NOT_USE_THIS_OR_YOU_WILL_BE_FIRED_compilation;
    expect(code).toMatch(/== null \|\| [\w.]+ instanceof Error \? __context\.rt\.checkNonNullLeaf/);
    expect(code).toMatch(/== null \? null : [\w.]+ instanceof Error \? __context\.rt\.checkNullableLeaf/);
  });

  it('hand a list item that is not a promise straight to its handler (inlineListItems)', () => {
    const document = parse('{ holder { items { i } } }');
    const code = (compile(document, { ...compilerOptions, debug: true } as Partial<CompilerOptions>) as unknown as Record<string, string>)
      .__DO_NOT_USE_THIS_OR_YOU_WILL_BE_FIRED_compilation;
    expect(code).toMatch(/if \(!__context\.rt\.isPromise\(__currentItem\)\) \{\s*\w+MapItemHandler\(/);
  });

  it('answer as they do without the compiler options, for any value a leaf is handed', async () => {
    await fc.assert(
      fc.asyncProperty(holder, fc.boolean(), selection, selection, selection, selection, async (root, flag, sOne, sItems, sNested, sOwn) => {
        const document = parse(
          `query($flag: Boolean!) { holder { one { ${sOne} } items { ${sItems} } nested { ${sNested} } thing { s sN ... on Leaves { ${sOwn} } } } }`,
        );
        const variables = { flag };
        const rootOf = () => ({ holder: { ...root, items: materialize(root.items), nested: materialize(root.nested) } });
        const run = async (options: Partial<CompilerOptions>) => wire(await compile(document, options).query(rootOf(), {}, variables));
        const inlined = await run(compilerOptions);
        expect(inlined).toEqual(await run({ disablingCapturingStackErrors: true }));
        // graphql-js 16 leaves a field's rejected promise unhandled when a sibling throws first, which would
        // fail the run: it is the reference for the documents without the promise-resolved field, and for
        // roots without promised items under the non-null items of `items` (a failed item ends the list).
        if ([sOne, sItems, sNested, sOwn].some((sel) => /\brf\b/.test(sel)) || promised(root.items)) return;
        // graphql-jit reports every error of an object, graphql-js the first: the data is the same.
        const js = wire(await execute({ schema, document, rootValue: rootOf(), variableValues: variables }));
        expect(inlined.data).toEqual(js.data);
        expect(inlined.errors === undefined).toBe(js.errors === undefined);
      }),
      { numRuns: runs },
    );
  });
});
