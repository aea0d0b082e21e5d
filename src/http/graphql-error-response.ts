// Errors answered before GraphQL runs (authentication, body size, malformed JSON, database outage)
// still look like GraphQL errors: a JSON body `{ errors: [{ message, extensions: { code } }] }`, never
// express's HTML page, so every client can read the code.
import type { Response } from 'express';
import type { AppError } from '../errors.js';

export function sendGraphQLError(res: Response, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  res.status(status).set(headers).type('application/json').send(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

export function sendAppError(res: Response, err: AppError): void {
  const status = (err.extensions.http as { status?: number } | undefined)?.status ?? 400;
  sendGraphQLError(res, status, err.code, err.message);
}
