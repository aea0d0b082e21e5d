// One GraphQL-over-HTTP request as any client may send it — GET (parameters in the URL, objects
// JSON-encoded) or POST (a JSON body) — answered with status, headers and the raw body text, so tests
// can compare answers byte for byte.
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

export const codeOf = (a: RawAnswer): string | undefined => a.json?.errors?.[0]?.extensions?.code ?? a.json?.error?.code;
