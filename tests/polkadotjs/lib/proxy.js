// A TCP proxy on a free loopback port, for tests that cut or hold a connection half way.
import { connect, createServer } from 'node:net';

/**
 * Starts a proxy that connects each client to the loopback port of the URL `target()` returns
 * (asked per connection, so it may be set after the proxy starts). `relay(client, upstream)`
 * forwards the bytes both ways as the test needs; when either side ends or fails, both close.
 * Resolves with `{ url, close }`.
 */
export function startProxy(target, relay) {
  const server = createServer((client) => {
    const upstream = connect(Number(new URL(target()).port), '127.0.0.1');
    for (const [from, to] of [[client, upstream], [upstream, client]]) {
      from.on('error', () => to.destroy());
      from.on('close', () => to.destroy());
    }
    relay(client, upstream);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() });
    });
  });
}
