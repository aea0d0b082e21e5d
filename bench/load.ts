// A bounded closed-loop load generator over real HTTP: `clients` loops, each sending one request at a
// time until the time or the request budget runs out. Every request is recorded (start, end, status,
// error code), so fault scripts can say exactly which requests failed, when, and how fast.
export interface RequestRecord {
  start: number;
  end: number;
  status: number;
  /** extensions.code of the first error, 'NETWORK' when no HTTP answer came, null on success. */
  code: string | null;
  /** The response's x-cache header (HIT, MISS, BYPASS), null without one. */
  cache: string | null;
  /** Which request of a load run this was (the `i` its body was made for). */
  index?: number;
  /** Why no HTTP answer came (code 'NETWORK'): the fetch error's cause. */
  error?: string;
}

export interface LoadOptions {
  url: string;
  key: string;
  clients: number;
  durationMs: number;
  /** Hard cap on requests, whatever the duration. */
  maxRequests?: number;
  /** Per-request timeout; a request without an answer by then counts as lost ('NETWORK'). */
  timeoutMs?: number;
  body: (i: number) => { query: string; variables?: Record<string, unknown> };
  headers?: Record<string, string>;
  /** Sees every answer as it arrives, with its parsed body (fault scripts read values from it). */
  onAnswer?: (record: RequestRecord, json: any) => void;
  /** Ends the run early, checked before each request. */
  until?: () => boolean;
  /** Every client sends its first request whatever the clock says (n clients means n concurrent requests). */
  eachClientOnce?: boolean;
}

export async function sendOnce(url: string, key: string, body: unknown, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<RequestRecord & { json: any }> {
  const start = performance.now();
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const json = await res.json().catch(() => ({}));
    const code = json?.errors?.[0]?.extensions?.code ?? (res.status === 200 ? null : `HTTP_${res.status}`);
    return { start, end: performance.now(), status: res.status, code, cache: res.headers.get('x-cache'), json };
  } catch (err) {
    const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
    const error = cause?.code ?? cause?.message ?? (err as Error).name ?? String(err);
    return { start, end: performance.now(), status: 0, code: 'NETWORK', cache: null, json: null, error };
  }
}

export async function runLoad(o: LoadOptions): Promise<RequestRecord[]> {
  const records: RequestRecord[] = [];
  const deadline = performance.now() + o.durationMs;
  const max = o.maxRequests ?? Number.MAX_SAFE_INTEGER;
  let issued = 0;
  await Promise.all(
    Array.from({ length: o.clients }, async () => {
      for (let first = o.eachClientOnce ?? false; first || (performance.now() < deadline && issued < max && !o.until?.()); first = false) {
        const i = issued++;
        const { json, ...r } = await sendOnce(o.url, o.key, o.body(i), o.headers, o.timeoutMs);
        const record = { ...r, index: i };
        records.push(record);
        o.onAnswer?.(record, json);
      }
    }),
  );
  return records;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function summarize(records: RequestRecord[]) {
  const lat = records.map((r) => r.end - r.start).sort((a, b) => a - b);
  const byCode: Record<string, number> = {};
  for (const r of records) {
    const code = r.code === 'NETWORK' && r.error ? `NETWORK ${r.error}` : r.code;
    if (code) byCode[code] = (byCode[code] ?? 0) + 1;
  }
  return {
    sent: records.length,
    ok: records.filter((r) => r.code === null).length,
    failed: records.filter((r) => r.code !== null).length,
    byCode,
    p50Ms: Math.round(percentile(lat, 50)),
    p99Ms: Math.round(percentile(lat, 99)),
    maxMs: Math.round(lat[lat.length - 1] ?? NaN),
  };
}
