// Transactions under a saturated pool. postgres.js's sql.begin() can send BEGIN on a connection it has
// not reserved when that connection is busy (porsager/postgres#823, #1189): the caller gets
// UNSAFE_TRANSACTION and the server-side transaction stays open on a connection the pool hands to
// unrelated queries. truthgraph's transactions reserve an idle connection first, then send BEGIN.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, postgresUrl, type TestDatabase } from '../support/databases.js';

describe.skipIf(!postgresUrl)('transactions on a busy pool [postgres]', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres', { max: 3 });
    await database.db.query(`CREATE TABLE tx_probe (id int PRIMARY KEY, n int NOT NULL)`);
    await database.db.query(`INSERT INTO tx_probe SELECT g, 0 FROM generate_series(1, 20) g`);
  });
  afterAll(() => database?.drop());

  it('runs every transaction on a reserved connection while plain queries keep every connection busy', async () => {
    const db = database.db;
    const failures: string[] = [];
    for (let round = 0; round < 10; round++) {
      const work: Promise<unknown>[] = [];
      // One slow query per connection, then transactions: each BEGIN finds only busy connections.
      for (let i = 0; i < 3; i++) work.push(db.query(`SELECT pg_sleep(0.02)`).catch((e) => failures.push(String(e.code ?? e))));
      await new Promise((r) => setTimeout(r, 5));
      for (let i = 1; i <= 5; i++) {
        work.push(
          db
            .transaction(async (tx) => {
              await tx.query(`UPDATE tx_probe SET n = n + 1 WHERE id = $1`, [i]);
              await tx.query(`SELECT pg_sleep(0.001)`);
              await tx.query(`UPDATE tx_probe SET n = n + 1 WHERE id = $1`, [i + 10]);
            })
            .catch((e) => failures.push(String(e.code ?? e))),
        );
      }
      await Promise.all(work);
    }
    expect(failures).toEqual([]);
    // Every committed transaction wrote both of its rows; nothing was left open or half-applied.
    const rows = await db.query<{ id: number; n: number }>(`SELECT id, n FROM tx_probe WHERE id <= 15 ORDER BY id`);
    expect(rows.map((r) => r.n)).toEqual([...Array(5).fill(10), ...Array(5).fill(0), ...Array(5).fill(10)]);
    const [{ open }] = await db.query<{ open: number }>(
      `SELECT count(*)::int AS open FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
    );
    expect(open).toBe(0);
  });
});
