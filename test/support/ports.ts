import net from 'node:net';

/**
 * Ports handed out below Linux's ephemeral range (32768–60999): an outgoing connection of any other test takes its
 * local port from that range, so a port the OS picked there could be taken again before the test's server bound it
 * (a browser test's TLS endpoint failed with EADDRINUSE that way on a busy machine).
 */
const FIRST_PORT = 20_000;
const LAST_PORT = 32_767;
const handedOut = new Set<number>();

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port }, () => server.close(() => resolve(true)));
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago and that no outgoing connection will take. Light: loads no Temporal module. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = FIRST_PORT + Math.floor(Math.random() * (LAST_PORT - FIRST_PORT + 1));
    if (handedOut.has(port)) continue;
    if (await bindable(port)) {
      handedOut.add(port);
      return port;
    }
  }
}
