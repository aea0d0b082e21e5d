// Transactions under a saturated pool. postgres.js's sql.begin() can send BEGIN on a connection it has
// not reserved when that connection is busy (porsager/postgres#823, #1189): the caller gets
// UNSAFE_TRANSACTION and the server-side transaction stays open on a connection the pool hands to
// unrelated queries. truthgraph's transactions reserve an idle connection first, then send BEGIN.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { createPostgresDb, defaultPoolOptions } from '../../src/db/client.js';
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

describe.skipIf(!postgresUrl)('a transaction whose connection is lost [postgres]', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres', { max: 8 });
  });
  afterAll(() => database?.drop());

  /** Ends every backend of the test database from outside, and waits until PostgreSQL lists none. */
  const endEveryConnection = async () => {
    const admin = postgres(postgresUrl!, { max: 1, onnotice: () => {} });
    try {
      const name = new URL(database.url!).pathname.slice(1);
      await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${name} AND pid <> pg_backend_pid()`;
      while ((await admin`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ${name}`)[0].n > 0) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await admin.end();
    }
  };

  // A caller that sends statements concurrently (an ingest's read and COPY) may send one after another
  // has lost the connection: it must be refused with that loss, never written to the closed socket
  // (postgres.js would throw from a setImmediate and end the process), and the pool must serve on.
  it('refuses the statements sent after one lost the connection, and the pool serves the next request', async () => {
    const db = database.db;
    const later: unknown[] = [];
    await expect(
      db.transaction(async (tx) => {
        const lostOne = await tx.query('SELECT pg_terminate_backend(pg_backend_pid())').catch((e: unknown) => e);
        for (const text of ['SELECT 1', 'SELECT 2']) later.push(await tx.query(text).catch((e: unknown) => e));
        throw lostOne;
      }),
    ).rejects.toMatchObject({ code: expect.stringMatching(/^(57P01|CONNECTION_CLOSED)$/) });
    expect(later.length).toBeGreaterThan(0);
    for (const e of later) expect(e).toMatchObject({ code: expect.stringMatching(/^(57P01|CONNECTION_CLOSED)$/) });
    expect(await db.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(await db.transaction(async (tx) => (await tx.query<{ two: number }>('SELECT 2 AS two'))[0].two)).toBe(2);
  });

  // postgres.js 3.4.9 never hands a new connection to a reserve once array types are no longer fetched
  // (porsager/postgres#1219, #751; patches/postgres+3.4.9.patch, as PR #1220): after PostgreSQL ended the
  // idle connections (a restart), the next transaction waited forever unless another request freed one.
  it('runs transactions on an idle pool whose every connection PostgreSQL ended', async () => {
    const db = database.db;
    await db.transaction(async (tx) => void (await tx.query('SELECT 1')));
    await endEveryConnection();
    expect(await db.transaction(async (tx) => (await tx.query<{ n: number }>('SELECT 42 AS n'))[0].n)).toBe(42);
    await endEveryConnection();
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => db.transaction(async (tx) => (await tx.query<{ n: number }>('SELECT $1::int AS n', [i]))[0].n)));
    expect(answers).toEqual([0, 1, 2, 3, 4, 5]);
  });

  // A statement waiting for the pool's one connection, when PostgreSQL ends that connection: postgres.js
  // reconnected it for the waiting reserve, then failed the reserve with the ended backend's error
  // (porsager/postgres#1223) or dropped it and left it waiting forever (#1195); both are fixed in
  // patches/postgres+3.4.9.patch. The driver's reserve gets the new connection, the app's transaction runs.
  const whileHeldIsEnded = async <T>(hold: () => Promise<unknown>, wait: () => Promise<T>) => {
    const name = new URL(database.url!).pathname.slice(1);
    const admin = postgres(postgresUrl!, { max: 1, onnotice: () => {} });
    try {
      const held = hold().then(
        () => 'answered',
        (e: { code?: string }) => e.code,
      );
      const heldNow = () => admin`SELECT pid FROM pg_stat_activity WHERE datname = ${name} AND query LIKE '%held%' AND state = 'active'`;
      while ((await heldNow()).length === 0) await new Promise((r) => setTimeout(r, 10));
      const waiting = wait().then(
        (value) => ({ value }),
        (e: { code?: string }) => ({ error: e.code ?? String(e) }),
      );
      await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${name} AND query LIKE '%held%' AND state = 'active'`;
      return { held: await held, waited: await waiting };
    } finally {
      await admin.end();
    }
  };

  it("gives postgres.js's waiting reserve the connection that replaces the one PostgreSQL ended", async () => {
    for (const fetch_types of [true, false]) {
      const sql = postgres(database.url!, { max: 1, fetch_types, onnotice: () => {} });
      try {
        await sql`SELECT 1`;
        const outcome = await whileHeldIsEnded(
          () => sql`/* held */ SELECT pg_sleep(30)`,
          async () => {
            const reserved = await sql.reserve();
            try {
              return (await reserved`SELECT 7 AS n`)[0].n as number;
            } finally {
              reserved.release();
            }
          },
        );
        expect(outcome).toEqual({ held: 'CONNECTION_CLOSED', waited: { value: 7 } });
        expect((await sql`SELECT 8 AS n`)[0].n).toBe(8);
      } finally {
        await sql.end({ timeout: 5 });
      }
    }
  });

  it('runs a transaction that was waiting for the connection PostgreSQL ended', async () => {
    const db = createPostgresDb(database.url!, { ...defaultPoolOptions, max: 1 });
    try {
      await db.query('SELECT 1');
      const outcome = await whileHeldIsEnded(
        () => db.query(`/* held */ SELECT pg_sleep(30)`),
        () => db.transaction(async (tx) => (await tx.query<{ n: number }>('SELECT 7 AS n'))[0].n),
      );
      expect(outcome.waited).toEqual({ value: 7 });
      expect(await db.query<{ n: number }>('SELECT 8 AS n')).toEqual([{ n: 8 }]);
    } finally {
      await db.close();
    }
  });

  // A transaction whose backend PostgreSQL ended between two of its statements (here its
  // idle_in_transaction_session_timeout), while another transaction waits for the pool's one
  // connection: the first fails with the loss and writes nothing, and the second commits. Before,
  // postgres.js sent the first one's later statements to the closed socket (a TypeError that ended the
  // process) or, once the connection had reconnected for the waiter, to the new backend outside any
  // transaction: half of it committed.
  it('fails a transaction whose backend ended between its statements, and writes none of it', async () => {
    await database.db.query(`CREATE TABLE IF NOT EXISTS tx_lost (tag text NOT NULL)`);
    const db = createPostgresDb(database.url!, { ...defaultPoolOptions, max: 1, idleInTransactionTimeoutMs: 150 });
    try {
      const first = db
        .transaction(async (tx) => {
          await tx.query(`INSERT INTO tx_lost VALUES ('first, before')`);
          // Longer than the timeout: PostgreSQL ends the backend meanwhile.
          await new Promise((r) => setTimeout(r, 600));
          await tx.query(`INSERT INTO tx_lost VALUES ('first, after')`);
        })
        .then(
          () => 'committed',
          (e: { code?: string }) => e.code,
        );
      await new Promise((r) => setTimeout(r, 50));
      const second = db.transaction(async (tx) => void (await tx.query(`INSERT INTO tx_lost VALUES ('second')`)));
      expect(await first).toMatch(/^(CONNECTION_CLOSED|25P03|57P01)$/);
      await second;
      expect((await db.query<{ tag: string }>(`SELECT tag FROM tx_lost ORDER BY tag`)).map((r) => r.tag)).toEqual(['second']);
    } finally {
      await db.close();
    }
  });
});

describe.skipIf(!postgresUrl)('a statement that fails after some of its rows [postgres]', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres', { max: 1 });
  });
  afterAll(() => database?.drop());

  // postgres.js kept the failed statement's row count, and the next statement on that connection
  // answered holes of null before its rows (porsager/postgres#1119; patches/postgres+3.4.9.patch).
  it('answers the next statement on the connection with its own rows only', async () => {
    const db = database.db;
    for (const failing of [`SELECT 1 / (g - 5) AS x, repeat('x', 20000) AS pad FROM generate_series(1, 10) g`, `SELECT 1 / (g - 50) AS x FROM generate_series(1, 100) g`]) {
      await expect(db.query(failing)).rejects.toMatchObject({ code: '22012' });
      expect(await db.query<{ n: number }>('SELECT 42 AS n')).toEqual([{ n: 42 }]);
      expect(await db.transaction(async (tx) => tx.query<{ n: number }>('SELECT n FROM generate_series(1, 3) n'))).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    }
  });
});
