// The load wrapper's bookkeeping: the warm-up is sent but not counted, every measured answer is
// counted once, and the statement and cache headers are tallied per response.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measure, percentile } from '../../bench/measure.js';

describe('measure', () => {
  let server: http.Server;
  let url: string;
  let served = 0;
  const body = JSON.stringify({ data: { ok: true, pad: 'x'.repeat(1000) } });

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        served++;
        res.writeHead(200, { 'content-type': 'application/json', 'x-sql-statements': '3', 'x-cache': served % 2 ? 'HIT' : 'MISS' });
        res.end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('counts measured answers only, with their headers and body size', async () => {
    const r = await measure({ url, requests: [{ body: '{"query":"{ ok }"}' }], concurrency: 2, durationS: 0.5, warmupS: 0.3 });
    expect(r.requests).toBeGreaterThan(10);
    expect(served).toBeGreaterThan(r.requests);
    expect(r.statementsPerRequest).toBe(3);
    expect(r.cache!.hit + r.cache!.miss).toBeGreaterThanOrEqual(r.requests);
    expect(r.bytesPerResponse).toBeGreaterThanOrEqual(body.length);
    expect(r.bytesPerResponse).toBeLessThan(body.length * 1.1);
    expect(r.p50).toBeGreaterThan(0);
    expect(r.p99).toBeGreaterThanOrEqual(r.p50);
    expect(r.non2xx).toBe(0);
  });
});

describe('percentile', () => {
  it('takes the nearest rank of a sorted sample', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(Number.isNaN(percentile([], 50))).toBe(true);
  });
});
