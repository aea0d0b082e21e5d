// Executes operations with graphql-jit instead of graphql-js: a query is compiled once into plain
// JavaScript and reused, which removes most of graphql-js's per-field cost on large lists (a 10,000-box
// page completes several times faster). It plugs into Apollo through the gateway interface: Apollo
// still parses, validates, runs plugins and formats errors; only execution is ours. Behaviour lives
// in resolvers and context, never in field-level plugin hooks (they do not run in this mode).
import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { getVariableValues, GraphQLError, type ExecutionResult, type OperationDefinitionNode } from 'graphql';
import { isCompiledQuery } from 'graphql-jit';
import { priorExecution, type CompiledOperations } from './compiled-operations.js';

/**
 * graphql-jit's errors copy `extensions` from the thrown error and leave it undefined for a plain
 * Error (a driver error, say), which Apollo's error formatting cannot read. Rebuild those as
 * graphql-js errors with the same message, path, locations and cause.
 */
function asGraphQLErrors(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.some((e) => !e.extensions)) return result;
  const errors = result.errors.map((e) => {
    if (e.extensions) return e;
    const rebuilt = new GraphQLError(e.message, { path: e.path, originalError: e.originalError ?? undefined });
    (rebuilt as { locations?: unknown }).locations = e.locations;
    return rebuilt;
  });
  return Object.assign({}, result, { errors });
}

export function jitGateway(operations: CompiledOperations): GatewayInterface {
  const schema = operations.schema;

  const executor: GatewayExecutor = async (rc) => {
    // No operation of the requested name (or several and no name): answer graphql-js's error, which
    // Apollo turns into 400 OPERATION_RESOLUTION_FAILURE as under its default executor. graphql-jit
    // would throw, and a thrown error is an internal one.
    if (!rc.operation) {
      const name = rc.request.operationName;
      const named = name !== undefined && name !== null;
      return { errors: [new GraphQLError(named ? `Unknown operation named "${name}".` : 'Must provide operation name if query contains multiple operations.')] };
    }
    const operation = rc.operation as OperationDefinitionNode;
    const variables = rc.request.variables ?? {};

    // The operation path ran this very request already (src/http/operation-path.middleware.ts): answer its result.
    const prior = priorExecution(rc.context);
    let result: ExecutionResult;
    if (prior && !prior.resultTaken && prior.queryHash === rc.queryHash && prior.operationName === rc.operationName) {
      prior.resultTaken = true;
      result = prior.result;
    } else {
      const query = operations.compile(rc.queryHash, rc.document, rc.operationName);
      if (!isCompiledQuery(query)) return query;
      result = await query.query(undefined, rc.context, variables);
    }
    // No data at all: the request failed before execution, i.e. its variables did not coerce. Only
    // then ask graphql-js, whose errors Apollo turns into BAD_USER_INPUT with HTTP 400 exactly as in
    // its default executor. Coercing every request twice would cost ~60 ms on a 10,000-element input.
    if (!('data' in result) || result.data === undefined) {
      const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
      if (coerced.errors) return { errors: coerced.errors };
    }
    return asGraphQLErrors(result);
  };

  return {
    async load() {
      return { executor };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => {};
    },
    async stop() {},
  };
}
