// The TCP connections of the postgres.js pool, with Nagle's algorithm off. postgres.js leaves it on,
// so a small message written while the server has not yet acknowledged a large one waits for the
// server's delayed ACK, 40 ms on Linux: a COMMIT sent right after a COPY's data took 45 ms instead
// of 5 (docs/evaluation.md, Figures).
import net from 'node:net';

/**
 * Sets postgres.js's `socket` option of `sql` to TCP connections with TCP_NODELAY, for a URL naming one
 * TCP host: postgres.js tries several hosts in turn per connection, which a pool-wide factory cannot
 * do, and a unix socket has no Nagle. The socket is returned still connecting: postgres.js writes its
 * startup message at once (the socket holds it until connected), sees connect errors and closes
 * through its own listeners, and times the whole connect with connect_timeout.
 */
export function useNoDelaySockets(options: { host: readonly string[]; port: readonly number[]; path?: string | false }): void {
  if (options.host.length !== 1 || options.path) return;
  const [host] = options.host;
  const [port] = options.port;
  (options as { socket?: () => net.Socket }).socket = () => {
    const socket = net.connect({ host, port, noDelay: true });
    // postgres.js names the server in connection errors from these.
    return Object.assign(socket, { host, port });
  };
}
