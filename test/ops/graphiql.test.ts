// GraphiQL served by truthgraph itself: the page and every asset come from this server (works
// offline), Apollo's CSRF prevention still guards operations, and a real headless Chromium can load
// the page, type a query into the editor, run it and see the result.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { insertProject } from '../support/factories.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const chromiumPath = '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);

let database: TestDatabase;
let app: TestApp;
let origin: string;
beforeAll(async () => {
  database = await createTestDatabase('pglite');
  await insertProject(database.db, { name: 'Browser Project Alpha' });
  await insertProject(database.db, { name: 'Browser Project Beta' });
  // Development open mode (loopback, no API key yet): what a developer opening GraphiQL locally gets.
  app = await createTestApp(database.db, { NODE_ENV: 'development' }, { adminKey: false });
  origin = new URL(app.url).origin;
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

const browserAccept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('GET /graphql from a browser', () => {
  it('serves the GraphiQL page whose scripts and styles all come from this server', async () => {
    const res = await fetch(app.url, { headers: { accept: browserAccept } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(refs).toHaveLength(6);
    for (const ref of refs) {
      expect(ref.startsWith('/graphiql/assets/')).toBe(true);
      const asset = await fetch(origin + ref);
      expect(asset.status).toBe(200);
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(20);
    }
  });

  it('serves only the allow-listed asset files', async () => {
    for (const path of ['/graphiql/assets/package.json', '/graphiql/assets/constructor', '/graphiql/assets/..%2F..%2Fpackage.json']) {
      expect((await fetch(origin + path)).status).toBe(404);
    }
  });

  it('keeps GraphQL over GET behind CSRF prevention and never executes from the HTML route', async () => {
    const plainGet = await fetch(`${app.url}?query=${encodeURIComponent('{ projects(first: 1) { totalCount } }')}`, { headers: { accept: 'application/json' } });
    expect(plainGet.status).toBe(400);
    expect(await plainGet.text()).toContain('CSRF');
    const simplePost = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"query":"{ projects(first: 1) { totalCount } }"}' });
    expect(simplePost.status).toBe(400);
    const jsonPost = await app.execute(`{ projects(first: 1) { totalCount } }`);
    expect(jsonPost.body.data.projects.totalCount).toBe(2);
  });

  it('is off when GRAPHIQL=false: a browser GET reaches Apollo, which serves no page', async () => {
    const off = await createTestApp(database.db, { GRAPHIQL: 'false', NODE_ENV: 'development' }, { adminKey: false });
    try {
      const res = await fetch(off.url, { headers: { accept: browserAccept } });
      expect(res.headers.get('content-type') ?? '').not.toContain('text/html');
      expect((await fetch(`${new URL(off.url).origin}/graphiql/assets/graphiql.min.js`)).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});

describe.skipIf(!hasChromium)(`GraphiQL in headless Chromium (needs ${chromiumPath}; CI installs the Debian chromium package)`, () => {
  it('loads offline, runs a query typed into the editor and shows the result, with docs, history and headers', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage();
      const foreign: string[] = [];
      const pageErrors: string[] = [];
      // Offline: any request that is not to this server is recorded and refused.
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith(origin + '/') || url.startsWith('data:')) return route.continue();
        foreign.push(url);
        return route.abort();
      });
      page.on('pageerror', (err) => pageErrors.push(err.message));
      await page.goto(app.url, { waitUntil: 'load' });
      const editor = page.locator('.graphiql-query-editor .CodeMirror');
      await editor.waitFor({ state: 'visible', timeout: 20_000 });

      // Sidebar plugins and the headers editor are there.
      await expect(page.locator('button[aria-label="Show Documentation Explorer"]').count()).resolves.toBe(1);
      await expect(page.locator('button[aria-label="Show History"]').count()).resolves.toBe(1);
      const headersButton = page.getByRole('button', { name: 'Headers', exact: true });
      await expect(headersButton.count()).resolves.toBe(1);

      // Headers typed into the headers editor travel with the request.
      const sentHeaders: Record<string, string>[] = [];
      page.on('request', (req) => {
        if (req.method() === 'POST' && req.url() === app.url) sentHeaders.push(req.headers());
      });
      await headersButton.click();
      const headersEditor = page.locator('.graphiql-editor-tool .CodeMirror').last();
      await headersEditor.click();
      await page.keyboard.type('{"x-request-id": "from-graphiql"}', { delay: 5 });

      // Replace the default query by typing (GraphiQL auto-closes braces; typing the closers steps over them).
      await editor.click();
      await page.keyboard.press('Control+A');
      await page.keyboard.press('Backspace');
      await page.keyboard.type('query BrowserRun { projects(first: 5) { totalCount nodes { name } } }', { delay: 5 });
      await page.keyboard.press('Escape'); // close an autocomplete popup if one is open
      await page.locator('button.graphiql-execute-button').click();

      const result = page.locator('.graphiql-response .CodeMirror');
      await expect
        .poll(async () => (await result.textContent()) ?? '', { timeout: 15_000 })
        .toContain('Browser Project Beta');
      const text = (await result.textContent()) ?? '';
      expect(text).toContain('"totalCount": 2');
      expect(text).toContain('Browser Project Alpha');
      expect(sentHeaders.at(-1)?.['x-request-id']).toBe('from-graphiql');

      // The run is in the history panel.
      await page.locator('button[aria-label="Show History"]').click();
      await expect.poll(async () => page.locator('.graphiql-history-item').count(), { timeout: 5_000 }).toBeGreaterThan(0);

      // The schema explorer shows the root type's fields (introspection runs through the same fetcher).
      await page.locator('button[aria-label="Show Documentation Explorer"]').click();
      const docs = page.locator('.graphiql-doc-explorer');
      await expect.poll(async () => (await docs.textContent()) ?? '', { timeout: 5_000 }).toContain('Query');
      await docs.getByText('Query', { exact: true }).first().click();
      await expect.poll(async () => (await docs.textContent()) ?? '', { timeout: 5_000 }).toContain('testSession');

      expect(foreign).toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
