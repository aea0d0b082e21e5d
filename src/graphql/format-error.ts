// What a client may see of an error: our own AppErrors and GraphQL's validation errors as they are;
// database outages and timeouts as stable codes; anything else masked to a generic message with the
// request id, so no SQL text, constraint name or stack trace ever leaves the server.
import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { AppError, ErrorCode } from '../errors.js';

const unavailableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);

/** Maps a driver error to the AppError a client should see, or null when it is not a known kind. */
export function classifyDatabaseError(err: unknown): AppError | null {
  const code = (err as { code?: string } | null)?.code;
  if (!code) return null;
  if (code === '57014') return new AppError(ErrorCode.STATEMENT_TIMEOUT, 'the query took too long and was cancelled');
  if (unavailableCodes.has(code)) return new AppError(ErrorCode.DATABASE_UNAVAILABLE, 'the database is unavailable, retry shortly');
  // Class 22 (data exception: out of range, invalid text representation, NUL in text, datetime
  // overflow) comes from a parameter value, since the SQL itself is fixed: hostile input such as a
  // forged cursor holding 1e308 or a 1e-50 threshold that a real cannot hold. The caller sent it,
  // so it is their error, said without SQL text. Division by zero (22012) would be our bug.
  if (/^22[0-9A-Z]{3}$/.test(code) && code !== '22012') {
    return new AppError(ErrorCode.BAD_USER_INPUT, 'an argument is outside the range the database accepts');
  }
  return null;
}

export function formatError(formatted: GraphQLFormattedError, error: unknown, requestId?: string): GraphQLFormattedError {
  // Resolver errors arrive wrapped once by the executor and sometimes again by Apollo (a plugin's
  // error, or an error from graphql-jit's copy of GraphQLError): follow originalError to the cause.
  // Duck-typed, since the wrappers may come from another copy of graphql (ESM/CJS realms).
  let original: unknown = unwrapResolverError(error);
  for (let depth = 0; depth < 5 && !(original instanceof AppError); depth++) {
    if (typeof (original as { code?: unknown } | null)?.code === 'string') break;
    const next = (original as { originalError?: unknown } | null)?.originalError;
    if (!next) break;
    original = next;
  }
  if (original instanceof AppError) return Object.assign({}, formatted, { message: original.message, extensions: { ...original.extensions } });
  const db = classifyDatabaseError(original);
  if (db) return { message: db.message, path: formatted.path, locations: formatted.locations, extensions: { ...db.extensions } };
  const code = formatted.extensions?.code;
  if (code && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
    const { stacktrace: _drop, ...extensions } = formatted.extensions ?? {};
    return Object.assign({}, formatted, { extensions });
  }
  return {
    message: 'Internal server error',
    path: formatted.path,
    locations: formatted.locations,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, ...(requestId ? { requestId } : {}) },
  };
}
