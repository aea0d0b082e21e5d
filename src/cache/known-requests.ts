// Request bodies the cache's fast path or the operation path has seen before. What such a POST means —
// its operation, its variables, its price, its cache key — follows from its body text, its Accept
// header and the caller's scope alone: every step before the key (the parse, input bounds, persisted
// documents, trusted documents, Apollo's request checks) is a function of those and of the process's
// fixed configuration. A hit does not ask the registry of accepted operations again: once Apollo accepted
// a document it accepts it for as long as the process runs (its schema is fixed), and where the registry
// has dropped it the old path answered from the same entry through Apollo. So a body seen before is
// looked up by its text, without parsing it, pricing it, canonicalizing its variables or hashing the
// key again: a hit is answered from the key; a miss is run from what its first clean run kept, with the
// document the registry holds (it bounds the documents; one it dropped goes the usual way).
import type { AccessScope } from '../auth/scope.js';
import { Fifo } from './fifo.js';

export interface KnownRequest {
  /** The response-cache key; undefined when the response cache is off. */
  key: string | undefined;
  /** The operation Apollo resolved, for the request log and metrics. */
  operationName: string | null;
  /** The negotiated response type. */
  contentType: string;
  /** Only a hash came: a hit also needs Apollo's persisted-query store to hold the document. */
  hashOnly: boolean;
  queryHash: string;
  /** A hash + document request: Apollo registers (refreshes) the document on every answer. */
  registers?: string;
  /** Set (setRun) by the operation path once it ran the request cleanly (priced, compiled, answered without errors). */
  run?: KnownRun;
}

/**
 * What running a known request again needs beyond its scope, its context and its operation (looked up
 * by hash and requested name in the registry of accepted operations, which bounds the documents it holds).
 */
export interface KnownRun {
  queryHash: string;
  /** The operation name the request asked for. */
  requestedName: string | undefined;
  /** As the body's parse gave them (deeply frozen once kept: every later run of the body reads this one object). */
  variables: Readonly<Record<string, unknown>> | undefined;
  /** The negotiated response type. */
  contentType: string;
  hashOnly: boolean;
  /** The text sent (undefined for a hash-only request), for refresh-ahead. */
  query: string | undefined;
  /** A hash + document request: its document is registered again on the answer, as Apollo does. */
  registers: string | undefined;
  /** The response-cache key, when known. */
  key: string | undefined;
}

/** Longer bodies (in UTF-16 code units, as string lengths count) are not kept. */
export const knownRequestMaxChars = 8192;

/** What an entry holds beside its id and document, counted against the bound: the key, hashes, objects and slots. */
const entryOverheadChars = 320;

/** Heap of parsed JSON per character of its text, counted against the bound (a value in an object or array takes 8–32 bytes). */
export const parsedCharsPerChar = 16;

/** Where a request is (or would be) kept: its body text, its caller's scope id and its Accept header. */
export interface KnownRequestId {
  readonly text: string;
  readonly scopeId: string;
  readonly accept: string;
}

export class KnownRequests {
  /**
   * By body text, then scope id, then Accept. The text is looked up as the string the body's read
   * made, not inside a longer id built around it, which had to be copied and hashed again per request.
   */
  private readonly byText = new Map<string, Map<string, Map<string, KnownRequest>>>();
  /** Insertion order, for the bound (first in, first out). */
  private readonly order = new Fifo<KnownRequestId>();
  private chars = 0;

  /**
   * `maxChars`: what the entries hold in all, ids, documents and overhead counted in characters; first
   * in, first out: lru-cache's bookkeeping would cost a good part of what a lookup saves, and a hot
   * body evicted is keyed again on its next request.
   */
  constructor(private readonly maxChars = 8_000_000) {}

  /** The lookup key of a request; undefined for a body too long to keep. */
  idOf(scope: AccessScope, accept: string | undefined, text: string): KnownRequestId | undefined {
    if (text.length > knownRequestMaxChars) return undefined;
    return { text, scopeId: scope.id, accept: accept ?? '' };
  }

  get(id: KnownRequestId): KnownRequest | undefined {
    return this.byText.get(id.text)?.get(id.scopeId)?.get(id.accept);
  }

  set(id: KnownRequestId, known: KnownRequest): void {
    let byScope = this.byText.get(id.text);
    if (byScope === undefined) this.byText.set(id.text, (byScope = new Map()));
    let byAccept = byScope.get(id.scopeId);
    if (byAccept === undefined) byScope.set(id.scopeId, (byAccept = new Map()));
    if (byAccept.has(id.accept)) return;
    byAccept.set(id.accept, known);
    this.order.push(id);
    this.chars += charsOf(id, known);
    this.evictOverBound();
  }

  /** Attaches (undefined: drops) what running the request again needs; what it holds counts against the bound. */
  setRun(id: KnownRequestId, run: KnownRun | undefined): void {
    const known = this.get(id);
    if (known === undefined) return;
    if (known.run !== undefined) this.chars -= runChars(known.run);
    known.run = run;
    if (run === undefined) return;
    this.chars += runChars(run);
    this.evictOverBound();
  }

  /** What the entries hold, as counted against the bound. */
  get heldChars(): number {
    return this.chars;
  }

  private evictOverBound() {
    while (this.chars > this.maxChars && this.order.length > 0) this.evict(this.order.shift()!);
  }

  private evict(oldest: KnownRequestId) {
    const byScope = this.byText.get(oldest.text)!;
    const byAccept = byScope.get(oldest.scopeId)!;
    this.chars -= charsOf(oldest, byAccept.get(oldest.accept)!);
    byAccept.delete(oldest.accept);
    if (byAccept.size === 0) byScope.delete(oldest.scopeId);
    if (byScope.size === 0) this.byText.delete(oldest.text);
  }
}

/** A kept run's text and parsed variables (its document is the registry's). */
function runChars(run: KnownRun): number {
  return (run.query?.length ?? 0) + parsedCharsPerChar * (JSON.stringify(run.variables ?? null)?.length ?? 0);
}

function charsOf(id: KnownRequestId, known: KnownRequest): number {
  return (known.run === undefined ? 0 : runChars(known.run)) + id.text.length + id.scopeId.length + id.accept.length + (known.registers?.length ?? 0) + entryOverheadChars;
}

/** Where the known step leaves a request's id: the steps after it keep what they learn under it. */
const requestIdKey = Symbol('truthgraph.knownRequestId');

export function markRequestId(req: object, id: KnownRequestId): void {
  (req as Record<symbol, KnownRequestId>)[requestIdKey] = id;
}

/** The id the known step computed for the request, if it did (a POST of a plain JSON body, of a scope). */
export function requestIdOf(req: object): KnownRequestId | undefined {
  return (req as Record<symbol, KnownRequestId | undefined>)[requestIdKey];
}

/** Freezes parsed JSON in place, all the way down, and returns it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
