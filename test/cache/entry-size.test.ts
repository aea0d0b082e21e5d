// A single cached entry is bounded (CACHE_MAX_ENTRY_BYTES): a larger answer is served in full, every
// time, and never stored; answers within the bound are cached as before. Both stores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { insertGroundTruth, insertProject, insertVideo } from '../support/factories.js';
import { createTestApp, dataOf, type GraphQLResponse, type TestApp } from '../support/test-app.js';
import { cacheKinds, groundTruthQuery } from './cache-fixtures.js';

const xcache = (r: GraphQLResponse) => r.headers.get('x-cache');

describeEachDatabase('CACHE_MAX_ENTRY_BYTES', (database) => {
  for (const kind of cacheKinds('entry-size')) {
    describe(`${kind.name} store`, () => {
      let app: TestApp;
      let videoId: string;
      beforeAll(async () => {
        const db = database().db;
        const projectId = await insertProject(db);
        videoId = await insertVideo(db, projectId);
        await insertGroundTruth(db, videoId, Array.from({ length: 200 }, (_, f) => ({ frame_number: f, confidence: 0.9 })));
        app = await createTestApp(db, { ...kind.env, CACHE_MAX_ENTRY_BYTES: '4096' });
      });
      afterAll(async () => {
        await app?.close();
        await kind.cleanup();
      });

      it('serves an answer above the bound in full and never stores it', async () => {
        const first = await app.execute(groundTruthQuery, { videoId, first: 200 });
        expect(JSON.stringify(first.body).length).toBeGreaterThan(4096);
        const again = await app.execute(groundTruthQuery, { videoId, first: 200 });
        expect([xcache(first), xcache(again)]).toEqual(['MISS', 'MISS']);
        expect(again.body).toEqual(first.body);
        expect(dataOf(again).video.groundTruth.nodes).toHaveLength(200);
        expect(app.app.cache.stats().oversizeNotStored).toBe(2);
      });

      it('still stores an answer within the bound', async () => {
        const small = await app.execute(groundTruthQuery, { videoId, first: 2 });
        const again = await app.execute(groundTruthQuery, { videoId, first: 2 });
        expect([xcache(small), xcache(again)]).toEqual(['MISS', 'HIT']);
        expect(again.body).toEqual(small.body);
      });
    });
  }
});
