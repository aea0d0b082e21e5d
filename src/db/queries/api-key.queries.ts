// SQL for API keys: the per-request lookup by hash (one primary-index probe on key_hash), the CLI's
// create / list / revoke, and the project grants that make a member's scope.
import { sql, type SQL } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { columnList, uuidArray } from '../params.js';
import { apiKeyProjects as g, apiKeys as k, projects as p } from '../schema.js';
import { Statement } from '../statement.js';

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

const activeByHash = new Statement(sql`/* activeApiKeyByHash */ SELECT ${k.id}, ${k.role},
    (SELECT coalesce(json_agg(json_build_array(${g.projectId}, ${g.canWrite})), '[]'::json)
     FROM ${g} WHERE ${g.keyId} = ${k.id}) AS grants
  FROM ${k} WHERE ${k.keyHash} = ${sql.placeholder('keyHash')}::text AND ${k.revokedAt} IS NULL`);

/** The active key with this hash and its grants, in one statement; null when unknown or revoked. */
export async function activeApiKeyByHash(db: Queryable, keyHash: string): Promise<ResolvedApiKey | null> {
  const [row] = await activeByHash.run<{ id: string; role: ApiKeyRole; grants: [string, boolean][] | string }>(db, { keyHash });
  if (!row) return null;
  const grants = typeof row.grants === 'string' ? (JSON.parse(row.grants) as [string, boolean][]) : row.grants;
  return { id: row.id, role: row.role, grants: grants.map(([projectId, canWrite]) => ({ projectId, canWrite })) };
}

const insert = new Statement(sql`/* insertApiKey */ INSERT INTO ${k} ${columnList(k.name, k.keyHash, k.role)}
  VALUES (${sql.placeholder('name')}::text, ${sql.placeholder('keyHash')}::text, ${sql.placeholder('role')}::api_key_role) RETURNING ${k.id}`);

export async function insertApiKey(db: Queryable, name: string, keyHash: string, role: ApiKeyRole): Promise<string> {
  const [row] = await insert.run<{ id: string }>(db, { name, keyHash, role });
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

const fingerprint = new Statement(sql`/* apiKeyFingerprint */ SELECT concat_ws(':',
    (SELECT count(*) || '/' || coalesce(sum(xmin::text::int8), 0) FROM ${k}),
    (SELECT count(*) || '/' || coalesce(sum(xmin::text::int8), 0) FROM ${g})) AS f`);

/**
 * A fingerprint of both key tables: any insert, update or delete changes a row count or the sum of
 * row versions (xmin). The key cache's fallback poll compares it (O(keys + grants), a few rows).
 */
export async function apiKeyFingerprint(db: Queryable): Promise<string> {
  const [row] = await fingerprint.run<{ f: string }>(db, {});
  return row.f;
}

/** `pg_notify` on the key channel (a constant of this module, not a parameter). */
const notify = (payload: SQL) => sql`pg_notify(${sql.raw(`'${apiKeyChannel}'`)}, ${payload})`;

const upsertGrants = new Statement(sql`/* upsertApiKeyGrants */ WITH up AS (
    INSERT INTO ${g} ${columnList(g.keyId, g.projectId, g.canWrite)}
    SELECT ${sql.placeholder('keyId')}::uuid, r.project_id, r.can_write FROM json_to_recordset(${sql.placeholder('grants')}::json) AS r(project_id uuid, can_write boolean)
    ON CONFLICT ${columnList(g.keyId, g.projectId)} DO UPDATE SET ${sql.identifier(g.canWrite.name)} = ${g.canWrite} OR excluded.${sql.identifier(g.canWrite.name)}
    RETURNING 1
  ) SELECT ${notify(sql`${sql.placeholder('keyId')}::text`)} FROM (SELECT 1 FROM up LIMIT 1) AS changed`);

/** Grants read (and write when canWrite) on projects; a second grant only ever widens to write. */
export async function upsertApiKeyGrants(db: Queryable, keyId: string, grants: readonly ApiKeyGrant[]): Promise<void> {
  if (!grants.length) return;
  await upsertGrants.run(db, { keyId, grants: JSON.stringify(grants.map((grant) => ({ project_id: grant.projectId, can_write: grant.canWrite }))) });
}

const existing = new Statement(sql`/* existingProjectIds */ SELECT ${p.id} FROM ${p} WHERE ${p.id} = ANY(${sql.placeholder('ids')}::uuid[])`);

/** Ids of the given projects that exist (the CLI refuses grants on unknown projects). */
export async function existingProjectIds(db: Queryable, ids: readonly string[]): Promise<string[]> {
  const rows = await existing.run<{ id: string }>(db, { ids: uuidArray(ids) });
  return rows.map((r) => r.id);
}

const list = new Statement(sql`/* listApiKeys */ SELECT ${k.id}, ${k.name}, ${k.role}, ${k.createdAt} AS "createdAt", ${k.revokedAt} AS "revokedAt",
    coalesce(array_to_json(array_agg(${g.projectId}::text ORDER BY ${g.projectId}) FILTER (WHERE ${g.projectId} IS NOT NULL)), '[]'::json) AS readable,
    coalesce(array_to_json(array_agg(${g.projectId}::text ORDER BY ${g.projectId}) FILTER (WHERE ${g.canWrite})), '[]'::json) AS writable
  FROM ${k} LEFT JOIN ${g} ON ${g.keyId} = ${k.id}
  GROUP BY ${k.id} ORDER BY ${k.createdAt}, ${k.id}`);

export async function listApiKeys(db: Queryable): Promise<ApiKeyListing[]> {
  return list.run<ApiKeyListing>(db, {});
}

const revokeStatement = (name: string, match: SQL) =>
  new Statement(sql`/* ${sql.raw(name)} */ WITH r AS (
    UPDATE ${k} SET ${sql.identifier(k.revokedAt.name)} = now() WHERE ${match} AND ${k.revokedAt} IS NULL RETURNING ${k.id}
  ) SELECT id, ${notify(sql`id::text`)} FROM r`);
const revokeById = revokeStatement('revokeApiKeyById', sql`${k.id} = ${sql.placeholder('key')}::uuid`);
const revokeByName = revokeStatement('revokeApiKeysByName', sql`${k.name} = ${sql.placeholder('key')}::text`);

/** Revokes the active keys with this id or name; returns the ids revoked. */
export async function revokeApiKeys(db: Queryable, idOrName: string, isId: boolean): Promise<string[]> {
  const rows = await (isId ? revokeById : revokeByName).run<{ id: string }>(db, { key: idOrName });
  return rows.map((r) => r.id);
}

const anyKey = new Statement(sql`/* anyApiKeyExists */ SELECT EXISTS (SELECT 1 FROM ${k}) AS "exists"`);

/** Whether any key was ever created (revoked ones count): ends the development open mode. */
export async function anyApiKeyExists(db: Queryable): Promise<boolean> {
  const [row] = await anyKey.run<{ exists: boolean }>(db, {});
  return row.exists;
}
