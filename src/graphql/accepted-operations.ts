// The query operations Apollo has accepted — parsed, validated, the operation resolved as a query and
// passed by every plugin's checks (authorization, price) — by the text's hash and the requested
// operation name. The paths in front of Apollo (the cache's hit path and the operation path) read only
// these, so they never parse a text, or run a document, that Apollo has not validated with the same
// schema and rules; what depends on the request (its price) they check again. Mutations are never
// recorded.
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

/**
 * Heap a parsed document holds per character of its text, with its tokens and locations (measured:
 * ~134 bytes for a token-dense text at the 2,000-token limit), and the heap the registry may hold.
 */
export const heapBytesPerChar = 150;
export const acceptedHeapBytes = 64 * 1024 * 1024;

export class AcceptedOperations {
  // Bounded by the heap the documents hold, not only by count: they are kept as Apollo parsed them.
  private readonly byText = new LRUCache<string, AcceptedOperation>({
    max: 5000,
    maxSize: acceptedHeapBytes,
    sizeCalculation: (op) => Math.max(1, (op.document.loc?.end ?? 1) * heapBytesPerChar),
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

/**
 * Accepts every query operation Apollo is about to answer: responseForOperation runs once every
 * plugin's didResolveOperation passed (they run together, so a refused operation reaches that hook
 * too). Mount it before any plugin that answers from responseForOperation (the response cache).
 */
export function acceptOperationsPlugin(accepted: AcceptedOperations): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async responseForOperation({ queryHash, request, document, operation, operationName }) {
          if (operation?.operation === 'query' && queryHash) accepted.accept(queryHash, request.operationName, document, operationName ?? null);
          return null;
        },
      };
    },
  };
}
