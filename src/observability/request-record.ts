// What is known about one HTTP request by the time it is answered: its id, and for GraphQL requests
// the operation name, outcome and SQL statement count. The HTTP layer creates the record; the Apollo
// plugin fills in the GraphQL facts; the request log and the metrics read it when the response ends.
import { randomUUID } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';

/** ok: no errors · client_error: the request was refused (4xx, validation, bad input) · error: anything else. */
export type Outcome = 'ok' | 'client_error' | 'error';

export interface RequestRecord {
  id: string;
  /** When the request log first saw the request (performance.now()), and its route label. */
  started: number;
  route: string;
  /**
   * Run once (node emits a response's 'close' once), when the response is over (sent, or its client
   * gone), by the request log's listener: the in-flight count's release (src/http/in-flight.ts), so a
   * response has one 'close' listener, not two.
   */
  onEnd?: () => void;
  /** Set for GraphQL requests once Apollo has seen them. */
  graphql?: {
    operation: string;
    outcome: Outcome;
    statements: number;
    sqlMs: number;
    errorCodes: string[];
  };
}

// Links Apollo's per-request context to the record of the HTTP request that built it, so the shared
// Context type needs no field of ours. A symbol-keyed property rather than a WeakMap because Apollo
// hands plugins a shallow copy of the context (Object.assign copies enumerable symbol properties).
const recordKey = Symbol('truthgraph.requestRecord');

export function attachRecord(context: object, record: RequestRecord): void {
  (context as Record<symbol, unknown>)[recordKey] = record;
}

function recordOfContext(context: object): RequestRecord | undefined {
  return (context as Record<symbol, RequestRecord | undefined>)[recordKey];
}

const requestIdPattern = /^[\w.:\-]{1,128}$/;

/** Honours an incoming x-request-id when it is a sane token; otherwise makes one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && requestIdPattern.test(value) ? value : randomUUID();
}

const clientErrorCodes = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'PERSISTED_QUERY_NOT_TRUSTED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'QUERY_TOO_COMPLEX',
]);

export function outcomeOf(errorCodes: readonly string[], status: number): Outcome {
  if (status >= 500) return 'error';
  if (errorCodes.length === 0) return status >= 400 ? 'client_error' : 'ok';
  return errorCodes.every((c) => clientErrorCodes.has(c)) ? 'client_error' : 'error';
}

interface StatsContext {
  sqlStats: { statements: number; durationMs: number };
}

/** Fills the request record with what Apollo knows: operation name, errors, SQL statements. */
export function requestRecordPlugin(): ApolloServerPlugin<StatsContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response, operationName, request }) {
          const record = recordOfContext(contextValue);
          if (!record) return;
          const body = response.body;
          // The formatted errors: the codes the client saw (a raw driver error becomes DATABASE_UNAVAILABLE).
          const resultErrors = body.kind === 'single' ? (body.singleResult.errors ?? []) : [];
          const errorCodes = [...new Set(resultErrors.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];
          record.graphql = {
            operation: operationName ?? request.operationName ?? 'anonymous',
            outcome: outcomeOf(errorCodes, response.http.status ?? 200),
            statements: contextValue.sqlStats.statements,
            sqlMs: contextValue.sqlStats.durationMs,
            errorCodes,
          };
        },
      };
    },
  };
}
