// Query operations compiled by graphql-jit, kept per process by the query text's hash and the
// operation's name, and the subset Apollo has accepted: parsed, validated, its operation resolved as a
// query. The executor compiles through here; the operation path (src/http/operation-path.middleware.ts)
// runs an accepted operation again without Apollo's per-request pipeline, so it never runs a document
// Apollo has not validated with the same schema and rules.
import type { ApolloServerPlugin } from '@apollo/server';
import type { DocumentNode, ExecutionResult, GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';

export interface AcceptedOperation {
  document: DocumentNode;
  /** The operation name Apollo resolved (null: the document's single anonymous operation). */
  operationName: string | null;
  query: CompiledQuery;
}

const keyOf = (queryHash: string, name: string | null | undefined) => `${queryHash}|${name ?? ''}`;

export class CompiledOperations {
  private readonly compiled = new LRUCache<string, CompiledQuery>({ max: 1000 });
  /** By the requested operation name, which may be absent where Apollo resolved one. */
  private readonly accepted = new LRUCache<string, AcceptedOperation>({ max: 1000 });

  constructor(readonly schema: GraphQLSchema) {}

  /** The compiled operation, or graphql-jit's errors for one it cannot compile. */
  compile(queryHash: string, document: DocumentNode, operationName: string | null): CompiledQuery | ExecutionResult {
    const key = keyOf(queryHash, operationName);
    const hit = this.compiled.get(key);
    if (hit) return hit;
    const result = compileQuery(this.schema, document, operationName ?? undefined, { disablingCapturingStackErrors: true });
    if (!isCompiledQuery(result)) return result;
    this.compiled.set(key, result);
    return result;
  }

  /** Records a query operation Apollo resolved for this text and requested name. */
  accept(queryHash: string, requestedName: string | null | undefined, document: DocumentNode, operationName: string | null): void {
    if (this.accepted.has(keyOf(queryHash, requestedName))) return;
    const query = this.compile(queryHash, document, operationName);
    if (isCompiledQuery(query)) this.accepted.set(keyOf(queryHash, requestedName), { document, operationName, query });
  }

  acceptedFor(queryHash: string, requestedName: string | null | undefined): AcceptedOperation | undefined {
    return this.accepted.get(keyOf(queryHash, requestedName));
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
