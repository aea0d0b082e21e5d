// The response-cache key: a sha256 over everything that can change a response — the schema/version
// salt, the operation's normalized document, the operation name, the variables in canonical form
// and the caller's access scope. Two scopes never share an entry; whitespace, comments and the key
// order of variables never split one.
import crypto from 'node:crypto';
import { print, stripIgnoredCharacters, type DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import { canonicalJson } from '../graphql/canonical-json.js';
import { redisStoreLayout } from './redis-store.js';

// One-shot: no Hash object per key.
const sha256 = (text: string) => crypto.hash('sha256', text, 'hex');

/** The salt of a deployment: a new schema, CACHE_VERSION or store layout never reads entries of the old one. */
export function cacheSalt(schemaSource: string, version: string): string {
  return sha256(`${version}\n${redisStoreLayout}\n${schemaSource}`);
}

// Printing a document costs more than hashing it; Apollo hands us the same queryHash for the same
// text, so remember each normalized form by it.
const normalized = new LRUCache<string, string>({ max: 2000 });

/** sha256 of the document printed without ignored characters (memoized by Apollo's query hash). */
export function documentHash(queryHash: string | undefined, document: DocumentNode): string {
  const hit = queryHash ? normalized.get(queryHash) : undefined;
  if (hit) return hit;
  const hash = sha256(stripIgnoredCharacters(print(document)));
  if (queryHash) normalized.set(queryHash, hash);
  return hash;
}

// The same few documents arrive again and again: a map lookup of the text costs less than its sha256.
// Long texts are hashed every time, and the texts kept are bounded in total length (lru-cache refuses a
// size of 0, so the empty text counts as 1).
const queryHashes = new LRUCache<string, string>({ max: 1000, maxSize: 1_000_000, sizeCalculation: (_hash, query) => Math.max(1, query.length) });
const memoizedQueryLength = 8192;

export function queryHashOf(query: string): string {
  if (query.length > memoizedQueryLength) return sha256(query);
  let hash = queryHashes.get(query);
  if (hash === undefined) {
    hash = sha256(query);
    queryHashes.set(query, hash);
  }
  return hash;
}

export interface CacheKeyParts {
  salt: string;
  documentHash: string;
  operationName: string | null | undefined;
  variables: Record<string, unknown> | null | undefined;
  scopeId: string;
}

export function cacheKey(parts: CacheKeyParts): string {
  return sha256(
    JSON.stringify([parts.salt, parts.documentHash, parts.operationName ?? null, canonicalJson(parts.variables ?? {}), parts.scopeId]),
  );
}
