// Runs inside a test network namespace: accepts TCP on <ip>:<port> and relays each connection to
// a Unix socket, which the harness (in the host namespace) relays to 127.0.0.1. Unix sockets live
// on the filesystem, so they cross network namespaces without any other IP traffic.
// Usage: node relay.mjs <listenIp> <listenPort> <unixSocketPath>
import { connect, createServer } from 'node:net';

const [ip, port, socketPath] = process.argv.slice(2);
const server = createServer((client) => {
  const upstream = connect(socketPath);
  client.pipe(upstream).pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});
server.listen(Number(port), ip, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
