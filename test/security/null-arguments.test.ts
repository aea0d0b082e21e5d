// A variable with a default may stand where an argument is non-null; sent as an explicit null it
// leaves that argument null, which graphql-js refuses for its field. The pricer cannot price such a
// field, so the operation does not run — and says so as an input error naming the argument, for every
// non-null argument of every root field of the schema (it answered QUERY_TOO_COMPLEX "could not be
// priced"). Nothing is written.
import { buildSchema, getNamedType, isEnumType, isInputObjectType, isLeafType, isListType, isNonNullType, isScalarType, type GraphQLField, type GraphQLInputType } from 'graphql';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { typeDefs } from '../../src/graphql/schema.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const schema = buildSchema(typeDefs);
const someId = '00000000-0000-4000-8000-000000000000';

/** A literal of a scalar, enum or list type (null when the type needs an input object). */
function literalOf(type: GraphQLInputType): string | null {
  const t = isNonNullType(type) ? type.ofType : type;
  if (isListType(t)) {
    const element = literalOf(t.ofType);
    return element === null ? null : `[${element}]`;
  }
  if (isInputObjectType(t)) return null;
  if (isEnumType(t)) return t.getValues()[0].name;
  if (!isScalarType(t)) return null;
  return ({ ID: `"${someId}"`, String: '"x"', Int: '1', Float: '0.5', Boolean: 'true', DateTime: '"2026-01-01T00:00:00Z"' } as Record<string, string>)[t.name] ?? null;
}

/** One operation per non-null scalar argument of a root field whose other required arguments take literals. */
function cases() {
  const out: { field: string; argument: string; text: string }[] = [];
  for (const [kind, root] of [['query', schema.getQueryType()!], ['mutation', schema.getMutationType()!]] as const) {
    for (const field of Object.values(root.getFields()) as GraphQLField<unknown, unknown>[]) {
      for (const arg of field.args) {
        if (!isNonNullType(arg.type)) continue;
        const literal = literalOf(arg.type);
        if (literal === null) continue;
        const others = field.args.filter((a) => a !== arg && isNonNullType(a.type)).map((a) => [a.name, literalOf(a.type)] as const);
        if (others.some(([, l]) => l === null)) continue;
        const args = [`${arg.name}: $v`, ...others.map(([n, l]) => `${n}: ${l}`)].join(', ');
        const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
        out.push({ field: field.name, argument: arg.name, text: `${kind}($v: ${arg.type.toString().replace(/!$/, '')} = ${literal}) { ${field.name}(${args})${selection} }` });
      }
    }
  }
  return out;
}

describeEachDatabase('an explicit null over a default in a non-null argument', (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(database().db);
  });
  afterAll(() => app?.close());

  it('is an input error naming the argument, for every non-null argument of every root field', async () => {
    const all = cases();
    expect(all.length).toBeGreaterThan(8);
    console.info(`null over a default: ${all.length} arguments`);
    for (const c of all) {
      const r = await app.execute(c.text, { v: null });
      const error = r.body.errors?.[0];
      expect({ field: c.field, status: r.status, code: error?.extensions?.code, argument: error?.extensions?.argument, data: r.body.data ?? null }, `${c.text}: ${JSON.stringify(r.body)}`).toEqual({
        field: c.field,
        status: 400,
        code: 'BAD_USER_INPUT',
        argument: c.argument,
        data: null,
      });
      expect(error?.message).toMatch(new RegExp(`^Argument "${c.argument}"`));
    }
  });
});
