// The discovery bench's endpoints (bench/discovery.bench.ts), run as their own process like real servers are, so
// their handshake work never shares an event loop or a process with the scanner being measured. The parent sends
// { endpoints: [{ host, mode, cert }], ports, key, intermediate, slowMs } over IPC; this listens on every live
// endpoint's address on the first of `ports` free on all of them and answers { listening, port }, or { error } with
// `EADDRINUSE` when no port is free. It exits when told 'stop' or when the parent goes away.
'use strict';
const net = require('node:net');
const tls = require('node:tls');

/** Listens on `host:port`, resolving with the server or rejecting with the listen error. */
function listen(server, host, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** A TCP server completing a TLS handshake with `secureContext` on each connection, `delayMs` after it opens. */
function endpointServer(secureContext, delayMs) {
  const handshake = (socket) => {
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext });
    secure.on('error', () => undefined);
    secure.on('secure', () => secure.end());
  };
  return net.createServer((socket) => {
    socket.on('error', () => undefined);
    if (delayMs > 0) setTimeout(() => handshake(socket), delayMs);
    else handshake(socket);
  });
}

/** Every live endpoint listening on `port`, or none (the ones opened closed again) when one cannot. */
async function listenAll({ endpoints, key, intermediate, slowMs }, port) {
  const servers = [];
  try {
    for (const endpoint of endpoints) {
      if (endpoint.mode === 'dead') continue;
      const secureContext = tls.createSecureContext({ cert: endpoint.cert + intermediate, key });
      const server = endpointServer(secureContext, endpoint.mode === 'slow' ? slowMs : 0);
      servers.push(await listen(server, endpoint.host, port));
    }
    return servers;
  } catch (error) {
    for (const server of servers) server.close();
    throw error;
  }
}

let servers = [];
process.on('disconnect', () => process.exit(0));
process.on('message', async (message) => {
  if (message === 'stop') {
    for (const server of servers) server.close();
    process.disconnect();
    return;
  }
  for (const port of message.ports) {
    try {
      servers = await listenAll(message, port);
      process.send({ listening: servers.length, port });
      return;
    } catch (error) {
      if (error.code !== 'EADDRINUSE') {
        process.send({ error: error.message });
        return;
      }
    }
  }
  process.send({ error: 'EADDRINUSE' });
});
