// Bulk writes send their rows as one JSON text parameter. On postgres.js that must work in a process
// that never ran the migrator (production with MIGRATE_ON_START=false), where the driver's own json
// serializer is still in place and would encode the text a second time.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminScope } from '../../src/auth/scope.js';
import { createPostgresDb, type Db } from '../../src/db/client.js';
import { ingestDetections } from '../../src/services/detection.service.js';
import { createTestDatabase, postgresUrl, type TestDatabase } from '../support/databases.js';
import { detection } from '../support/write-harness.js';

describe.skipIf(!postgresUrl)('JSON bulk parameter on postgres.js without the migrator', () => {
  let database: TestDatabase;
  let fresh: Db;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    fresh = createPostgresDb(database.url!);
  });
  afterAll(async () => {
    await fresh?.close();
    await database?.drop();
  });

  it('ingests a batch through a handle the migrator never touched', async () => {
    const [{ id: projectId }] = await fresh.query<{ id: string }>(`INSERT INTO projects (name) VALUES ('json') RETURNING id`);
    const [{ id: videoId }] = await fresh.query<{ id: string }>(`INSERT INTO videos (project_id, filename) VALUES ($1, 'v.mp4') RETURNING id`, [projectId]);
    const [{ id: sessionId }] = await fresh.query<{ id: string }>(
      `INSERT INTO test_sessions (project_id, video_id) VALUES ($1, $2) RETURNING id`,
      [projectId, videoId],
    );
    const r = await ingestDetections({ db: fresh, scope: adminScope }, sessionId, [detection({ id: randomUUID() }) as never, detection() as never]);
    expect(r.value).toEqual({ inserted: 2, updated: 0 });
  });
});
