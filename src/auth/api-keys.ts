// The API-key store: mints keys (the secret is shown once and only its sha256 is kept), lists and
// revokes them, grants projects, and turns a presented secret into the caller's AccessScope.
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/client.js';
import {
  activeApiKeyByHash,
  anyApiKeyExists,
  existingProjectIds,
  insertApiKey,
  listApiKeys,
  revokeApiKeys,
  upsertApiKeyGrants,
  type ApiKeyListing,
  type ApiKeyRole,
} from '../db/queries/api-key.queries.js';
import { adminScope, memberScope, type AccessScope } from './scope.js';

export type { ApiKeyListing, ApiKeyRole };

const keyPrefix = 'tg_';
/** `tg_` + 32 random bytes in base64url (43 characters). */
const keyFormat = /^tg_[A-Za-z0-9_-]{43}$/;
const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * sha256, not bcrypt/argon2: the secret has 256 bits of entropy, so a leaked hash cannot be reversed
 * by guessing, and a slow hash would cost every request tens of milliseconds for nothing. A fast,
 * deterministic digest also lets the lookup be one equality probe on a unique index.
 */
export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function looksLikeApiKey(secret: string): boolean {
  return keyFormat.test(secret);
}

export interface NewApiKey {
  name: string;
  role: ApiKeyRole;
  /** Member keys only: projects it may read. */
  read?: readonly string[];
  /** Member keys only: projects it may write (and so read). */
  write?: readonly string[];
}

export class ApiKeyInputError extends Error {}

/** Creates a key in one transaction; returns its id and the secret, which is never stored. */
export async function createApiKey(db: Queryable & { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> }, input: NewApiKey): Promise<{ id: string; secret: string }> {
  const name = input.name.trim();
  if (name.length < 1 || name.length > 200) throw new ApiKeyInputError('name must be 1..200 characters');
  const read = [...new Set((input.read ?? []).map((id) => id.toLowerCase()))];
  const write = [...new Set((input.write ?? []).map((id) => id.toLowerCase()))];
  if (input.role === 'admin' && (read.length || write.length)) throw new ApiKeyInputError('an admin key reads and writes every project: drop --read/--write');
  const bad = [...read, ...write].filter((id) => !uuidRe.test(id));
  if (bad.length) throw new ApiKeyInputError(`not project ids: ${bad.join(', ')}`);
  const secret = keyPrefix + randomBytes(32).toString('base64url');
  const id = await db.transaction(async (tx) => {
    const all = [...new Set([...read, ...write])];
    if (all.length) {
      const found = new Set(await existingProjectIds(tx, all));
      const missing = all.filter((p) => !found.has(p));
      if (missing.length) throw new ApiKeyInputError(`unknown projects: ${missing.join(', ')}`);
    }
    const keyId = await insertApiKey(tx, name, hashApiKey(secret), input.role);
    await upsertApiKeyGrants(tx, keyId, [
      ...read.filter((p) => !write.includes(p)).map((projectId) => ({ projectId, canWrite: false })),
      ...write.map((projectId) => ({ projectId, canWrite: true })),
    ]);
    return keyId;
  });
  return { id, secret };
}

/** Makes the key a writer of a project, inside the caller's transaction. */
export async function grantProjectWrite(tx: Queryable, keyId: string, projectId: string): Promise<void> {
  await upsertApiKeyGrants(tx, keyId, [{ projectId, canWrite: true }]);
}

export function listKeys(db: Queryable): Promise<ApiKeyListing[]> {
  return listApiKeys(db);
}

/** Revokes by id, or every active key of that name; returns the revoked ids. */
export function revokeKey(db: Queryable, idOrName: string): Promise<string[]> {
  return revokeApiKeys(db, uuidRe.test(idOrName) ? idOrName.toLowerCase() : idOrName, uuidRe.test(idOrName));
}

/**
 * The scope of an active key, or null: one indexed probe. Requests go through ApiKeyCache
 * (api-key-cache.ts), which calls this on a miss and bounds how long a revocation can go unseen.
 */
export async function resolveApiKey(db: Queryable, secret: string): Promise<AccessScope | null> {
  if (!looksLikeApiKey(secret)) return null;
  const key = await activeApiKeyByHash(db, hashApiKey(secret));
  if (!key) return null;
  if (key.role === 'admin') return Object.freeze(Object.assign({}, adminScope, { keyId: key.id }));
  return memberScope(
    key.grants.map((g) => g.projectId),
    key.grants.filter((g) => g.canWrite).map((g) => g.projectId),
    key.id,
  );
}

export { anyApiKeyExists };
