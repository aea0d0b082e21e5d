// Query operations compiled by graphql-jit, kept per process by the query text's hash and the
// operation's name, and the documents Apollo has accepted: parsed, validated, the operation resolved as
// a query. The executor compiles through here; the operation path (src/http/operation-path.middleware.ts)
// runs an accepted operation again without Apollo's per-request pipeline, so it never runs a document
// Apollo has not validated with the same schema and rules. Nothing is compiled before it is priced:
// the executor runs after the cost plugin, and the path prices first, and the pricer refuses every
// operation of more than 10,000 fields once fragments are expanded — skipped or not, whatever its
// variables (a document refused for its size would otherwise cost its compilation, in time and
// memory, on every new text).
import type { ApolloServerPlugin } from '@apollo/server';
import type { DocumentNode, ExecutionResult, GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import { knownKey } from '../cache/cache-key.js';
import type { Ticket } from '../cache/response-cache.js';
import { expandedFieldCount } from './validation-rules/operation-shape.js';

export interface AcceptedOperation {
  document: DocumentNode;
  /** The operation name Apollo resolved (null: the document's single anonymous operation). */
  operationName: string | null;
}


/** Expanded fields the compiled operations kept may hold in all (~100 MB of compiled code). */
export const compiledFieldBudget = 50_000;

export class CompiledOperations {
  // Bounded by what the compiled code holds, not only by count: 1,000 operations of thousands of fields
  // each would be gigabytes. One larger than the whole budget is compiled for its request and not kept.
  private readonly compiled: LRUCache<string, CompiledQuery>;
  /** By the requested operation name, which may be absent where Apollo resolved one. */
  private readonly accepted = new LRUCache<string, AcceptedOperation>({ max: 1000 });

  constructor(
    readonly schema: GraphQLSchema,
    private readonly fieldBudget = compiledFieldBudget,
  ) {
    this.compiled = new LRUCache<string, CompiledQuery>({ max: 1000, maxSize: fieldBudget });
  }

  /** The compiled operation, or graphql-jit's errors for one it cannot compile. */
  compile(queryHash: string, document: DocumentNode, operationName: string | null): CompiledQuery | ExecutionResult {
    const key = knownKey(queryHash, operationName);
    const hit = this.compiled.get(key);
    if (hit) return hit;
    const result = compileQuery(this.schema, document, operationName ?? undefined, { disablingCapturingStackErrors: true });
    if (!isCompiledQuery(result)) return result;
    this.compiled.set(key, result, { size: Math.max(1, expandedFieldCount(document, operationName, this.fieldBudget + 1)) });
    return result;
  }

  /** Expanded fields of the compiled operations kept (tests follow the bound). */
  get keptFields(): number {
    return this.compiled.calculatedSize;
  }

  /** Records a query operation Apollo resolved for this text and requested name. */
  accept(queryHash: string, requestedName: string | null | undefined, document: DocumentNode, operationName: string | null): void {
    const key = knownKey(queryHash, requestedName);
    if (!this.accepted.has(key)) this.accepted.set(key, { document, operationName });
  }

  acceptedFor(queryHash: string, requestedName: string | null | undefined): AcceptedOperation | undefined {
    return this.accepted.get(knownKey(queryHash, requestedName));
  }
}

/** Accepts every query operation Apollo resolves (after parsing and validation succeeded). */
export function acceptOperationsPlugin(operations: CompiledOperations): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ queryHash, request, document, operation, operationName }) {
          if (operation?.operation === 'query' && queryHash) operations.accept(queryHash, request.operationName, document, operationName);
        },
      };
    },
  };
}

/**
 * What the operation path ran before it left a request to Apollo (a result with errors, which Apollo
 * words): Apollo's executor answers this result instead of running the operation again, and the
 * cache plugin finishes the path's ticket instead of beginning another. Kept on the request's context.
 */
export interface PriorExecution {
  queryHash: string;
  operationName: string | null;
  result: ExecutionResult;
  cache: { outcome: 'MISS'; ticket: Ticket } | { outcome: 'BYPASS' };
  /** Set by whoever takes each part, so neither is used twice. */
  resultTaken: boolean;
  cacheTaken: boolean;
}

// A symbol-keyed property: Apollo hands plugins and the executor a shallow copy of the context, which keeps it.
const priorKey = Symbol('truthgraph.priorExecution');

export function setPriorExecution(context: object, prior: PriorExecution): void {
  (context as Record<symbol, PriorExecution>)[priorKey] = prior;
}

export function priorExecution(context: object): PriorExecution | undefined {
  return (context as Record<symbol, PriorExecution | undefined>)[priorKey];
}
