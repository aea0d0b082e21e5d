// The cost limit: every field costs 1 plus its children, and a list costs its page size times its
// children — `first` as sent (variables included), else the argument's default — so
// projects(first:100){nodes{videos(first:100){nodes{groundTruth(first:10000){nodes{id}}}}}} costs
// about 2×10^8 and is refused before execution with its computed cost (QUERY_TOO_COMPLEX, HTTP 400).
// It runs in didResolveOperation rather than as a validation rule because validation rules never see
// variables (slicknode/graphql-query-complexity#81), and `first: $n` must be priced at its value.
import type { ApolloServerPlugin } from '@apollo/server';
import type { DocumentNode, GraphQLSchema, OperationDefinitionNode, TypeNode } from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { AppError, badInput, ErrorCode } from '../../errors.js';
import { maxNodeIds, pageSizes } from '../args.js';
import { canonicalJson } from '../canonical-json.js';
import { expandedFieldCount } from './operation-shape.js';

/** Assumed length of an introspection list (the schema's own lists all carry `first`). */
export const introspectionListSize = 20;

/** A failure of pricing itself, not of the operation's variables: the operation is refused. */
export class UnpriceableError extends Error {}

export const listCostEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  const first = field.args.find((a) => a.name === 'first');
  if (first) {
    // A connection reads `first` or `last` rows, else its default page size (args.ts; the schema
    // declares none for connections, so `last` alone is not also a `first`), else the schema's default.
    const sent = typeof args.first === 'number' ? args.first : args.last;
    const key = `${type.name}.${field.name}`;
    const fallback =
      (pageSizes as Readonly<Record<string, { fallback: number } | undefined>>)[key]?.fallback ??
      (typeof first.defaultValue === 'number' ? first.defaultValue : undefined);
    const n = typeof sent === 'number' ? sent : fallback;
    if (n === undefined || !Number.isFinite(n)) throw new UnpriceableError(`${key} has no page size to price`);
    return 1 + Math.max(n, 0) * Math.max(childComplexity, 1);
  }
  // nodes(ids:) is priced at its bound: list variables are priced empty (pricingVariables).
  if (field.args.some((a) => a.name === 'ids') && type.name === 'Query') return 1 + maxNodeIds * Math.max(childComplexity, 1);
  // Structural test on the printed type ("[TestSession!]!"): graphql's isListType would throw across
  // module realms where Apollo's copy of graphql differs from ours (ESM/CJS, as under vitest).
  if (String(field.type).startsWith('[')) {
    // A connection's nodes/edges are priced by the connection's `first` already.
    if (type.name.endsWith('Connection')) return 1 + childComplexity;
    if (type.name.startsWith('__')) return 1 + introspectionListSize * Math.max(childComplexity, 1);
    // Every list of the schema has a hard SQL bound and a price to match (test/security/pricing.test.ts);
    // one without cannot be priced, so it cannot run.
    throw new UnpriceableError(`${type.name}.${field.name} is a list without \`first\``);
  }
  return 1 + childComplexity;
};

/**
 * A price, or why there is none. An argument that does not coerce (`null` for a non-null argument, via
 * a variable whose default is not null) leaves its field unpriced: the operation does not run, and says
 * which argument.
 */
export type Price = number | 'too-many-nodes' | 'invalid-variables' | 'unpriceable' | { invalidArgument: string; message: string };

/** Variable coercion errors of graphql-js ("Variable "$x" got invalid value …", "… of required type …"). */
const isVariableError = (err: unknown) => err instanceof Error && err.name === 'GraphQLError' && /^Variable "\$/.test(err.message);
/** The argument an argument coercion error of graphql-js names ("Argument "x" of non-null type "T!" must not be null.", …). */
const argumentOf = (err: unknown) => (err instanceof Error && err.name === 'GraphQLError' ? /^Argument "([^"]+)"/.exec(err.message)?.[1] : undefined);

export function queryCost(schema: GraphQLSchema, query: Parameters<typeof getComplexity>[0]['query'], variables: Record<string, unknown> | undefined, operationName: string | undefined): Price {
  try {
    const cost = getComplexity({ schema, query, variables: variables ?? {}, operationName, estimators: [listCostEstimator], maxQueryNodes: 10_000 });
    return Number.isFinite(cost) && cost >= 0 ? cost : 'unpriceable';
  } catch (err) {
    if (err instanceof Error && /maximum allowed number of nodes/.test(err.message)) return 'too-many-nodes';
    // Variables that do not coerce: execution refuses the operation with a 400 before any resolver.
    if (isVariableError(err)) return 'invalid-variables';
    const argument = argumentOf(err);
    if (argument !== undefined) return { invalidArgument: argument, message: (err as Error).message };
    // Anything else (an estimator's refusal, a bug, a stack overflow) fails closed.
    return 'unpriceable';
  }
}

const operationOf = (document: DocumentNode, operationName: string | null | undefined) =>
  document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === 'OperationDefinition' && (!operationName || d.name?.value === operationName),
  );

const isListType = (t: TypeNode): boolean => t.kind === 'ListType' || (t.kind === 'NonNullType' && isListType(t.type));

/**
 * The variables a pricing needs. Only `first` moves a price, and no list is ever a `first`, so list
 * variables are priced as empty: coercing 10,000 DetectionInputs just to price a mutation cost more
 * than the mutation's SQL (measured: 60–190 ms). Kind strings, not graphql's predicates, so the
 * check holds across module realms (see listCostEstimator).
 */
function pricingVariables(document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | undefined) {
  if (!variables) return variables;
  const operation = operationOf(document, operationName);
  let out: Record<string, unknown> | undefined;
  for (const def of operation?.variableDefinitions ?? []) {
    const name = def.variable.name.value;
    if (isListType(def.type) && Array.isArray(variables[name]) && (variables[name] as unknown[]).length > 0) {
      out ??= { ...variables };
      out[name] = [];
    }
  }
  return out ?? variables;
}

/**
 * The memo key of one pricing: the operation name and the declared variables, sorted by name, in
 * canonicalJson — an encoding no two different variable sets share (names and values are JSON-escaped,
 * numbers JSON cannot write kept apart, undeclared variables, which no pricing reads, left out). Null
 * when a declared value is a non-empty object or list: big inputs are priced afresh rather than
 * serialized for a key.
 */
export function pricingKey(
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | undefined,
): string | null {
  const operation = operationOf(document, operationName);
  const entries: [string, unknown][] = [];
  for (const def of operation?.variableDefinitions ?? []) {
    const name = def.variable.name.value;
    if (!variables || !Object.hasOwn(variables, name)) continue;
    const v = variables[name];
    if (v !== null && typeof v === 'object' && !(Array.isArray(v) && v.length === 0)) return null;
    entries.push([name, v]);
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const key = canonicalJson([operationName ?? null, entries]);
  return key.length > 2048 ? null : key;
}

/**
 * Prices an operation (memoized) and says why it may not run, or null when it may. `invalid-variables`
 * is null too: execution refuses those variables itself. Shared by the plugin and the operation path
 * (src/http/operation-path.middleware.ts), so both refuse exactly the same requests.
 */
export type Pricer = (
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | undefined,
) => AppError | null;

const tooManyNodes = (maxCost: number) =>
  new AppError(ErrorCode.QUERY_TOO_COMPLEX, 'the operation selects more than 10000 fields once fragments are expanded', { maxCost });

export function createPricer(maxCost: number): Pricer {
  // Apollo hands every request of a known document the same parsed DocumentNode, so its prices are
  // kept on it: a hot query is priced once per distinct set of scalar variables, not per request.
  const priced = new WeakMap<object, Map<string, Price>>();
  const maxPricesPerDocument = 256;
  // Fields once fragments are expanded, counted on the text: graphql-query-complexity skips what
  // `@skip` / `@include` leave out and counts nothing when variables do not coerce, yet graphql-jit
  // compiles all of it (~2 KB per field), so the node limit must hold whatever the variables.
  const tooLarge = new WeakMap<object, Map<string | null, boolean>>();
  const maxFields = 10_000;
  return (schema, document, operationName, requestVariables) => {
    let byName = tooLarge.get(document);
    let large = byName?.get(operationName ?? null);
    if (large === undefined) {
      large = expandedFieldCount(document, operationName ?? null, maxFields + 1) > maxFields;
      if (!byName) tooLarge.set(document, (byName = new Map()));
      if (byName.size < maxPricesPerDocument) byName.set(operationName ?? null, large);
    }
    if (large) return tooManyNodes(maxCost);
    const variables = pricingVariables(document, operationName, requestVariables);
    const key = pricingKey(document, operationName, variables);
    let prices = priced.get(document);
    let cost = key === null ? undefined : prices?.get(key);
    if (cost === undefined) {
      cost = queryCost(schema, document, variables, operationName ?? undefined);
      // A verdict that lets a request through unpriced is never remembered for another.
      if (key !== null && cost !== 'invalid-variables') {
        if (!prices) priced.set(document, (prices = new Map()));
        if (prices.size >= maxPricesPerDocument) prices.clear();
        prices.set(key, cost);
      }
    }
    if (cost === 'invalid-variables') return null;
    if (typeof cost === 'object') return badInput(cost.invalidArgument, `${cost.message} The operation does not run.`);
    if (cost === 'unpriceable') return new AppError(ErrorCode.QUERY_TOO_COMPLEX, 'the operation could not be priced, so it does not run', { maxCost });
    if (cost === 'too-many-nodes') return tooManyNodes(maxCost);
    if (cost > maxCost) {
      return new AppError(ErrorCode.QUERY_TOO_COMPLEX, `query cost ${cost} exceeds the limit of ${maxCost}; ask for smaller pages (first)`, { cost, maxCost });
    }
    return null;
  };
}

export function queryCostPlugin(maxCostOrPricer: number | Pricer): ApolloServerPlugin {
  const price = typeof maxCostOrPricer === 'number' ? createPricer(maxCostOrPricer) : maxCostOrPricer;
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operationName, schema }) {
          const refusal = price(schema, document, operationName, request.variables);
          if (refusal) throw refusal;
        },
      };
    },
  };
}
