// Migrations apply twice without effect, build every secondary index, and rebuild an index that an
// interrupted CREATE INDEX CONCURRENTLY left INVALID (IF NOT EXISTS alone would keep it forever).
import { expect, it } from 'vitest';
import { buildIndexes, concurrentIndexes, migrate, migrationVersion } from '../../src/db/migrate.js';
import { describeEachDatabase } from '../support/databases.js';

describeEachDatabase('migrations', (database) => {
  const indexState = async () =>
    database().db.query<{ name: string; valid: boolean }>(
      `SELECT c.relname AS name, i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE c.relname = ANY($1::text[]) ORDER BY 1`,
      [`{${concurrentIndexes().map((i) => i.name).join(',')}}`],
    );

  it('builds every secondary index, valid, and a second run changes nothing', async () => {
    const db = database().db;
    const before = await migrationVersion(db);
    await migrate(db);
    expect(await migrationVersion(db)).toEqual(before);
    const state = await indexState();
    expect(state.map((s) => s.name)).toEqual(concurrentIndexes().map((i) => i.name).sort());
    expect(state.every((s) => s.valid)).toBe(true);
  });

  it('drops and rebuilds an index left INVALID by an interrupted build', async () => {
    const db = database().db;
    await db.query(`UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'gto_video_frame_idx'::regclass`);
    expect((await indexState()).find((s) => s.name === 'gto_video_frame_idx')?.valid).toBe(false);
    await buildIndexes(db);
    expect((await indexState()).find((s) => s.name === 'gto_video_frame_idx')?.valid).toBe(true);
  });
});
