// Request bodies the cache's fast path has keyed before. The cache key of a POST follows from its body
// text, its Accept header and the caller's scope alone (every step before the key — the parse, input
// bounds, persisted documents, trusted documents, Apollo's request checks — is a function of those and
// of the process's fixed configuration). So a body seen before is looked up by its text, without
// parsing it, canonicalizing its variables or hashing the key again.
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

/** Longer bodies are not kept (and their text is let go once parsed). */
export const knownRequestMaxChars = 8192;

export class KnownRequests {
  private readonly byText = new Map<string, KnownRequest>();
  private chars = 0;

  /**
   * `maxChars`: the texts kept, in total; the oldest go first (a Map keeps insertion order): lru-cache's
   * bookkeeping would cost a good part of what a lookup saves.
   */
  constructor(private readonly maxChars = 4_000_000) {}

  /** The lookup key of a request; undefined for a body too long to keep. */
  idOf(scope: AccessScope, accept: string | undefined, text: string): string | undefined {
    if (text.length > knownRequestMaxChars) return undefined;
    // The scope's length first: no scope id can run into the Accept header (which holds no newline).
    return `${scope.id.length}:${scope.id}\n${accept ?? ''}\n${text}`;
  }

  get(id: string): KnownRequest | undefined {
    return this.byText.get(id);
  }

  set(id: string, known: KnownRequest): void {
    if (this.byText.has(id)) return;
    this.byText.set(id, known);
    this.chars += id.length;
    for (const oldest of this.byText.keys()) {
      if (this.chars <= this.maxChars) break;
      this.chars -= oldest.length;
      this.byText.delete(oldest);
    }
  }

  get size(): number {
    return this.byText.size;
  }
}
