// The runner's HTTP client: one keep-alive agent, a POST that retries once on a socket the server
// closed as it was reused, and the checks that read a GraphQL reply (an error, a missing feature).
import http from 'node:http';
import type { Operation } from './scenarios.js';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

// node:http rather than fetch: fetch (undici) gives up on a response whose headers take more than
// 300 s, and the baseline's nested scenario takes longer than that.
export const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

export async function post(url: string, op: Operation | { query: string; variables: Record<string, unknown> }, headers: Record<string, string> = {}): Promise<Reply> {
  const body = JSON.stringify(op);
  try {
    return await postOnce(url, body, headers);
  } catch (err) {
    // A kept-alive socket the server closed just as it was reused: retry once on a fresh one.
    if ((err as { reused?: boolean }).reused) return postOnce(url, body, headers);
    throw err;
  }
}

function postOnce(url: string, body: string, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json: any = null;
          try {
            json = JSON.parse(text);
          } catch {
            /* not JSON: reported by the caller */
          }
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
          resolve({ status: res.statusCode ?? 0, headers: h, text, json });
        });
      },
    );
    req.setTimeout(900_000, () => req.destroy(new Error('no answer within 900 s')));
    req.on('error', (err: NodeJS.ErrnoException) => {
      reject(Object.assign(err, { reused: req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE') }));
    });
    req.end(body);
  });
}

/** "Cannot query field" / unknown type or argument: the server does not have this operation. */
export function notAvailable(reply: Reply): string | null {
  const e = reply.json?.errors?.[0];
  if (!e) return null;
  const code = e.extensions?.code;
  if (code === 'GRAPHQL_VALIDATION_FAILED' && /Cannot query field|Unknown type|Unknown argument/.test(e.message)) return e.message;
  return null;
}

/** A schema without a Mutation type fails even `mutation { __typename }` (masked as an internal error). */
export async function mutationsMissing(url: string, headers: Record<string, string>): Promise<string | null> {
  const reply = await post(url, { query: 'mutation MutationProbe { __typename }', variables: {} }, headers);
  return reply.json?.data?.__typename === 'Mutation' ? null : 'the schema has no Mutation type';
}

export function errorOf(reply: Reply): string | null {
  if (reply.status !== 200) return `HTTP ${reply.status}: ${reply.text.slice(0, 300)}`;
  if (reply.json?.errors?.length) return JSON.stringify(reply.json.errors).slice(0, 300);
  return null;
}
