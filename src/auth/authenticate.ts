// Authentication at the HTTP edge: `Authorization: Bearer <key>` → the caller's AccessScope, stored in
// res.locals for the GraphQL context. No key, or a bad one, is a JSON 401 before any body is parsed.
// The one exception is the development open mode (see `openMode`).
import type { Db } from '../db/client.js';
import { ErrorCode } from '../errors.js';
import { classifyDatabaseError } from '../graphql/format-error.js';
import { sendAppError, sendError } from '../http/error-response.js';
import type { Step } from '../http/step.js';
import type { Logger } from '../observability/logger.js';
import { ApiKeyCache } from './api-key-cache.js';
import { anyApiKeyExists } from './api-keys.js';
import { adminScope, type AccessScope } from './scope.js';

export interface Authenticator {
  middleware: Step;
  /**
   * Called once the server listens: open mode is possible only in development, on a loopback
   * address, while no key exists. Returns whether requests without a key now run as admin.
   */
  enableOpenModeIfAllowed(development: boolean, boundAddress: string): Promise<boolean>;
  /** The key lookups this instance caches (src/auth/api-key-cache.ts). */
  readonly keys: ApiKeyCache;
  close(): Promise<void>;
}

export interface AuthenticatorOptions {
  /** The revocation bound of the key cache in ms (API_KEY_CACHE_MS); 0: a lookup per request. */
  keyCacheMs?: number;
}

export const isLoopback = (address: string) => address === '::1' || address.startsWith('127.') || address === '::ffff:127.0.0.1';

/**
 * A request a proxy forwarded: it reached the loopback address on behalf of someone else, so the
 * development open mode (meant for the developer's own machine) never applies to it.
 */
export const viaProxy = (headers: Record<string, unknown>) =>
  headers.forwarded !== undefined || headers['x-forwarded-for'] !== undefined || headers['x-real-ip'] !== undefined;

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}

export function createAuthenticator(db: Db, logger: Logger, opts: AuthenticatorOptions = {}): Authenticator {
  const keys = new ApiKeyCache(db, { boundMs: opts.keyCacheMs ?? 0 });
  let openModeCandidate = false;
  // Once a key exists, open mode is over for good (keys are revoked, never deleted).
  let keysExist = false;

  async function openMode(): Promise<boolean> {
    if (!openModeCandidate || keysExist) return false;
    keysExist = await anyApiKeyExists(db);
    if (keysExist) logger.warn('an API key now exists: development open mode is over, requests need a key');
    return !keysExist;
  }

  const middleware: Step = (req, res, next) => {
    const token = bearerToken(req.headers.authorization);
    const cached = token ? keys.cached(token) : undefined;
    if (cached) {
      res.locals.scope = cached;
      next();
      return;
    }
    // A promise, not a named closure: tsx would name one on every request that misses the key cache
    // (test/http/hit-path-names.test.ts).
    const resolved: Promise<AccessScope | null> = token
      ? keys.resolve(token)
      : req.headers.authorization || viaProxy(req.headers)
        ? Promise.resolve(null)
        : openMode().then((open) => (open ? adminScope : null));
    resolved.then(
      (scope) => {
        if (!scope) {
          const message = req.headers.authorization
            ? 'the API key is invalid or revoked'
            : 'an API key is required: send Authorization: Bearer <key>';
          return sendError(req, res, ErrorCode.UNAUTHENTICATED, message, { headers: { 'WWW-Authenticate': 'Bearer' } });
        }
        res.locals.scope = scope;
        next();
      },
      (err: unknown) => {
        const known = classifyDatabaseError(err);
        if (known) return sendAppError(req, res, known);
        logger.error({ err }, 'authentication failed unexpectedly');
        sendError(req, res, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
      },
    );
  };

  return {
    middleware,
    keys,
    close: () => keys.close(),
    async enableOpenModeIfAllowed(development, boundAddress) {
      if (!development || !isLoopback(boundAddress)) return false;
      if (await anyApiKeyExists(db)) {
        keysExist = true;
        return false;
      }
      openModeCandidate = true;
      return true;
    },
  };
}
