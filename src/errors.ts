// The one error vocabulary of truthgraph: every error a client sees carries one of these codes in
// extensions.code (GraphQL) or error.code (other routes), and each code has one HTTP status, used by
// every path that answers outside a GraphQL result (src/http/error-response.ts). Imports nothing.
import { GraphQLError } from 'graphql';

export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  CONFLICT: 'CONFLICT',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  PERSISTED_QUERY_NOT_TRUSTED: 'PERSISTED_QUERY_NOT_TRUSTED',
  STATEMENT_TIMEOUT: 'STATEMENT_TIMEOUT',
  DATABASE_UNAVAILABLE: 'DATABASE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  // Request errors: the request never became an operation. Apollo's own codes keep their names.
  BAD_REQUEST: 'BAD_REQUEST',
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  OPERATION_RESOLUTION_FAILURE: 'OPERATION_RESOLUTION_FAILURE',
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  PERSISTED_QUERY_NOT_SUPPORTED: 'PERSISTED_QUERY_NOT_SUPPORTED',
  PERSISTED_QUERY_HASH_MISMATCH: 'PERSISTED_QUERY_HASH_MISMATCH',
  PERSISTED_QUERY_VERSION_UNSUPPORTED: 'PERSISTED_QUERY_VERSION_UNSUPPORTED',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  NOT_ACCEPTABLE: 'NOT_ACCEPTABLE',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  CORS_ORIGIN_NOT_ALLOWED: 'CORS_ORIGIN_NOT_ALLOWED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * The HTTP status each code means when it decides a response: a request error (no data), or an
 * answer outside GraphQL. A field error inside a result with data never decides it (that is 200).
 */
export const httpStatusOf: Readonly<Record<ErrorCode, number>> = {
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  CONFLICT: 409,
  QUERY_TOO_COMPLEX: 400,
  PERSISTED_QUERY_NOT_TRUSTED: 400,
  STATEMENT_TIMEOUT: 503,
  DATABASE_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
  BAD_REQUEST: 400,
  GRAPHQL_PARSE_FAILED: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  OPERATION_RESOLUTION_FAILURE: 400,
  // Apollo answers these with 200 (its clients read the code and retry with the full document).
  PERSISTED_QUERY_NOT_FOUND: 200,
  PERSISTED_QUERY_NOT_SUPPORTED: 200,
  PERSISTED_QUERY_HASH_MISMATCH: 400,
  PERSISTED_QUERY_VERSION_UNSUPPORTED: 400,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  CORS_ORIGIN_NOT_ALLOWED: 403,
};

export const isErrorCode = (value: unknown): value is ErrorCode => typeof value === 'string' && Object.hasOwn(httpStatusOf, value);

// The codes whose status Apollo must see on the thrown error (extensions.http) for the response
// status; the others are either field errors or statuses Apollo sets itself.
const statusForApollo: Partial<Record<ErrorCode, number>> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  QUERY_TOO_COMPLEX: 400,
  PERSISTED_QUERY_NOT_TRUSTED: 400,
  DATABASE_UNAVAILABLE: 503,
  STATEMENT_TIMEOUT: 503,
};

export class AppError extends GraphQLError {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    const status = statusForApollo[code];
    super(message, { extensions: Object.assign({}, extensions, status ? { code, http: { status } } : { code }) });
    this.code = code;
  }
}

export const badInput = (argument: string, message: string, extra: Record<string, unknown> = {}) =>
  new AppError(ErrorCode.BAD_USER_INPUT, message, { argument, ...extra });
