// A page in headless Chromium, served from another origin than the API, calls truthgraph the way a
// frontend does: POST and GET with its key, reading the data and x-cache (exposed by CORS). The same
// page loaded from an origin not in CORS_ORIGINS is refused by the browser after a 403 preflight, and
// no query runs.
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachServer } from './client-server.js';

const chromiumPath = '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);

// The frontend: a static page with one function the test calls.
const page = `<!doctype html><html><head><meta charset="utf-8"><title>frontend</title></head><body><script>
window.callApi = async (url, key) => {
  const query = 'query BrowserProjects { projects(first: 2) { totalCount nodes { name } } }';
  const headers = { authorization: 'Bearer ' + key };
  const out = {};
  for (const round of ['first', 'second']) {
    const post = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    const get = await fetch(url + '?query=' + encodeURIComponent(query), { headers });
    out[round] = {
      post: { status: post.status, xCache: post.headers.get('x-cache'), requestId: post.headers.get('x-request-id'), body: await post.json() },
      get: { status: get.status, xCache: get.headers.get('x-cache'), body: await get.json() },
    };
  }
  return out;
};
window.tryApi = async (url, key) => {
  try {
    const res = await fetch(url, { method: 'POST', headers: { authorization: 'Bearer ' + key, 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    return { status: res.status };
  } catch (err) {
    return { refused: String(err) };
  }
};
</script></body></html>`;

let pageServer: http.Server;
let pagePort = 0;
beforeAll(async () => {
  pageServer = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page));
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  pagePort = (pageServer.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => pageServer.close(() => resolve())));

// The page is allowed as http://127.0.0.1:<port>; the same page as http://localhost:<port> is another origin.
describeEachServer('a frontend page in headless Chromium', () => ({ CORS_ORIGINS: `http://127.0.0.1:${pagePort}` }), (server) => {
  it.skipIf(!hasChromium)('POSTs and GETs queries with a key from another origin and reads x-cache; a disallowed origin is refused', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const tab = await browser.newPage();
      // What reached the API, seen by the server (Chromium does not report preflights to the page).
      const seen: { method: string; status: number; origin?: string }[] = [];
      const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
        res.on('finish', () => seen.push({ method: req.method!, status: res.statusCode, origin: req.headers.origin }));
      };
      server().app.app.httpServer.on('request', onRequest);

      await tab.goto(`http://127.0.0.1:${pagePort}/`);
      const result = await tab.evaluate(([url, key]) => (window as any).callApi(url, key), [server().url, server().key] as const);
      expect(result.first.post.status).toBe(200);
      expect(result.first.post.body.data.projects.totalCount).toBe(3);
      expect(result.first.post.xCache).toBe('MISS');
      expect(result.first.post.requestId).toMatch(/.+/);
      // The GET is the same operation: answered from the cache the POST filled.
      expect(result.first.get).toMatchObject({ status: 200, xCache: 'HIT' });
      expect(result.first.get.body).toEqual(result.first.post.body);
      expect(result.second.post).toMatchObject({ status: 200, xCache: 'HIT' });
      expect(result.second.get).toMatchObject({ status: 200, xCache: 'HIT' });
      // Preflights were answered (the key is not a simple header), then the requests themselves.
      const allowedOrigin = `http://127.0.0.1:${pagePort}`;
      expect(seen.filter((s) => s.method === 'OPTIONS').map((s) => [s.status, s.origin])).toEqual([
        [204, allowedOrigin],
        [204, allowedOrigin],
      ]);
      expect(seen.filter((s) => s.method !== 'OPTIONS').map((s) => [s.method, s.status, s.origin])).toEqual([
        ['POST', 200, allowedOrigin],
        ['GET', 200, allowedOrigin],
        ['POST', 200, allowedOrigin],
        ['GET', 200, allowedOrigin],
      ]);

      seen.length = 0;
      const executedBefore = server().app.app.cache.stats();
      await tab.goto(`http://localhost:${pagePort}/`);
      const refused = await tab.evaluate(([url, key]) => (window as any).tryApi(url, key), [server().url, server().key] as const);
      expect(refused.refused).toMatch(/Failed to fetch/);
      expect(seen).toEqual([{ method: 'OPTIONS', status: 403, origin: `http://localhost:${pagePort}` }]);
      server().app.app.httpServer.off('request', onRequest);
      const executedAfter = server().app.app.cache.stats();
      expect(executedAfter.bypasses + executedAfter.misses + executedAfter.hits).toBe(executedBefore.bypasses + executedBefore.misses + executedBefore.hits);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
