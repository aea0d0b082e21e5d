// The pool's connections come from src/db/socket.ts (TCP_NODELAY), which replaces postgres.js's own
// connect: hosts must still be tried in turn, and a refused connect must still fail the attempt
// instead of leaving the connection waiting.
import { describe, expect, it } from 'vitest';
import { createPostgresDb, defaultPoolOptions } from '../../src/db/client.js';
import { postgresUrl } from '../support/databases.js';

describe.skipIf(!postgresUrl)('the pool sockets [postgres]', () => {
  const server = postgresUrl ? new URL(postgresUrl) : null;

  it('try the hosts of a multi-host URL in turn: a refused first host is followed by the second', async () => {
    // Nothing listens on port 1: the first attempt is refused and the next goes to the real server.
    const url = `postgres://${server!.username}@127.0.0.1:1,${server!.host}${server!.pathname}`;
    const db = createPostgresDb(url, { ...defaultPoolOptions, max: 1 });
    try {
      expect(await db.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      await db.transaction(async (tx) => {
        expect(await tx.query<{ two: number }>('SELECT 2 AS two')).toEqual([{ two: 2 }]);
      });
    } finally {
      await db.close();
    }
  });

  it('report a refused connect as one, so callers see an outage rather than a hang', async () => {
    const db = createPostgresDb(`postgres://${server!.username}@127.0.0.1:1${server!.pathname}`, { ...defaultPoolOptions, max: 1 });
    try {
      await expect(db.query('SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      await db.close();
    }
  });
});
