// Request bodies the cache's fast path has keyed before. The cache key of a POST follows from its body
// text, its Accept header and the caller's scope alone: every step before the key (the parse, input
// bounds, persisted documents, trusted documents, Apollo's request checks) is a function of those and
// of the process's fixed configuration. The registry of accepted operations is not asked again: once
// Apollo accepted a document it accepts it for as long as the process runs (its schema is fixed), and
// where the registry has dropped it the old path answered from the same entry through Apollo. So a
// body seen before is looked up by its text, without parsing it, canonicalizing its variables or
// hashing the key again.
import type { AccessScope } from '../auth/scope.js';

export interface KnownRequest {
  /** The response-cache key. */
  key: string;
  /** The operation Apollo resolved, for the request log and metrics. */
  operationName: string | null;
  /** The negotiated response type. */
  contentType: string;
  /** Only a hash came: a hit also needs Apollo's persisted-query store to hold the document. */
  hashOnly: boolean;
  queryHash: string;
  /** A hash + document request: Apollo registers (refreshes) the document on every answer. */
  registers?: string;
}

/** Longer bodies (in UTF-16 code units, as string lengths count) are not kept. */
export const knownRequestMaxChars = 8192;

/** What an entry holds beside its id and document, counted against the bound: the key, hashes, object and slot. */
const entryOverheadChars = 320;

export class KnownRequests {
  private readonly byId = new Map<string, KnownRequest>();
  private chars = 0;

  /**
   * `maxChars`: what the entries hold in all, ids, documents and overhead counted in characters; first
   * in, first out (a Map keeps insertion order): lru-cache's bookkeeping would cost a good part of what
   * a lookup saves, and a hot body evicted is keyed again on its next request.
   */
  constructor(private readonly maxChars = 8_000_000) {}

  /** The lookup key of a request; undefined for a body too long to keep. */
  idOf(scope: AccessScope, accept: string | undefined, text: string): string | undefined {
    if (text.length > knownRequestMaxChars) return undefined;
    // The scope's length first: no scope id can run into the Accept header (which holds no newline).
    return `${scope.id.length}:${scope.id}\n${accept ?? ''}\n${text}`;
  }

  get(id: string): KnownRequest | undefined {
    return this.byId.get(id);
  }

  set(id: string, known: KnownRequest): void {
    if (this.byId.has(id)) return;
    this.byId.set(id, known);
    this.chars += charsOf(id, known);
    for (const [oldest, entry] of this.byId) {
      if (this.chars <= this.maxChars) break;
      this.chars -= charsOf(oldest, entry);
      this.byId.delete(oldest);
    }
  }

  /** What the entries hold, as counted against the bound. */
  get heldChars(): number {
    return this.chars;
  }
}

function charsOf(id: string, known: KnownRequest): number {
  return id.length + (known.registers?.length ?? 0) + entryOverheadChars;
}
