/**
 * The benchmark's targets: simple, fast node:http servers on loopback, all in this one process
 * (apart from the proxies under test). Prints `{"ports":[...]}` once listening.
 *
 *   node bench/lb/backends.ts <count>
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const count = Number(process.argv[2] ?? 2);
const body = 'hello, world\n';
const ports: number[] = [];
for (let i = 0; i < count; i++) {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
    res.end(body);
  });
  // Longer than any proxy keeps an idle connection: the proxies close them, not the targets.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 121_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  ports.push((server.address() as AddressInfo).port);
}
process.stdout.write(`${JSON.stringify({ ports })}\n`);
