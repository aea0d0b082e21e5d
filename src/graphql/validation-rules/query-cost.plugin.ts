// The cost limit: every field costs 1 plus its children, and a list costs its page size times its
// children — `first` as sent (variables included), else the argument's default — so
// projects(first:100){nodes{videos(first:100){nodes{groundTruth(first:10000){nodes{id}}}}}} costs
// about 2×10^8 and is refused before execution with its computed cost (QUERY_TOO_COMPLEX, HTTP 400).
// It runs in didResolveOperation rather than as a validation rule because validation rules never see
// variables (slicknode/graphql-query-complexity#81), and `first: $n` must be priced at its value.
import type { ApolloServerPlugin } from '@apollo/server';
import type { DocumentNode, GraphQLSchema, OperationDefinitionNode, TypeNode } from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { AppError, ErrorCode } from '../../errors.js';
import { maxNodeIds, pageSizes } from '../args.js';

/** Assumed length of a list field without `first` (e.g. Video.testSessions). */
export const unboundedListSize = 20;

export const listCostEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  const first = field.args.find((a) => a.name === 'first');
  if (first) {
    // A connection reads `first` or `last` rows, else its default page size (args.ts; the schema
    // declares none for connections, so `last` alone is not also a `first`), else the schema's default.
    const sent = typeof args.first === 'number' ? args.first : args.last;
    const declared = typeof first.defaultValue === 'number' ? first.defaultValue : unboundedListSize;
    const fallback = pageSizes[`${type.name}.${field.name}` as keyof typeof pageSizes]?.fallback ?? declared;
    const n = typeof sent === 'number' ? sent : fallback;
    return 1 + Math.max(n, 0) * Math.max(childComplexity, 1);
  }
  // nodes(ids:) is priced at its bound: list variables are priced empty (pricingVariables).
  if (field.args.some((a) => a.name === 'ids') && type.name === 'Query') return 1 + maxNodeIds * Math.max(childComplexity, 1);
  // A connection's nodes/edges are priced by the connection's `first` already.
  // Structural test on the printed type ("[TestSession!]!"): graphql's isListType would throw across
  // module realms where Apollo's copy of graphql differs from ours (ESM/CJS, as under vitest).
  if (String(field.type).startsWith('[') && !type.name.endsWith('Connection')) {
    return 1 + unboundedListSize * Math.max(childComplexity, 1);
  }
  return 1 + childComplexity;
};

export function queryCost(schema: GraphQLSchema, query: Parameters<typeof getComplexity>[0]['query'], variables: Record<string, unknown> | undefined, operationName: string | undefined): number | 'too-many-nodes' | 'invalid-variables' {
  try {
    return getComplexity({ schema, query, variables: variables ?? {}, operationName, estimators: [listCostEstimator], maxQueryNodes: 10_000 });
  } catch (err) {
    if (err instanceof Error && /maximum allowed number of nodes/.test(err.message)) return 'too-many-nodes';
    // Variables that do not coerce: execution refuses the operation with a 400 before any resolver.
    return 'invalid-variables';
  }
}

const isListType = (t: TypeNode): boolean => t.kind === 'ListType' || (t.kind === 'NonNullType' && isListType(t.type));

/**
 * The variables a pricing needs. Only `first` moves a price, and no list is ever a `first`, so list
 * variables are priced as empty: coercing 10,000 DetectionInputs just to price a mutation cost more
 * than the mutation's SQL (measured: 60–190 ms). Kind strings, not graphql's predicates, so the
 * check holds across module realms (see listCostEstimator).
 */
function pricingVariables(document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | undefined) {
  if (!variables) return variables;
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === 'OperationDefinition' && (!operationName || d.name?.value === operationName),
  );
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
 * The memo key of one pricing: the operation and its variables when they are all scalars (a page
 * size, an id), else null — big input objects are priced afresh rather than serialized for a key.
 */
function pricingKey(operationName: string | null | undefined, variables: Record<string, unknown> | undefined): string | null {
  let key = operationName ?? '';
  for (const name in variables) {
    const v = variables[name];
    if (Array.isArray(v) && v.length === 0) {
      key += `\u0000${name}=[]`;
      continue;
    }
    if (v !== null && typeof v === 'object') return null;
    key += `\u0000${name}=${typeof v === 'string' ? JSON.stringify(v) : String(v)}`;
    if (key.length > 1024) return null;
  }
  return key;
}

export function queryCostPlugin(maxCost: number): ApolloServerPlugin {
  // Apollo hands every request of a known document the same parsed DocumentNode, so its prices are
  // kept on it: a hot query is priced once per distinct set of scalar variables, not per request.
  const priced = new WeakMap<object, Map<string, ReturnType<typeof queryCost>>>();
  const maxPricesPerDocument = 256;
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operationName, schema }) {
          const variables = pricingVariables(document, operationName, request.variables);
          const key = pricingKey(operationName, variables);
          let prices = priced.get(document);
          let cost = key === null ? undefined : prices?.get(key);
          if (cost === undefined) {
            cost = queryCost(schema, document, variables, operationName ?? undefined);
            if (key !== null) {
              if (!prices) priced.set(document, (prices = new Map()));
              if (prices.size >= maxPricesPerDocument) prices.clear();
              prices.set(key, cost);
            }
          }
          if (cost === 'invalid-variables') return;
          if (cost === 'too-many-nodes') {
            throw new AppError(ErrorCode.QUERY_TOO_COMPLEX, 'the operation selects more than 10000 fields once fragments are expanded', { maxCost });
          }
          if (cost > maxCost) {
            throw new AppError(ErrorCode.QUERY_TOO_COMPLEX, `query cost ${cost} exceeds the limit of ${maxCost}; ask for smaller pages (first)`, { cost, maxCost });
          }
        },
      };
    },
  };
}
