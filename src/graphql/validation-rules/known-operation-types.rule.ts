// graphql 16 validates a `subscription { … }` against a schema without a Subscription type and only
// fails in execution, with an uncoded error Apollo reports as INTERNAL_SERVER_ERROR. This rule
// (graphql 17 ships it as KnownOperationTypesRule) refuses it in validation instead: an HTTP 400
// GRAPHQL_VALIDATION_FAILED that names what the schema supports.
import { GraphQLError, type ValidationRule } from 'graphql';

export const knownOperationTypesRule: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (context.getSchema().getRootType(node.operation)) return;
    context.reportError(
      new GraphQLError(`this schema does not support ${node.operation} operations`, { nodes: [node] }),
    );
  },
});
