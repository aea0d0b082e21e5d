// The one error vocabulary of truthgraph: every error a client sees carries one of these codes in
// extensions.code, and extensions.http.status where the status matters. Imports nothing.
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
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const httpStatus: Partial<Record<ErrorCode, number>> = {
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
    const status = httpStatus[code];
    super(message, { extensions: { ...extensions, code, ...(status ? { http: { status } } : {}) } });
    this.code = code;
  }
}

export const badInput = (argument: string, message: string, extra: Record<string, unknown> = {}) =>
  new AppError(ErrorCode.BAD_USER_INPUT, message, { argument, ...extra });
