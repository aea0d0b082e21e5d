// Authorization in one place: once Apollo has resolved the operation and before anything executes,
// every root field of a mutation is checked against the role src/graphql/mutation-roles.ts declares.
// One field the key may not call refuses the whole operation (FORBIDDEN, HTTP 403), so a read-only
// key never reaches a service, and nothing is written.
import type { ApolloServerPlugin } from '@apollo/server';
import type { DocumentNode, FragmentDefinitionNode, OperationDefinitionNode, SelectionSetNode } from 'graphql';
import type { Context } from '../context.js';
import { AppError, ErrorCode } from '../errors.js';
import { hasRole, roleOf } from './mutation-roles.js';

/**
 * Names of the root fields an operation selects, through fragments and inline fragments, without
 * recursion (a fragment cycle is a validation error, but this never relies on that).
 */
export function rootFieldNames(document: DocumentNode, operation: OperationDefinitionNode): Set<string> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === 'FragmentDefinition') fragments.set(d.name.value, d);
  const names = new Set<string>();
  const seen = new Set<string>();
  const pending: SelectionSetNode[] = [operation.selectionSet];
  for (let set = pending.pop(); set; set = pending.pop()) {
    for (const s of set.selections) {
      if (s.kind === 'Field') names.add(s.name.value);
      else if (s.kind === 'InlineFragment') pending.push(s.selectionSet);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const fragment = fragments.get(s.name.value);
        if (fragment) pending.push(fragment.selectionSet);
      }
    }
  }
  return names;
}

export function authorizationPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, contextValue }) {
          if (operation?.operation !== 'mutation') return;
          for (const field of rootFieldNames(document, operation)) {
            if (field === '__typename') continue;
            const role = roleOf(field);
            if (!role || !hasRole(contextValue.scope, role)) {
              throw new AppError(
                ErrorCode.FORBIDDEN,
                role === 'admin' ? `${field} needs an admin key; nothing was written` : `${field} needs a key that may write; nothing was written`,
                { field },
              );
            }
          }
        },
      };
    },
  };
}
