// The query operations Apollo has accepted — parsed, validated, the operation resolved as a query —
// by the text's hash and the requested operation name. The paths in front of Apollo (the cache's hit
// path and the operation path) read only these, so they never parse a text, or run a document, that
// Apollo has not validated with the same schema and rules. Mutations are never recorded.
import type { ApolloServerPlugin } from '@apollo/server';
import type { DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import { documentHash } from '../cache/cache-key.js';

export interface AcceptedOperation {
  document: DocumentNode;
  /** The operation name Apollo resolved (null: the document's single anonymous operation). */
  operationName: string | null;
  /** The normalized document's hash, the response cache keys by (cache-key.ts's documentHash). */
  documentHash: string;
}

// An absent name and the empty name stay apart: Apollo resolves the only operation for the first,
// none for the second (which it refuses).
export const acceptedKey = (queryHash: string, name: string | null | undefined) => (name === null || name === undefined ? queryHash : `${queryHash}|${name}`);

export class AcceptedOperations {
  // Bounded by the texts' length too: a document is kept as Apollo parsed it.
  private readonly byText = new LRUCache<string, AcceptedOperation>({
    max: 5000,
    maxSize: 5_000_000,
    sizeCalculation: (op) => Math.max(1, op.document.loc?.end ?? 1),
  });

  /** Records a query operation Apollo resolved for this text and requested name. */
  accept(queryHash: string, requestedName: string | null | undefined, document: DocumentNode, operationName: string | null): void {
    const key = acceptedKey(queryHash, requestedName);
    if (this.byText.has(key)) return;
    this.byText.set(key, { document, operationName, documentHash: documentHash(queryHash, document) });
  }

  get(queryHash: string, requestedName: string | null | undefined): AcceptedOperation | undefined {
    return this.byText.get(acceptedKey(queryHash, requestedName));
  }
}

/** Accepts every query operation Apollo resolves (after parsing and validation succeeded). */
export function acceptOperationsPlugin(accepted: AcceptedOperations): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ queryHash, request, document, operation, operationName }) {
          if (operation?.operation === 'query' && queryHash) accepted.accept(queryHash, request.operationName, document, operationName);
        },
      };
    },
  };
}
