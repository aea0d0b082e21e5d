// Automatic persisted queries (hash → document in Redis, or in-process without it), over POST and
// GET, and trusted-documents mode, where only operations of the codegen manifest run.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { print } from 'graphql';
import * as typedDocuments from '../../operations/__generated__/graphql.js';
import { VideoListDocument, VideoGroundTruthDocument } from '../../operations/__generated__/graphql.js';
import type { Db } from '../../src/db/client.js';
import { describeEachDatabase } from '../support/databases.js';
import { insertGroundTruth, insertProject, insertVideo } from '../support/factories.js';
import { redisUrl, removePrefix, uniquePrefix } from '../support/redis.js';
import { sendGraphQL } from '../support/http-request.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { cacheKinds, patientRedis } from './cache-fixtures.js';

const manifest: Record<string, string> = JSON.parse(
  readFileSync(new URL('../../operations/__generated__/persisted-documents.json', import.meta.url), 'utf8'),
);
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

interface RawResponse {
  status: number;
  headers: Headers;
  body: { data?: any; errors?: { message: string; extensions?: Record<string, any> }[] };
}

/** A GraphQL request the way a persisted-query client sends it, by POST or by GET. */
async function send(
  app: TestApp,
  req: { method?: 'GET' | 'POST'; query?: string; hash?: string; variables?: Record<string, unknown>; headers?: Record<string, string> },
): Promise<RawResponse> {
  const url = app.url;
  const authorization = `Bearer ${app.adminKey}`;
  const extensions = req.hash ? { persistedQuery: { version: 1, sha256Hash: req.hash } } : undefined;
  let res: Response;
  if (req.method === 'GET') {
    const params = new URLSearchParams();
    if (req.query) params.set('query', req.query);
    if (req.variables) params.set('variables', JSON.stringify(req.variables));
    if (extensions) params.set('extensions', JSON.stringify(extensions));
    res = await fetch(`${url}?${params}`, { headers: { 'apollo-require-preflight': '1', authorization, ...req.headers } });
  } else {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization, ...req.headers },
      body: JSON.stringify({ query: req.query, variables: req.variables, extensions }),
    });
  }
  return { status: res.status, headers: res.headers, body: await res.json() };
}

const codeOf = (r: RawResponse) => r.body.errors?.[0]?.extensions?.code;

async function seed(db: Db) {
  const projectId = await insertProject(db);
  const videoId = await insertVideo(db, projectId);
  await insertGroundTruth(db, videoId, [{ frame_number: 1, confidence: 0.9 }, { frame_number: 2, confidence: 0.4 }]);
  return { projectId, videoId };
}

describeEachDatabase('persisted queries', (database) => {
  for (const kind of cacheKinds('apq')) {
    describe(`automatic persisted queries [${kind.name}]`, () => {
      let app: TestApp;
      let other: TestApp;
      let ids: { projectId: string; videoId: string };
      beforeAll(async () => {
        ids = await seed(database().db);
        app = await createTestApp(database().db, kind.env);
        other = await createTestApp(database().db, kind.env);
      });
      afterAll(async () => {
        await app?.close();
        await other?.close();
        await kind.cleanup();
      });

      it('registers a document on first use and then runs it by hash, over POST and GET', async () => {
        // A per-run document so that an earlier run never registered it.
        const query = `query ApqRoundTrip($projectId: ID!) { project(id: $projectId) { id name } } # ${Math.random()}`;
        const hash = sha256(query);
        const variables = { projectId: ids.projectId };

        const unknown = await send(app, { hash, variables });
        expect(codeOf(unknown)).toBe('PERSISTED_QUERY_NOT_FOUND');

        const registered = await send(app, { hash, query, variables });
        expect(registered.status).toBe(200);
        expect(registered.body.data.project.id).toBe(ids.projectId);

        // Apollo stores the registration without awaiting it; give it a moment.
        await new Promise((r) => setTimeout(r, 50));
        const byHash = await send(app, { hash, variables });
        expect(byHash.body.errors).toBeUndefined();
        expect(byHash.body.data.project.id).toBe(ids.projectId);

        const byGet = await send(app, { method: 'GET', hash, variables });
        expect(byGet.status).toBe(200);
        expect(byGet.body.data.project.id).toBe(ids.projectId);
        expect(byGet.headers.get('x-cache')).toBe('HIT');

        // Shared store: with Redis another instance knows the hash; in-process it does not.
        const elsewhere = await send(other, { hash, variables });
        if (kind.name === 'redis') expect(elsewhere.body.data.project.id).toBe(ids.projectId);
        else expect(codeOf(elsewhere)).toBe('PERSISTED_QUERY_NOT_FOUND');

        // The hash-only POST is now a body the fast path keyed: its next hit is answered from its text.
        const knownBefore = app.app.cache.stats().knownBodyHits;
        const again = await send(app, { hash, variables });
        expect(again.headers.get('x-cache')).toBe('HIT');
        expect(app.app.cache.stats().knownBodyHits).toBe(knownBefore + 1);

        if (kind.name === 'redis') {
          // The registration expires (or is evicted) while the response is still cached: the hash
          // alone is unknown again, as Apollo says, and the cache's fast path does not answer it —
          // neither from the known body nor from its parameters.
          const redis = new Redis(redisUrl!);
          try {
            await redis.del(`${kind.env.REDIS_KEY_PREFIX}apq:${hash}`);
          } finally {
            redis.disconnect();
          }
          for (const method of ['POST', 'GET'] as const) {
            const expired = await send(app, { method, hash, variables });
            expect(codeOf(expired)).toBe('PERSISTED_QUERY_NOT_FOUND');
            expect(expired.headers.get('x-cache')).not.toBe('HIT');
          }
          expect(app.app.cache.stats().knownBodyHits).toBe(knownBefore + 1);
        }
      });

      // A large page's hits are served from the process's copy (Redis); a hash-only request whose
      // registration is gone falls through to Apollo, and so is neither a hit nor a local-copy hit.
      it.runIf(kind.name === 'redis')('counts a local-copy hit only when it serves one', async () => {
        const videoId = await insertVideo(database().db, ids.projectId);
        await insertGroundTruth(database().db, videoId, Array.from({ length: 400 }, (_, i) => ({ frame_number: i + 1, confidence: 0.9 })));
        const query = `${print(VideoGroundTruthDocument)}\n# ${Math.random()}`;
        const hash = sha256(query);
        const variables = { videoId, first: 400 };
        const stats = () => app.app.cache.stats();
        const redis = new Redis(redisUrl!);
        const registration = `${kind.env.REDIS_KEY_PREFIX}apq:${hash}`;
        try {
          expect((await send(app, { hash, query, variables })).headers.get('x-cache')).toBe('MISS');
          // Apollo stores the registration without awaiting it.
          await vi.waitFor(async () => expect(await redis.exists(registration)).toBe(1), { timeout: 5000 });
          // The first hit reads the body from Redis and keeps it; the next ones serve the copy.
          expect((await send(app, { hash, variables })).headers.get('x-cache')).toBe('HIT');
          const before = stats();
          for (let i = 0; i < 2; i++) {
            const hit = await send(app, { hash, variables });
            expect(hit.headers.get('x-cache')).toBe('HIT');
            expect(hit.body.data.video.groundTruth.totalCount).toBe(400);
            expect(JSON.stringify(hit.body).length).toBeGreaterThan(16 * 1024);
          }
          expect(stats().localCopyHits).toBe(before.localCopyHits + 2);
          await redis.del(registration);
          const served = stats();
          for (const method of ['POST', 'GET'] as const) {
            const expired = await send(app, { method, hash, variables });
            expect(codeOf(expired)).toBe('PERSISTED_QUERY_NOT_FOUND');
          }
          expect(stats().hits).toBe(served.hits);
          expect(stats().localCopyHits).toBe(served.localCopyHits);
        } finally {
          redis.disconnect();
        }
      });

      it('rejects a hash that does not match the document', async () => {
        const res = await send(app, { hash: sha256('something else'), query: '{ __typename }' });
        expect(res.status).toBe(400);
        expect(codeOf(res)).toBe('PERSISTED_QUERY_HASH_MISMATCH');
        expect(res.body.data).toBeUndefined();
      });

      it('runs a GET that carries the API key but no preflight header (no simple request can carry Authorization)', async () => {
        const res = await send(app, { method: 'GET', query: '{ __typename }', headers: { 'apollo-require-preflight': '' } });
        expect(res.status).toBe(200);
        expect(res.body.data).toEqual({ __typename: 'Query' });
      });
    });
  }

  describe('the manifest', () => {
    // What Apollo's PersistedQueryLink and urql's persisted exchange hash and send by default for a
    // typed document (test/clients/ runs them with the typed documents).
    it('holds each typed document as printed, keyed by the sha256 of that text, with __typename in every selection set', () => {
      const documents = Object.entries(typedDocuments).filter(([name]) => name.endsWith('Document'));
      expect(documents.length).toBe(Object.keys(manifest).length);
      for (const [name, document] of documents) {
        const text = print(document as never);
        expect(manifest[sha256(text)], name).toBe(text);
        expect(text.match(/\{/g)!.length, name).toBe(text.match(/\{\n\s*__typename\n/g)!.length);
      }
    });
  });

  describe('the manifest outside trusted mode', () => {
    let app: TestApp;
    let ids: { projectId: string; videoId: string };
    beforeAll(async () => {
      ids = await seed(database().db);
      app = await createTestApp(database().db, { CACHE: 'on' });
    });
    afterAll(() => app?.close());

    it('is registered from the start: its hashes run alone on the first request, by APQ extension or documentId', async () => {
      const videoList = sha256(print(VideoListDocument));
      const byHash = await send(app, { method: 'GET', hash: videoList, variables: { projectId: ids.projectId } });
      expect(byHash.status).toBe(200);
      expect(byHash.body.data.project.videos.totalCount).toBe(1);
      const byId = await sendGraphQL(app.url, 'POST', { documentId: `sha256:${videoList}`, variables: { projectId: ids.projectId, first: 5 } }, { authorization: `Bearer ${app.adminKey}` });
      expect(byId.json.data.project.videos.totalCount).toBe(1);
      // Raw documents still run outside trusted mode.
      expect((await send(app, { query: '{ __typename }' })).body.data).toEqual({ __typename: 'Query' });
    });
  });

  describe('trusted documents only', () => {
    let app: TestApp;
    let ids: { projectId: string; videoId: string };
    const videoList = sha256(print(VideoListDocument));
    const groundTruth = sha256(print(VideoGroundTruthDocument));
    const trustedPrefix = uniquePrefix('trusted');
    beforeAll(async () => {
      ids = await seed(database().db);
      app = await createTestApp(database().db, {
        CACHE: 'on',
        TRUSTED_DOCUMENTS_ONLY: 'true',
        ...(redisUrl ? { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: trustedPrefix, ...patientRedis } : {}),
      });
    });
    afterAll(async () => {
      await app?.close();
      if (redisUrl) await removePrefix(redisUrl, trustedPrefix);
    });

    it('runs a manifest operation by hash alone over POST, and caches it', async () => {
      expect(Object.keys(manifest)).toContain(videoList);
      const first = await send(app, { hash: videoList, variables: { projectId: ids.projectId } });
      expect(first.body.errors).toBeUndefined();
      expect(first.body.data.project.videos.totalCount).toBe(1);
      expect(first.headers.get('x-cache')).toBe('MISS');
      const again = await send(app, { hash: videoList, variables: { projectId: ids.projectId } });
      expect(again.headers.get('x-cache')).toBe('HIT');
    });

    it('runs a manifest operation by hash over GET', async () => {
      const res = await send(app, { method: 'GET', hash: groundTruth, variables: { videoId: ids.videoId, minConfidence: 0 } });
      expect(res.status).toBe(200);
      expect(res.body.data.video.groundTruth.totalCount).toBe(2);
    });

    it('accepts the manifest string sent with its hash', async () => {
      const res = await send(app, { hash: videoList, query: manifest[videoList], variables: { projectId: ids.projectId } });
      expect(res.body.data.project.id).toBe(ids.projectId);
    });

    it('rejects a raw document with PERSISTED_QUERY_NOT_TRUSTED, even the text of a trusted one', async () => {
      for (const query of ['{ __typename }', manifest[videoList]]) {
        for (const method of ['POST', 'GET'] as const) {
          const res = await send(app, { method, query, variables: { projectId: ids.projectId } });
          expect(res.status).toBe(400);
          expect(codeOf(res)).toBe('PERSISTED_QUERY_NOT_TRUSTED');
          expect(res.body.data).toBeUndefined();
        }
      }
    });

    it('runs a manifest operation named by the GraphQL-over-HTTP documentId form, over POST and GET', async () => {
      for (const method of ['POST', 'GET'] as const) {
        const res = await sendGraphQL(app.url, method, { documentId: `sha256:${videoList}`, variables: { projectId: ids.projectId } }, { authorization: `Bearer ${app.adminKey}` });
        expect(res.status).toBe(200);
        expect(res.json.data.project.videos.totalCount).toBe(1);
      }
      const unknown = await sendGraphQL(app.url, 'POST', { documentId: `sha256:${sha256('query X { __typename }')}` }, { authorization: `Bearer ${app.adminKey}` });
      expect(unknown.status).toBe(400);
      expect(unknown.json.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_TRUSTED');
      expect(unknown.json.errors[0].extensions).not.toHaveProperty('http');
    });

    it('rejects an unknown hash, and a trusted hash sent with another document', async () => {
      const unknown = await send(app, { hash: sha256('query X { __typename }'), query: 'query X { __typename }' });
      expect(codeOf(unknown)).toBe('PERSISTED_QUERY_NOT_TRUSTED');
      const swapped = await send(app, { hash: videoList, query: '{ projects(first: 1) { totalCount } }' });
      expect(swapped.status).toBe(400);
      expect(swapped.body.data).toBeUndefined();
    });
  });
});
