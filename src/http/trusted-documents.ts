// Persisted documents at the HTTP edge. Every request may name its document by hash: Apollo's APQ
// form `extensions.persistedQuery` or the GraphQL-over-HTTP form `documentId: "sha256:<hex>"`, which
// is rewritten into the APQ form here so one store and one code path serve both. Mistakes in either
// form are answered here with stable codes (Apollo would mask a hash mismatch as an internal error).
// The codegen manifest (operations/__generated__/persisted-documents.json) is always served from the
// persisted-query store (see persisted-query-cache.ts). In trusted-documents mode
// (TRUSTED_DOCUMENTS_ONLY=true) only its hashes run; anything else — a raw document, an unknown hash —
// is refused before parsing with PERSISTED_QUERY_NOT_TRUSTED.
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseUrl } from 'node:url';
import { parse } from 'graphql';
import { queryHashOf } from '../cache/cache-key.js';
import { ErrorCode } from '../errors.js';
import { sendError } from './error-response.js';
import { graphqlRequestParams, searchOf } from './graphql-request.js';
import type { Step } from './step.js';

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

/** The manifest when the file exists (outside trusted mode it is optional), else undefined. */
export function loadManifestIfPresent(path: string): TrustedManifest | undefined {
  return existsSync(path) ? loadTrustedManifest(path) : undefined;
}

/** The operation names of the manifest's documents: the label values metrics give operations. */
export function operationNames(documents: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const text of documents) {
    for (const d of parse(text).definitions) if (d.kind === 'OperationDefinition' && d.name) names.add(d.name.value);
  }
  return names;
}

const documentIdForm = /^sha256:([0-9a-f]{64})$/;

/**
 * Rewrites `documentId` into `extensions.persistedQuery` and checks the APQ extension: version 1, a
 * hash string, and a hash that matches the document sent with it.
 */
export function persistedDocumentRequests(): Step {
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'POST') return next();
    const search = req.method === 'GET' ? new URLSearchParams(searchOf(req.url ?? '')) : undefined;
    const body = req.body as Record<string, unknown> | undefined;
    const documentId = search ? (search.has('documentId') ? search.getAll('documentId') : undefined) : body && typeof body === 'object' && !Array.isArray(body) ? body.documentId : undefined;
    if (documentId !== undefined) {
      const single = Array.isArray(documentId) ? (documentId.length === 1 ? documentId[0] : null) : documentId;
      const hash = typeof single === 'string' ? documentIdForm.exec(single)?.[1] : undefined;
      if (!hash) {
        return sendError(req, res, ErrorCode.BAD_REQUEST, `documentId must be one string "sha256:<64 lowercase hex>", but got: ${JSON.stringify(documentId)}`);
      }
      const query = search ? search.get('query') : body?.query;
      if (query !== undefined && query !== null) {
        return sendError(req, res, ErrorCode.BAD_REQUEST, 'send either documentId or query, not both');
      }
      const persistedQuery = { version: 1, sha256Hash: hash };
      if (search) {
        let extensions: Record<string, unknown> = {};
        try {
          const given = JSON.parse(search.get('extensions') ?? '{}') as unknown;
          if (given && typeof given === 'object' && !Array.isArray(given)) extensions = given as Record<string, unknown>;
        } catch {
          // Apollo answers malformed extensions itself; ours replace them only when they parse.
        }
        search.delete('documentId');
        // Set on the object just parsed: a copy by Object.assign would call the setter of an own
        // "__proto__" key the client sent.
        extensions.persistedQuery = persistedQuery;
        search.set('extensions', JSON.stringify(extensions));
        req.url = `${parseUrl(req.url ?? '').pathname ?? '/'}?${search}`;
      } else if (body) {
        delete body.documentId;
        const extensions = (body.extensions && typeof body.extensions === 'object' && !Array.isArray(body.extensions) ? body.extensions : {}) as Record<string, unknown>;
        extensions.persistedQuery = persistedQuery;
        body.extensions = extensions;
      }
    }

    const params = graphqlRequestParams(req);
    const persisted = params?.extensions?.persistedQuery as { version?: unknown; sha256Hash?: unknown } | undefined;
    if (!persisted) return next();
    if (persisted.version !== 1) {
      return sendError(req, res, ErrorCode.PERSISTED_QUERY_VERSION_UNSUPPORTED, `persistedQuery.version must be 1, but got: ${JSON.stringify(persisted.version)}`);
    }
    if (typeof persisted.sha256Hash !== 'string') {
      return sendError(req, res, ErrorCode.BAD_REQUEST, `persistedQuery.sha256Hash must be a string, but got: ${JSON.stringify(persisted.sha256Hash)}`);
    }
    if (params?.query !== undefined && queryHashOf(params.query) !== persisted.sha256Hash) {
      return sendError(req, res, ErrorCode.PERSISTED_QUERY_HASH_MISMATCH, 'persistedQuery.sha256Hash is not the sha256 of the query sent with it');
    }
    next();
  };
}

export function trustedDocumentsOnly(manifest: TrustedManifest): Step {
  return (req, res, next) => {
    const hash = (graphqlRequestParams(req)?.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined)?.sha256Hash;
    if (typeof hash === 'string' && Object.hasOwn(manifest, hash)) return next();
    sendError(
      req,
      res,
      ErrorCode.PERSISTED_QUERY_NOT_TRUSTED,
      typeof hash === 'string'
        ? `the operation ${hash} is not in the trusted-documents manifest`
        : 'only trusted documents run here: send documentId "sha256:<hash>" or extensions.persistedQuery.sha256Hash of an operation from the manifest',
    );
  };
}
