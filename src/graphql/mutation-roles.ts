// Who may call each mutation, in one place. The map is typed against the generated Mutation type, so a
// mutation added to schema.graphql without a line here (or a line for one it lacks) fails to compile,
// and the authorization plugin refuses every mutation field before any resolver runs when the
// caller's key lacks the role.
import type { AccessScope } from '../auth/scope.js';
import type { Mutation } from './__generated__/resolvers-types.js';

/**
 * `admin`: only an admin key. `writer`: a key that may write at least one project; the service then
 * checks write access on the project the call targets, answering a foreign target exactly like an
 * unknown one (NOT_FOUND, or 0 for the id-list mutations), since only the database knows the target.
 */
export type MutationRole = 'admin' | 'writer';

export const mutationRoles: { readonly [K in Exclude<keyof Mutation, '__typename'>]-?: MutationRole } = {
  // Creating tenants is an operator's act: no per-key quota exists, so a member key may not mint projects.
  createProject: 'admin',
  createVideo: 'writer',
  updateVideo: 'writer',
  deleteVideo: 'writer',
  upsertGroundTruth: 'writer',
  setGroundTruthValidated: 'writer',
  deleteGroundTruth: 'writer',
  createTestSession: 'writer',
  completeTestSession: 'writer',
  ingestDetections: 'writer',
  setValidationResults: 'writer',
  applyEvaluation: 'writer',
};

export function hasRole(scope: AccessScope, role: MutationRole): boolean {
  switch (role) {
    case 'admin':
      return scope.admin;
    case 'writer':
      return scope.admin || scope.writable.length > 0;
  }
}

/** The role a mutation field needs; undefined for a name the schema does not have (refused). */
export const roleOf = (field: string): MutationRole | undefined =>
  Object.hasOwn(mutationRoles, field) ? mutationRoles[field as keyof typeof mutationRoles] : undefined;
