// Trusted-documents mode (TRUSTED_DOCUMENTS_ONLY=true): production frontends send only the sha256 of
// an operation from the codegen manifest (operations/__generated__/persisted-documents.json), by GET
// or POST; anything else — a raw document, an unknown hash — is refused before parsing with
// PERSISTED_QUERY_NOT_TRUSTED. Executing by hash goes through Apollo's persisted-query path, whose
// store is the manifest (see persisted-query-cache.ts), so a hash + query pair must also match.
import { readFileSync } from 'node:fs';
import type { RequestHandler } from 'express';
import { ErrorCode } from '../errors.js';

export type TrustedManifest = Readonly<Record<string, string>>;

export function loadTrustedManifest(path: string): TrustedManifest {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`trusted-documents manifest ${path} must be an object of sha256 → document, but got: ${typeof parsed}`);
  }
  for (const [hash, doc] of Object.entries(parsed)) {
    if (!/^[0-9a-f]{64}$/.test(hash) || typeof doc !== 'string') {
      throw new Error(`trusted-documents manifest ${path}: entry ${JSON.stringify(hash)} is not sha256 hex → document`);
    }
  }
  return Object.freeze(parsed as Record<string, string>);
}

function persistedHashOf(extensions: unknown): string | undefined {
  let ext = extensions;
  if (typeof ext === 'string') {
    try {
      ext = JSON.parse(ext);
    } catch {
      return undefined;
    }
  }
  const hash = (ext as { persistedQuery?: { sha256Hash?: unknown } } | null)?.persistedQuery?.sha256Hash;
  return typeof hash === 'string' ? hash : undefined;
}

export function trustedDocumentsOnly(manifest: TrustedManifest): RequestHandler {
  return (req, res, next) => {
    const source = req.method === 'GET' ? (req.query as Record<string, unknown>) : (req.body as Record<string, unknown> | undefined);
    const hash = source && !Array.isArray(source) ? persistedHashOf(source.extensions) : undefined;
    if (hash && Object.hasOwn(manifest, hash)) return next();
    res.status(400).json({
      errors: [
        {
          message: hash
            ? `the operation ${hash} is not in the trusted-documents manifest`
            : 'only trusted documents run here: send extensions.persistedQuery.sha256Hash of an operation from the manifest',
          extensions: { code: ErrorCode.PERSISTED_QUERY_NOT_TRUSTED, http: { status: 400 } },
        },
      ],
    });
  };
}
