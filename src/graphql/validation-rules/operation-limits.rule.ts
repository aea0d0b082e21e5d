// Validation rules refusing operations deeper, more aliased or more directive-laden than configured.
// They run in graphql-js validation, before any resolver, so a refusal is an HTTP 400
// GRAPHQL_VALIDATION_FAILED that sent no SQL. Aliases have no allow-list: 1,000 aliased
// `__typename`s are as much work to answer as anything else.
import { GraphQLError, type ValidationRule } from 'graphql';
import { operationShape, type OperationShape } from './operation-shape.js';

export interface OperationLimits {
  maxDepth: number;
  /** Defaults to 15, the depth of the standard introspection query GraphiQL sends. */
  maxIntrospectionDepth?: number;
  maxAliases: number;
  maxDirectives: number;
}

const checks: { key: keyof OperationShape; limit: keyof OperationLimits; what: string }[] = [
  { key: 'depth', limit: 'maxDepth', what: 'depth' },
  { key: 'introspectionDepth', limit: 'maxIntrospectionDepth', what: 'introspection depth' },
  { key: 'aliases', limit: 'maxAliases', what: 'number of aliases' },
  { key: 'directives', limit: 'maxDirectives', what: 'number of directives' },
];

export function operationLimitRules(limits: OperationLimits): ValidationRule[] {
  return checks.map(
    ({ key, limit, what }): ValidationRule =>
      (context) => ({
        OperationDefinition(node) {
          const found = operationShape(context, node)[key];
          const max = limits[limit] ?? 15;
          if (found > max) {
            context.reportError(
              new GraphQLError(`operation ${what} ${found} exceeds the limit of ${max}`, {
                nodes: [node],
                extensions: { limit: key, max, found },
              }),
            );
          }
        },
      }),
  );
}
