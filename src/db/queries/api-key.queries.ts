// SQL for API keys: the per-request lookup by hash (one primary-index probe on key_hash), the CLI's
// create / list / revoke, and the project grants that make a member's scope.
import type { Queryable } from '../client.js';
import { Params } from '../params.js';

export type ApiKeyRole = 'admin' | 'member';

export interface ApiKeyGrant {
  projectId: string;
  canWrite: boolean;
}

export interface ResolvedApiKey {
  id: string;
  role: ApiKeyRole;
  grants: ApiKeyGrant[];
}

export interface ApiKeyListing {
  id: string;
  name: string;
  role: ApiKeyRole;
  createdAt: Date;
  revokedAt: Date | null;
  readable: string[];
  writable: string[];
}

/** The active key with this hash and its grants, in one statement; null when unknown or revoked. */
export async function activeApiKeyByHash(db: Queryable, keyHash: string): Promise<ResolvedApiKey | null> {
  const [row] = await db.query<{ id: string; role: ApiKeyRole; grants: [string, boolean][] | string }>(
    `/* activeApiKeyByHash */ SELECT k.id, k.role,
       (SELECT coalesce(json_agg(json_build_array(g.project_id, g.can_write)), '[]'::json)
        FROM api_key_projects g WHERE g.key_id = k.id) AS grants
     FROM api_keys k WHERE k.key_hash = $1::text AND k.revoked_at IS NULL`,
    [keyHash],
  );
  if (!row) return null;
  const grants = typeof row.grants === 'string' ? (JSON.parse(row.grants) as [string, boolean][]) : row.grants;
  return { id: row.id, role: row.role, grants: grants.map(([projectId, canWrite]) => ({ projectId, canWrite })) };
}

export async function insertApiKey(db: Queryable, name: string, keyHash: string, role: ApiKeyRole): Promise<string> {
  const [row] = await db.query<{ id: string }>(
    `/* insertApiKey */ INSERT INTO api_keys (name, key_hash, role) VALUES ($1::text, $2::text, $3::api_key_role) RETURNING id`,
    [name, keyHash, role],
  );
  return row.id;
}

/**
 * Channel of the notifications every change of keys or grants sends (delivered at commit), so each
 * instance's key cache (src/auth/api-key-cache.ts) drops what it holds.
 */
export const apiKeyChannel = 'truthgraph_api_keys';

/** Statements of this module that only read; every other statement naming API keys changes them. */
const apiKeyReads = new Set(['activeApiKeyByHash', 'anyApiKeyExists', 'listApiKeys', 'apiKeyFingerprint', 'existingProjectIds']);

/** Whether a statement (by name) changes API keys or their grants: the key cache drops its entries. */
export function isApiKeyWrite(statementName: string): boolean {
  return /apikey/i.test(statementName) && !apiKeyReads.has(statementName);
}

/**
 * A fingerprint of both key tables: any insert, update or delete changes a row count or the sum of
 * row versions (xmin). The key cache's fallback poll compares it (O(keys + grants), a few rows).
 */
export async function apiKeyFingerprint(db: Queryable): Promise<string> {
  const [row] = await db.query<{ f: string }>(
    `/* apiKeyFingerprint */ SELECT concat_ws(':',
       (SELECT count(*) || '/' || coalesce(sum(xmin::text::int8), 0) FROM api_keys),
       (SELECT count(*) || '/' || coalesce(sum(xmin::text::int8), 0) FROM api_key_projects)) AS f`,
  );
  return row.f;
}

/** Grants read (and write when canWrite) on projects; a second grant only ever widens to write. */
export async function upsertApiKeyGrants(db: Queryable, keyId: string, grants: readonly ApiKeyGrant[]): Promise<void> {
  if (!grants.length) return;
  await db.query(
    `/* upsertApiKeyGrants */ WITH up AS (
       INSERT INTO api_key_projects (key_id, project_id, can_write)
       SELECT $1::uuid, g.project_id, g.can_write FROM json_to_recordset($2::json) AS g(project_id uuid, can_write boolean)
       ON CONFLICT (key_id, project_id) DO UPDATE SET can_write = api_key_projects.can_write OR excluded.can_write
       RETURNING 1
     ) SELECT pg_notify('${apiKeyChannel}', $1::text) FROM (SELECT 1 FROM up LIMIT 1) AS changed`,
    [keyId, JSON.stringify(grants.map((g) => ({ project_id: g.projectId, can_write: g.canWrite })))],
  );
}

/** Ids of the given projects that exist (the CLI refuses grants on unknown projects). */
export async function existingProjectIds(db: Queryable, ids: readonly string[]): Promise<string[]> {
  const p = new Params();
  const rows = await db.query<{ id: string }>(`/* existingProjectIds */ SELECT id FROM projects WHERE id = ANY(${p.uuids(ids)})`, p.values);
  return rows.map((r) => r.id);
}

export async function listApiKeys(db: Queryable): Promise<ApiKeyListing[]> {
  return db.query<ApiKeyListing>(
    `/* listApiKeys */ SELECT k.id, k.name, k.role, k.created_at AS "createdAt", k.revoked_at AS "revokedAt",
       coalesce(array_to_json(array_agg(g.project_id::text ORDER BY g.project_id) FILTER (WHERE g.project_id IS NOT NULL)), '[]'::json) AS readable,
       coalesce(array_to_json(array_agg(g.project_id::text ORDER BY g.project_id) FILTER (WHERE g.can_write)), '[]'::json) AS writable
     FROM api_keys k LEFT JOIN api_key_projects g ON g.key_id = k.id
     GROUP BY k.id ORDER BY k.created_at, k.id`,
  );
}

/** Revokes the active keys with this id or name; returns the ids revoked. */
export async function revokeApiKeys(db: Queryable, idOrName: string, isId: boolean): Promise<string[]> {
  const where = isId ? 'id = $1::uuid' : 'name = $1::text';
  const rows = await db.query<{ id: string }>(
    `/* ${isId ? 'revokeApiKeyById' : 'revokeApiKeysByName'} */ WITH r AS (
       UPDATE api_keys SET revoked_at = now() WHERE ${where} AND revoked_at IS NULL RETURNING id
     ) SELECT id, pg_notify('${apiKeyChannel}', id::text) FROM r`,
    [idOrName],
  );
  return rows.map((r) => r.id);
}

/** Whether any key was ever created (revoked ones count): ends the development open mode. */
export async function anyApiKeyExists(db: Queryable): Promise<boolean> {
  const [row] = await db.query<{ exists: boolean }>(`/* anyApiKeyExists */ SELECT EXISTS (SELECT 1 FROM api_keys) AS "exists"`);
  return row.exists;
}
