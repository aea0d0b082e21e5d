// Load generation (autocannon) and its bookkeeping: a fixed concurrency for a fixed duration after a discarded warm-up,
// with latencies kept at sub-millisecond precision (autocannon's own histogram rounds to whole ms,
// too coarse for 1 ms answers) and the x-cache / x-sql-statements headers tallied per response.
import autocannon from 'autocannon';
import { cpuPerRequest, type CpuSample, type CpuUse } from './cpu.js';

export interface Request {
  method?: 'GET' | 'POST';
  /** Path relative to the server URL's origin (defaults to the URL's own path). */
  path?: string;
  body?: string;
  headers?: Record<string, string>;
}

export interface LoadResult {
  concurrency: number;
  durationS: number;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Mean response body bytes (autocannon counts headers too; this is the body as sent). */
  bytesPerResponse: number;
  /** Mean x-sql-statements over responses that carried it, or null. */
  statementsPerRequest: number | null;
  cache: { hit: number; miss: number; bypass: number } | null;
  /** CPU per request of the server and its PostgreSQL backends over the measured window (bench/cpu.ts). */
  cpu?: CpuUse | null;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** The middle value, or the mean of the two middle values of an even count. */
export function median(xs: number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export interface LoadOptions {
  url: string;
  /** One request, or a list autocannon cycles through. */
  requests: Request[];
  concurrency: number;
  durationS: number;
  warmupS: number;
  timeoutS?: number;
  /**
   * Waits until the server has finished the requests autocannon abandoned when a window closed
   * (up to `concurrency` of them), so they do not eat into the next window.
   */
  settle?: () => Promise<void>;
  /** Samples CPU use right before and right after the measured window. */
  cpu?: { sample(): Promise<CpuSample> };
}

function headerValue(raw: unknown[], name: string): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (String(raw[i]).toLowerCase() === name) return String(raw[i + 1]);
  }
  return undefined;
}

async function once(opts: LoadOptions, durationS: number, record: boolean): Promise<LoadResult> {
  const latencies: number[] = [];
  let bodyBytes = 0;
  let statements = 0;
  let withStatements = 0;
  const cache = { hit: 0, miss: 0, bypass: 0 };
  let sawCache = false;
  const origin = new URL(opts.url);
  const instance = autocannon({
    url: opts.url,
    connections: opts.concurrency,
    duration: durationS,
    timeout: opts.timeoutS ?? 60,
    // One HTTP/1.1 connection per virtual client, each sending its next request after the answer.
    pipelining: 1,
    requests: opts.requests.map((r) => ({
      method: r.method ?? 'POST',
      path: r.path ?? origin.pathname,
      body: r.body,
      headers: { 'content-type': 'application/json', ...r.headers },
    })),
    setupClient: (client: any) => {
      if (!record) return;
      client.on('headers', (h: { headers: unknown[] }) => {
        const s = headerValue(h.headers, 'x-sql-statements');
        if (s !== undefined) {
          statements += Number(s);
          withStatements++;
        }
        const c = headerValue(h.headers, 'x-cache');
        if (c) {
          sawCache = true;
          if (c === 'HIT') cache.hit++;
          else if (c === 'MISS') cache.miss++;
          else cache.bypass++;
        }
      });
      client.on('body', (b: Buffer) => {
        bodyBytes += b.length;
      });
    },
  } as autocannon.Options) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  if (record) {
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      latencies.push(responseTime);
    });
  }
  const result = await instance;
  latencies.sort((a, b) => a - b);
  const n = latencies.length;
  return {
    concurrency: opts.concurrency,
    durationS,
    requests: n,
    rps: n / durationS,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    mean: n ? latencies.reduce((a, b) => a + b, 0) / n : NaN,
    max: n ? latencies[n - 1] : NaN,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    bytesPerResponse: n ? Math.round(bodyBytes / n) : 0,
    statementsPerRequest: withStatements ? statements / withStatements : null,
    cache: sawCache ? cache : null,
  };
}

/** Warm-up (discarded), then the measured run. */
export async function measure(opts: LoadOptions): Promise<LoadResult> {
  if (opts.warmupS > 0) {
    await once(opts, opts.warmupS, false);
    await opts.settle?.();
  }
  const before = await opts.cpu?.sample();
  const result = await once(opts, opts.durationS, true);
  const after = await opts.cpu?.sample();
  await opts.settle?.();
  return before && after ? { ...result, cpu: cpuPerRequest(before, after, result.requests) } : result;
}

/**
 * A bounded sequential measurement for operations too slow for a timed autocannon run (the baseline's
 * unindexed scans): at most `maxRequests`, stopping early once `budgetMs` is spent.
 */
export async function measureSlow(
  send: () => Promise<{ ok: boolean; bytes: number; statements: number | null }>,
  maxRequests: number,
  budgetMs: number,
  /** Latency of a first request already made by the caller (its send() then returns that reply). */
  firstMs?: number,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let bytes = 0;
  let statements = 0;
  let withStatements = 0;
  let non2xx = 0;
  const started = performance.now();
  while (latencies.length < maxRequests && (latencies.length === 0 || performance.now() - started < budgetMs)) {
    const t = performance.now();
    const r = await send();
    latencies.push(latencies.length === 0 && firstMs !== undefined ? firstMs : performance.now() - t);
    if (!r.ok) non2xx++;
    bytes += r.bytes;
    if (r.statements !== null) {
      statements += r.statements;
      withStatements++;
    }
  }
  // A caller's first request ran before `started`.
  const elapsedS = (performance.now() - started + (firstMs ?? 0)) / 1000;
  latencies.sort((a, b) => a - b);
  const n = latencies.length;
  return {
    concurrency: 1,
    durationS: elapsedS,
    requests: n,
    rps: n / elapsedS,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    mean: latencies.reduce((a, b) => a + b, 0) / n,
    max: latencies[n - 1],
    non2xx,
    errors: 0,
    timeouts: 0,
    bytesPerResponse: Math.round(bytes / n),
    statementsPerRequest: withStatements ? statements / withStatements : null,
    cache: null,
  };
}
