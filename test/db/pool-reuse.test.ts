// Which idle connection the pool hands out (patches/postgres+3.4.9.patch): the most recently used one,
// as PgBouncer reuses server connections. After a burst has opened every connection, light load stays
// on warm backends instead of visiting them all in turn, and the others reach idle_timeout. With
// postgres.js's own choice (the longest idle) sequential statements cycled through all of them.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDb, defaultPoolOptions, type Db } from '../../src/db/client.js';
import { postgresUrl } from '../support/databases.js';

describe.skipIf(!postgresUrl)('the pool reuses its most recently used connection [postgres]', () => {
  const max = 4;
  let db: Db;
  beforeAll(() => {
    db = createPostgresDb(postgresUrl!, { ...defaultPoolOptions, max });
  });
  afterAll(() => db.close());

  const pid = async () => (await db.query<{ pid: number }>('/* backendPid */ SELECT pg_backend_pid() AS pid'))[0].pid;
  /** Every connection of the pool busy at once: `max` backends. */
  const burst = async () => {
    const rows = await Promise.all(Array.from({ length: max }, () => db.query<{ pid: number }>('/* burst */ SELECT pg_backend_pid() AS pid, pg_sleep(0.05)')));
    return new Set(rows.map((r) => r[0].pid));
  };

  it('runs sequential statements and transactions on one backend after a burst opened them all (generated sequences)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('statement', 'transaction'), { minLength: 2, maxLength: 10 }), async (steps) => {
        expect((await burst()).size).toBe(max);
        const used = new Set<number>();
        for (const step of steps) {
          if (step === 'statement') used.add(await pid());
          else used.add(await db.transaction(async (tx) => (await tx.query<{ pid: number }>('/* backendPid */ SELECT pg_backend_pid() AS pid'))[0].pid));
        }
        expect(used.size).toBe(1);
      }),
      { numRuns: 15 },
    );
  });
});
