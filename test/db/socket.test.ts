// The pool's connections come from src/db/socket.ts (TCP_NODELAY) when the URL names one TCP host;
// postgres.js's own connect stays for several hosts (it tries them in turn per connection) and for
// unix sockets. Either way a refused connect must fail the attempt, not leave the connection waiting.
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPostgresDb, defaultPoolOptions } from '../../src/db/client.js';
import { useNoDelaySockets } from '../../src/db/socket.js';
import { postgresUrl } from '../support/databases.js';

describe('useNoDelaySockets', () => {
  afterEach(() => vi.restoreAllMocks());

  it('gives a one-host URL sockets with TCP_NODELAY to that host, and leaves several hosts and unix sockets to postgres.js', () => {
    const connect = vi.spyOn(net, 'connect').mockImplementation(() => new net.Socket());
    const one: { host: string[]; port: number[]; socket?: () => net.Socket } = { host: ['db.example'], port: [6543] };
    useNoDelaySockets(one);
    const socket = one.socket!();
    expect(connect).toHaveBeenCalledWith({ host: 'db.example', port: 6543, noDelay: true });
    expect(socket).toMatchObject({ host: 'db.example', port: 6543 });
    socket.destroy();

    const several: { host: string[]; port: number[]; socket?: unknown } = { host: ['a', 'b'], port: [1, 2] };
    useNoDelaySockets(several);
    expect(several.socket).toBeUndefined();
    const unix: { host: string[]; port: number[]; path: string; socket?: unknown } = { host: ['/run/postgresql'], port: [5432], path: '/run/postgresql/.s.PGSQL.5432' };
    useNoDelaySockets(unix);
    expect(unix.socket).toBeUndefined();
  });
});

describe.skipIf(!postgresUrl)('the pool sockets [postgres]', () => {
  const server = postgresUrl ? new URL(postgresUrl) : null;
  /** The test server's URL with its host part replaced (credentials and parameters kept). */
  const withHosts = (hosts: string) => {
    const auth = server!.username ? `${server!.username}${server!.password ? `:${server!.password}` : ''}@` : '';
    return `${server!.protocol}//${auth}${hosts}${server!.pathname}${server!.search}`;
  };

  it('serve statements and transactions through the TCP_NODELAY sockets', async () => {
    const db = createPostgresDb(withHosts(server!.host), { ...defaultPoolOptions, max: 2 });
    try {
      expect(await db.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      await db.transaction(async (tx) => {
        expect(await tx.query<{ two: number }>('SELECT 2 AS two')).toEqual([{ two: 2 }]);
      });
    } finally {
      await db.close();
    }
  });

  it('still try the hosts of a multi-host URL in turn: a refused first host is followed by the second', async () => {
    // Nothing listens on port 1: the first attempt is refused and the next goes to the real server.
    const db = createPostgresDb(withHosts(`127.0.0.1:1,${server!.host}`), { ...defaultPoolOptions, max: 1 });
    try {
      expect(await db.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
  });

  it('report a refused connect as one, so callers see an outage rather than a hang', async () => {
    const db = createPostgresDb(withHosts('127.0.0.1:1'), { ...defaultPoolOptions, max: 1 });
    try {
      await expect(db.query('SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      await db.close();
    }
  });
});
