// Query operations compiled by graphql-jit, kept per process by the query text's hash and the
// operation's name. The executor and the operation path (src/http/operation-path.middleware.ts)
// compile through here. Nothing is compiled before it is priced: the executor runs after the cost
// plugin, the path prices first, and the pricer refuses every operation of more than 10,000 fields
// once fragments are expanded — skipped or not, whatever its variables (a document refused for its
// size would otherwise cost its compilation, in time and memory, on every new text).
import type { DocumentNode, ExecutionResult, GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery, type CompilerOptions } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import { acceptedKey } from './accepted-operations.js';
import { specifiedScalarFastPaths } from './scalars.js';
import type { Ticket } from '../cache/response-cache.js';
import { expandedFieldCount } from './validation-rules/operation-shape.js';

/** How many expanded fields the compiled operations kept may hold (~2 KB of compiled code each). */
export interface CompiledBudget {
  /** Operations of at most this many fields are small; the rest are large. */
  smallFields: number;
  /** Fields of the small operations kept, in all. */
  small: number;
  /** Fields of the large operations kept, in all (at least one at the pricer's 10,000-field limit). */
  large: number;
}

export const compiledBudget: CompiledBudget = { smallFields: 1_000, small: 30_000, large: 20_000 };

/**
 * graphql-jit's options here: no stack captured for an error; a leaf's null and Error checks inline
 * (patches/graphql-jit+0.8.9.patch), so the arrays an error would carry are built only for an error;
 * a list item that is not a promise handled without the two callbacks made for every item (the same
 * patch); the scalars' fast paths. test/graphql/jit-leaves.test.ts proves the answers are those
 * without them.
 */
export const compilerOptions: Partial<CompilerOptions> = {
  disablingCapturingStackErrors: true,
  inlineLeafChecks: true,
  inlineListItems: true,
  customSerializers: specifiedScalarFastPaths,
};

export class CompiledOperations {
  // Bounded by what the compiled code holds, not only by count: 1,000 operations of thousands of
  // fields each would be gigabytes. Small and large operations are kept apart, so new large texts
  // (each costs its compilation, up to ~1.5 s at the limit) never evict the small operations every
  // screen runs. One larger than its budget is compiled for its request and not kept.
  private readonly small: LRUCache<string, CompiledQuery>;
  private readonly large: LRUCache<string, CompiledQuery>;

  constructor(
    readonly schema: GraphQLSchema,
    private readonly budget = compiledBudget,
  ) {
    this.small = new LRUCache<string, CompiledQuery>({ max: 1000, maxSize: budget.small });
    this.large = new LRUCache<string, CompiledQuery>({ max: 1000, maxSize: budget.large });
  }

  /** The compiled operation, or graphql-jit's errors for one it cannot compile. */
  compile(queryHash: string, document: DocumentNode, operationName: string | null): CompiledQuery | ExecutionResult {
    const key = acceptedKey(queryHash, operationName);
    const hit = this.small.get(key) ?? this.large.get(key);
    if (hit) return hit;
    const result = compileQuery(this.schema, document, operationName ?? undefined, compilerOptions);
    if (!isCompiledQuery(result)) return result;
    const { smallFields, large } = this.budget;
    const fields = Math.max(1, expandedFieldCount(document, operationName, Math.max(smallFields, large) + 1));
    (fields <= smallFields ? this.small : this.large).set(key, result, { size: fields });
    return result;
  }

  /** Expanded fields of the compiled operations kept (tests follow the bound). */
  get keptFields(): { small: number; large: number } {
    return { small: this.small.calculatedSize, large: this.large.calculatedSize };
  }
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
