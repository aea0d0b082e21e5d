// Batching is proven with statement counts, not timings: the same nested query over 3 and over 30
// parents must send the same number of statements, bounded by the query's depth.
import { beforeAll, afterAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { createTestApp, dataOf, type TestApp } from '../support/test-app.js';
import { insertDetections, insertGroundTruth, insertProject, insertTestSession, insertVideo } from '../support/factories.js';
import type { Db } from '../../src/db/client.js';

const nested = /* GraphQL */ `
  query Nested($first: Int!) {
    projects(first: $first) {
      totalCount
      nodes {
        id
        stats { videoCount groundTruthTotal detectionsByResult { total } }
        videos(first: 50) {
          totalCount
          nodes {
            id
            groundTruthCount
            project { id }
            groundTruthStats { totalObjects validationRate }
            groundTruth(first: 3, minConfidence: 0) { totalCount nodes { id video { id } } }
            testSessions {
              id
              video { id }
              project { id }
              detectionStats { total tp }
              detections(first: 2) { nodes { id testSession { id } } }
            }
          }
        }
        testSessions(first: 10) { totalCount nodes { id video { id } } }
      }
    }
  }
`;

async function seedProjects(db: Db, count: number) {
  for (let p = 0; p < count; p++) {
    const projectId = await insertProject(db);
    for (let v = 0; v < 2; v++) {
      const videoId = await insertVideo(db, projectId);
      await insertGroundTruth(db, videoId, [0, 1, 2, 3].map((f) => ({ frame_number: f, confidence: 0.5 + f / 10 })));
      const sessionId = await insertTestSession(db, projectId, videoId);
      await insertDetections(db, sessionId, [0, 1, 2].map((f) => ({ frame_number: f, confidence: 0.7, validation_result: 'TP' as const })));
    }
  }
}

describeEachDatabase('nested query statement count', (database) => {
  let app: TestApp;
  beforeAll(async () => {
    // 31, so that the first 30 are not the whole list either: a complete first page needs no count.
    await seedProjects(database().db, 31);
    app = await createTestApp(database().db);
  });
  afterAll(() => app?.close());

  it('sends the same number of statements for 3 and for 30 parents, bounded by depth', async () => {
    const small = await app.execute(nested, { first: 3 });
    const large = await app.execute(nested, { first: 30 });
    const smallData = dataOf(small);
    const largeData = dataOf(large);
    expect(smallData.projects.nodes).toHaveLength(3);
    expect(largeData.projects.nodes).toHaveLength(30);
    expect(largeData.projects.nodes[29].videos.nodes[1].testSessions[0].detections.nodes).toHaveLength(2);

    const smallCount = Number(small.headers.get('x-sql-statements'));
    const largeCount = Number(large.headers.get('x-sql-statements'));
    expect(largeCount).toBe(smallCount);
    // One statement per list level and per batched lookup: far below one per parent.
    expect(largeCount).toBeLessThanOrEqual(12);
  });

  it('answers 30 projects x 50 videos with stats in as many statements as 3 projects', async () => {
    const db = database().db;
    // Fill every project up to 50 videos: 1,500 parents at the videos level, more than one default
    // DataLoader batch would hold.
    await db.query(`INSERT INTO videos (project_id, filename) SELECT p.id, 'bulk_' || g || '.mp4'
                    FROM projects p, generate_series(1, 48) g`);
    const small = await app.execute(nested, { first: 3 });
    const res = await app.execute(nested, { first: 30 });
    const data = dataOf(res);
    const total = data.projects.nodes.reduce((n: number, p: any) => n + p.videos.nodes.length, 0);
    expect(data.projects.totalCount).toBe(31);
    expect(total).toBe(30 * 50);
    console.log(`nested query: ${small.headers.get('x-sql-statements')} statements for 3 projects, ${res.headers.get('x-sql-statements')} for 30 x 50 videos`);
    expect(Number(res.headers.get('x-sql-statements'))).toBe(Number(small.headers.get('x-sql-statements')));
    expect(Number(res.headers.get('x-sql-statements'))).toBeLessThanOrEqual(12);
  });
});
