// The TCP connections of the postgres.js pool, with Nagle's algorithm off. postgres.js leaves it on,
// so a small message written while the server has not yet acknowledged a large one waits for the
// server's delayed ACK, 40 ms on Linux: a COMMIT sent right after a COPY's data took 45 ms instead
// of 5 (docs/evaluation.md, Figures).
import net from 'node:net';

/** What postgres.js hands its `socket` option: the parsed connection options. */
interface SocketTarget {
  host: readonly string[];
  port: readonly number[];
  path?: string | false;
}

/**
 * postgres.js's `socket` option. The socket is returned still connecting: postgres.js writes its
 * startup message at once (the socket holds it until connected), sees connect errors and closes
 * through its own listeners, and times the whole connect with connect_timeout. Several hosts are
 * tried in turn, one per connection attempt, as postgres.js does without this option.
 */
export function noDelaySockets(): (target: SocketTarget) => net.Socket {
  let attempt = 0;
  return (target) => {
    if (target.path) return net.connect({ path: target.path });
    const i = attempt++ % target.host.length;
    const socket = net.connect({ host: target.host[i], port: target.port[i], noDelay: true });
    // postgres.js names the server in connection errors from these.
    Object.assign(socket, { host: target.host[i], port: target.port[i] });
    return socket;
  };
}
