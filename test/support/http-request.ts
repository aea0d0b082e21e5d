// One GraphQL-over-HTTP request as any client may send it — GET (parameters in the URL, objects
// JSON-encoded) or POST (a JSON body) — answered with status, headers and the raw body text, so tests
// can compare answers byte for byte.
import { createHash } from 'node:crypto';
import http from 'node:http';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
export interface GraphQLParams {
  query?: string;
  operationName?: string | null;
  variables?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
  documentId?: string;
}

export interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: any;
}

export async function sendGraphQL(url: string, method: 'GET' | 'POST', params: GraphQLParams, headers: Record<string, string> = {}): Promise<RawAnswer> {
  let res: Response;
  if (method === 'GET') {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
      if (value === undefined || value === null) continue;
      search.set(name, typeof value === 'string' ? value : JSON.stringify(value));
    }
    res = await fetch(`${url}?${search}`, { headers });
  } else {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(params) });
  }
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/**
 * Ways to send a document: as text, or as an automatic persisted query (registering, by hash only, with a
 * wrong hash, with an unknown version, by its hash in capitals, by its hash with the operation name
 * joined to it as the registry of accepted operations joins them).
 */
export type DocumentForm = 'query' | 'apq-register' | 'apq-hash-only' | 'apq-wrong-hash' | 'apq-version-7' | 'apq-hash-upper' | 'apq-hash-joined';

export function paramsInForm(form: DocumentForm, query: string, operationName: string | undefined, variables: Record<string, unknown>): GraphQLParams {
  const pq = (version: number, sha256Hash: string) => ({ persistedQuery: { version, sha256Hash } });
  const hash = sha256(query);
  switch (form) {
    case 'query':
      return { query, operationName, variables };
    case 'apq-register':
      return { query, operationName, variables, extensions: pq(1, hash) };
    case 'apq-hash-only':
      return { operationName, variables, extensions: pq(1, hash) };
    case 'apq-wrong-hash':
      return { query, operationName, variables, extensions: pq(1, sha256('another document')) };
    case 'apq-version-7':
      return { query, operationName, variables, extensions: pq(7, hash) };
    case 'apq-hash-upper':
      return { operationName, variables, extensions: pq(1, hash.toUpperCase()) };
    case 'apq-hash-joined':
      return { variables, extensions: pq(1, `${hash}|${operationName ?? ''}`) };
    default:
      throw new Error(`unknown form ${String(form)}`);
  }
}

export const codeOf = (a: RawAnswer): string | undefined => a.json?.errors?.[0]?.extensions?.code ?? a.json?.error?.code;

/** An answer as it came over the wire: each header as `Name: value`, names as sent, in order. */
export interface WireAnswer {
  status: number;
  headers: string[];
  text: string;
}

/**
 * One request by node:http rather than fetch, which adds Accept and Content-Type to requests and hides
 * the answer's header spelling and order. Headers named in `omit` (lower case) are left out of the answer.
 */
export function sendRaw(
  port: number | string,
  request: { method: string; path: string; headers: Record<string, string>; body?: Buffer },
  omit: ReadonlySet<string>,
): Promise<WireAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: request.method, path: request.path, headers: request.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) if (!omit.has(res.rawHeaders[i].toLowerCase())) headers.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        resolve({ status: res.statusCode!, headers, text: Buffer.concat(chunks).toString('latin1') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(request.body);
  });
}
