// Who the caller is and which projects it may read and write. Built once per request (from the API
// key, see the security work) and handed to every loader and service, which filter by it in SQL.
export interface AccessScope {
  /** Stable identity of the scope for cache keys: two callers with the same access share it. */
  readonly id: string;
  readonly admin: boolean;
  /** Projects a member may read (writers may also read); ignored for admins. */
  readonly readable: readonly string[];
  /** Projects a member may write; ignored for admins. */
  readonly writable: readonly string[];
  /** The API key behind the scope, when there is one (createProject grants it the new project). */
  readonly keyId?: string;
}

export const adminScope: AccessScope = Object.freeze({ id: 'admin', admin: true, readable: [], writable: [] });

export function memberScope(readable: readonly string[], writable: readonly string[], keyId?: string): AccessScope {
  const read = [...new Set([...readable, ...writable])].sort();
  const write = [...new Set(writable)].sort();
  return Object.freeze({ id: `member:r=${read.join(',')};w=${write.join(',')}`, admin: false, readable: read, writable: write, keyId });
}

export const canRead = (scope: AccessScope, projectId: string) => scope.admin || scope.readable.includes(projectId);
export const canWrite = (scope: AccessScope, projectId: string) => scope.admin || scope.writable.includes(projectId);
