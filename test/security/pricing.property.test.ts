// Pricing fails closed. The per-document memo answers exactly what a fresh pricing would, whatever
// variables (hostile names included) were priced on the same document before; a pricing that fails
// for any reason other than invalid variables refuses the operation; every list of the schema has a
// page size to price and a bound to match.
import fc from 'fast-check';
import { buildSchema, parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSizes } from '../../src/graphql/args.js';
import { typeDefs } from '../../src/graphql/schema.js';
import { pricingKey, queryCost, queryCostPlugin } from '../../src/graphql/validation-rules/query-cost.plugin.js';
import { describeEachDatabase } from '../support/databases.js';
import { insertProject, insertTestSession, insertVideo } from '../support/factories.js';
import { createTestApp, dataOf, type TestApp } from '../support/test-app.js';

const schema = buildSchema(typeDefs);
const maxCost = 10_000;

/** The plugin's decision for one request: the refusal's code and cost, or 'runs'. */
async function decide(plugin: ReturnType<typeof queryCostPlugin>, s: GraphQLSchema, document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>) {
  const listener = (await plugin.requestDidStart!({} as never)) as { didResolveOperation(rc: unknown): Promise<void> };
  try {
    await listener.didResolveOperation({ request: { variables, operationName }, document, operationName, schema: s });
    return 'runs';
  } catch (err) {
    const e = err as { extensions?: { code?: string; cost?: number } };
    return `${e.extensions?.code}:${e.extensions?.cost ?? ''}`;
  }
}

const documents = [
  'query Q($n: Int, $m: Int) { projects(first: $n) { nodes { videos(first: $m) { nodes { id testSessions(first: $n) { id } } } } } }',
  'query Q($n: Int = 3) { projects(first: $n) { nodes { videos(first: $n) { nodes { groundTruth(first: $n) { nodes { id } } } } } } }',
  'query A($n: Int) { projects(first: $n) { totalCount } } query B($m: Int!) { projects(first: $m) { nodes { videos(first: $m) { totalCount } } } }',
  'query Q($n: Int, $s: TestSessionStatus) { video(id: "0") { testSessions(first: $n, status: $s) { detections(first: $n) { nodes { id } } } } }',
  // Over the limit by its literal page sizes whatever $m is; $m only has to coerce.
  'query Q($m: Float) { projects(first: 100) { nodes { videos(first: 100) { nodes { groundTruth(first: 100, minConfidence: $m) { nodes { id } } } } } } }',
].map((text) => ({ text, document: parse(text) }));

const nameChars = fc.constantFrom('n', 'm', 's', 'x', '=', '\u0000', '"', '1', '0', ',', '[', ']');
const hostileName = fc.oneof(fc.constantFrom('n', 'm', 's'), fc.string({ unit: nameChars, minLength: 1, maxLength: 8 }));
const value = fc.oneof(
  fc.constantFrom(1, 2, 10, 100, 1000, 5000, 0, -1),
  fc.integer(),
  fc.constantFrom('1', '100', 'COMPLETED', null, true, [], 1.5),
  // What JSON.parse makes of literals such as 1e400 and -0, which JSON.stringify writes as null and 0.
  fc.constantFrom(Infinity, -Infinity, -0, 0.5),
  fc.double(),
);
const variableSet = fc.dictionary(hostileName, value, { maxKeys: 5 });

describe('the price memo', () => {
  it('answers what a fresh pricing answers, after any other variable sets were priced on the same document', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: documents.length - 1 }), fc.constantFrom(undefined, 'A', 'B', 'Q'), fc.array(variableSet, { minLength: 1, maxLength: 8 }), async (d, op, sets) => {
        const { document, text } = documents[d];
        if (op && !new RegExp(`query ${op}\\b`).test(text)) op = undefined;
        if (!op && /query A/.test(text)) op = 'A';
        const memo = queryCostPlugin(maxCost);
        for (const variables of sets) {
          const fresh = await decide(queryCostPlugin(maxCost), schema, parse(text), op, variables);
          expect(await decide(memo, schema, document, op, variables), JSON.stringify(variables)).toBe(fresh);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps variable sets apart whose names and values run together (a known collision of a joined key)', async () => {
    const text = 'query Q($n: Int) { projects(first: 2) { nodes { videos(first: $n) { nodes { id } } } } }';
    const document = parse(text);
    const memo = queryCostPlugin(maxCost);
    // Undeclared name holding the separators: n stays at its default, the price is small.
    const cheap = { 'x=1\u0000n=5000\u0000y': 0 };
    const dear = { x: 1, n: 5000, y: 0 };
    expect(await decide(memo, schema, document, 'Q', cheap)).toBe('runs');
    const fresh = await decide(queryCostPlugin(maxCost), schema, parse(text), 'Q', dear);
    expect(fresh).toMatch(/^QUERY_TOO_COMPLEX/);
    expect(await decide(memo, schema, document, 'Q', dear)).toBe(fresh);
    expect(pricingKey(document, 'Q', cheap)).not.toBe(pricingKey(document, 'Q', dear));
  });

  it('keys only declared variables, in name order, and keeps apart the numbers JSON cannot write', () => {
    const { document } = documents[0];
    for (const [a, b] of [[Infinity, null], [-Infinity, null], [Infinity, -Infinity], [-0, 0]]) {
      expect(pricingKey(document, 'Q', { n: a })).not.toBe(pricingKey(document, 'Q', { n: b }));
    }
    expect(pricingKey(document, 'Q', { m: 2, n: 1, junk: 'x' })).toBe(pricingKey(document, 'Q', { n: 1, m: 2 }));
    expect(pricingKey(document, 'Q', { n: 1 })).not.toBe(pricingKey(document, 'Q', { n: '1' }));
  });
});

describe('pricing fails closed', () => {
  const unbounded = buildSchema('type Query { items: [Item!]! one: Item } type Item { id: ID! }');

  it('refuses an operation on a list without a page size instead of guessing its length', async () => {
    expect(queryCost(unbounded, parse('{ items { id } }'), {}, undefined)).toBe('unpriceable');
    expect(await decide(queryCostPlugin(maxCost), unbounded, parse('{ items { id } }'), undefined, {})).toBe('QUERY_TOO_COMPLEX:');
    expect(await decide(queryCostPlugin(maxCost), unbounded, parse('{ one { id } }'), undefined, {})).toBe('runs');
  });

  it('leaves invalid variables to execution (a 400 there), and refuses no valid operation for them', async () => {
    const { document } = documents[2];
    expect(queryCost(schema, document, { m: 'ten' }, 'B')).toBe('invalid-variables');
    expect(await decide(queryCostPlugin(maxCost), schema, document, 'B', { m: 'ten' })).toBe('runs');
  });
});

describe('every list of the schema is bounded and priced by its page size', () => {
  it('gives each list field a `first` with a default and a bound, unless it is the nodes/edges of a connection or nodes(ids:)', () => {
    const unboundedLists: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || !('getFields' in type) || !('getInterfaces' in type)) continue;
      for (const field of Object.values(type.getFields())) {
        if (!String(field.type).replace(/!$/, '').startsWith('[')) continue;
        if (type.name.endsWith('Connection') && (field.name === 'nodes' || field.name === 'edges')) continue;
        if (type.name === 'Mutation') continue;
        // Query.nodes(ids:) is bounded by its id count (maxNodeIds) and priced at that bound.
        if (type.name === 'Query' && field.args.some((a) => a.name === 'ids')) continue;
        const first = field.args.find((a) => a.name === 'first');
        const key = `${type.name}.${field.name}`;
        const bounded = first && (typeof first.defaultValue === 'number' || key in listSizes);
        if (!bounded) unboundedLists.push(key);
      }
    }
    expect(unboundedLists).toEqual([]);
  });

  it('prices Video.testSessions at its page size', () => {
    const cost = (first: number) => queryCost(schema, parse(`{ video(id: "0") { testSessions(first: ${first}) { id status } } }`), {}, undefined) as number;
    expect(cost(100) - cost(1)).toBe(99 * 2);
    expect(queryCost(schema, parse('{ video(id: "0") { testSessions { id status } } }'), {}, undefined)).toBe(cost(20));
  });
});

describeEachDatabase('Video.testSessions', (database) => {
  let app: TestApp;
  let video: string;
  beforeAll(async () => {
    const db = database().db;
    const project = await insertProject(db);
    video = await insertVideo(db, project);
    for (let i = 0; i < 25; i++) await insertTestSession(db, project, video, { startedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() });
    app = await createTestApp(db);
  });
  afterAll(() => app?.close());

  const sessions = (first?: number) =>
    app.execute(`query($id: ID!${first === undefined ? '' : ', $first: Int'}) { video(id: $id) { testSessions${first === undefined ? '' : '(first: $first)'} { id startedAt } } }`, { id: video, ...(first === undefined ? {} : { first }) });

  it('answers the 20 most recently started sessions by default, and up to 100 when asked', async () => {
    const byDefault = dataOf(await sessions()).video.testSessions;
    expect(byDefault).toHaveLength(20);
    expect(byDefault[0].startedAt).toBe('2026-01-01T00:24:00.000Z');
    expect(dataOf(await sessions(100)).video.testSessions).toHaveLength(25);
    expect(dataOf(await sessions(3)).video.testSessions.map((s: { startedAt: string }) => s.startedAt)).toEqual(byDefault.slice(0, 3).map((s: { startedAt: string }) => s.startedAt));
  });

  it('refuses a page size outside 1..100', async () => {
    for (const first of [0, 101, -1]) {
      const res = await sessions(first);
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'first' });
    }
  });
});
