// Refresh-ahead (src/cache/refresh-ahead.ts): after a write drops an entry readers hit often, the entry
// is recomputed for the scope it was computed for, so the next reader hits — and what it hits is what an
// uncached execution answers now. Every wait is on the refresher's 'idle' or the store gate, not on time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { describeEachDatabase } from '../support/databases.js';
import { insertProject, insertVideo } from '../support/factories.js';
import { createTestApp, dataOf, type GraphQLResponse, type TestApp } from '../support/test-app.js';
import { asMember, cacheKinds, scopeFromHeader, storeGate } from './cache-fixtures.js';

const xcache = (r: GraphQLResponse) => r.headers.get('x-cache');

const videoQuery = /* GraphQL */ `
  query RefreshVideo($id: ID!) { video(id: $id) { id processingStatus groundTruthCount } }
`;
const setProcessing = /* GraphQL */ `
  mutation RefreshWrite($id: ID!, $p: String) { updateVideo(id: $id, input: { processingStatus: $p }) { id } }
`;

describeEachDatabase('refresh-ahead', (database) => {
  for (const kind of cacheKinds('refresh-ahead')) {
    describe(`${kind.name} store`, () => {
      let app: TestApp;
      let uncached: TestApp;
      let db: Db;
      const gate = storeGate();
      // Resolved when a reader's miss starts waiting for a running recomputation of its key.
      let onWait: (() => void) | undefined;
      const waiting = () => new Promise<void>((r) => (onWait = r));

      beforeAll(async () => {
        db = database().db;
        const env = { ...kind.env, CACHE_REFRESH_AHEAD: '2', CACHE_REFRESH_MIN_HITS: '2' };
        app = await createTestApp(db, env, { scopeFor: scopeFromHeader, cacheHooks: { ...gate.hooks, waitingForRefresh: () => onWait?.() } });
        uncached = await createTestApp(db, {}, { scopeFor: scopeFromHeader });
      });
      afterAll(async () => {
        await app?.close();
        await uncached?.close();
        await kind.cleanup();
      });

      const refresher = () => app.app.cache.refreshAhead!;
      async function write(id: string, p: string, as = {}) {
        const r = await app.execute(setProcessing, { id, p }, as);
        expect(r.body.errors).toBeUndefined();
      }
      /** Reads until the entry was hit `hits` times (the first read stores it). */
      async function warm(id: string, hits: number, as = {}) {
        expect(xcache(await app.execute(videoQuery, { id }, as))).toBe('MISS');
        for (let i = 0; i < hits; i++) expect(xcache(await app.execute(videoQuery, { id }, as))).toBe('HIT');
      }

      it('recomputes a hot entry after the write that dropped it: the next reader hits what an uncached execution answers', async () => {
        const projectId = await insertProject(db);
        const id = await insertVideo(db, projectId);
        await warm(id, 2);
        await write(id, 'hot-1');
        await refresher().idle();
        const next = await app.execute(videoQuery, { id });
        expect(xcache(next)).toBe('HIT');
        expect(dataOf(next).video.processingStatus).toBe('hot-1');
        expect(next.body).toEqual((await uncached.execute(videoQuery, { id })).body);
      });

      it('leaves an entry hit fewer than CACHE_REFRESH_MIN_HITS times to its next reader', async () => {
        const projectId = await insertProject(db);
        const id = await insertVideo(db, projectId);
        await warm(id, 1);
        await write(id, 'cold-1');
        await refresher().idle();
        const next = await app.execute(videoQuery, { id });
        expect(xcache(next)).toBe('MISS');
        expect(dataOf(next).video.processingStatus).toBe('cold-1');
      });

      it('refuses to store a recomputation that a later write overtook', async () => {
        const projectId = await insertProject(db);
        const id = await insertVideo(db, projectId);
        await warm(id, 2);
        const refused = app.app.cache.stats().staleStoresRefused;
        const held = gate.arm();
        await write(id, 'first');
        // The recomputation has read 'first' and waits just before its store.
        await held.reached;
        await write(id, 'second');
        held.release();
        await refresher().idle();
        expect(app.app.cache.stats().staleStoresRefused).toBe(refused + 1);
        const next = await app.execute(videoQuery, { id });
        expect(xcache(next)).toBe('MISS');
        expect(dataOf(next).video.processingStatus).toBe('second');
      });

      it('makes a reader that misses while the recomputation runs wait for it and hit what it stored, executing nothing', async () => {
        const projectId = await insertProject(db);
        const id = await insertVideo(db, projectId);
        const other = await insertVideo(db, await insertProject(db));
        await warm(id, 2);
        const waits = app.app.cache.stats().refreshWaits;
        const held = gate.arm();
        await write(id, 'joined');
        await held.reached;
        // A write elsewhere moves the snapshot on, so the reader cannot join the recomputation's flight
        // by snapshot: it must find the running recomputation itself.
        await write(other, 'elsewhere');
        const waited = waiting();
        const reader = app.execute(videoQuery, { id });
        await waited;
        held.release();
        const r = await reader;
        expect(xcache(r)).toBe('HIT');
        expect(r.headers.get('x-sql-statements')).toBe('0');
        expect(app.app.cache.stats().refreshWaits).toBe(waits + 1);
        expect(dataOf(r).video.processingStatus).toBe('joined');
        expect(r.body).toEqual((await uncached.execute(videoQuery, { id })).body);
        await refresher().idle();
      });

      it('makes a reader that waited for a recomputation a later write overtook compute the newer answer itself', async () => {
        const projectId = await insertProject(db);
        const id = await insertVideo(db, projectId);
        const other = await insertVideo(db, await insertProject(db));
        await warm(id, 2);
        const held = gate.arm();
        await write(id, 'overtaken');
        await held.reached;
        await write(other, 'elsewhere');
        const waited = waiting();
        const reader = app.execute(videoQuery, { id });
        await waited;
        await write(id, 'newer');
        held.release();
        const r = await reader;
        expect(xcache(r)).toBe('MISS');
        expect(dataOf(r).video.processingStatus).toBe('newer');
        await refresher().idle();
        const next = await app.execute(videoQuery, { id });
        expect(next.body).toEqual((await uncached.execute(videoQuery, { id })).body);
      });

      it('recomputes each scope with its own access and never serves one to another', async () => {
        const a = await insertProject(db);
        const b = await insertProject(db);
        const id = await insertVideo(db, a);
        const readerA = asMember(a);
        const readerB = asMember(b);
        await warm(id, 2, readerA);
        await warm(id, 2, readerB);
        await write(id, 'scoped');
        await refresher().idle();
        const seenByA = await app.execute(videoQuery, { id }, readerA);
        const seenByB = await app.execute(videoQuery, { id }, readerB);
        expect([xcache(seenByA), xcache(seenByB)]).toEqual(['HIT', 'HIT']);
        expect(dataOf(seenByA).video.processingStatus).toBe('scoped');
        expect(dataOf(seenByB).video).toBeNull();
        expect(seenByA.body).toEqual((await uncached.execute(videoQuery, { id }, readerA)).body);
        expect(seenByB.body).toEqual((await uncached.execute(videoQuery, { id }, readerB)).body);
      });
    });
  }
});
