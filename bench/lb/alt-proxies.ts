/**
 * The usual way to write a proxy in Node, for comparison with neargate's hand-written one: a
 * node:http server forwarding each request, round robin, through undici Pools (`undici`) or a
 * keep-alive node:http Agent (`agent`), headers and bodies streamed. Prints `ready`.
 *
 *   node --import tsx bench/lb/alt-proxies.ts <undici|agent> <address> <port> <targetPort>...
 */
import { Agent, createServer, request } from 'node:http';
import { Pool } from 'undici';

const [kind, address, port, ...targetPorts] = process.argv.slice(2);
const targets = targetPorts.map(Number);
let next = 0;
const pools = targets.map((p) => new Pool(`http://127.0.0.1:${p}`, { connections: 128 }));
const agent = new Agent({ keepAlive: true, maxSockets: 128 });

const server = createServer((req, res) => {
  const i = next++ % targets.length;
  const headers = { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '' };
  delete headers.connection;
  if (kind === 'undici') {
    pools[i]!.request({
      path: req.url ?? '/',
      method: req.method as 'GET',
      headers,
      body: req.method === 'GET' || req.method === 'HEAD' ? null : req,
    }).then(
      ({ statusCode, headers: h, body }) => {
        delete h.connection;
        delete h['keep-alive'];
        res.writeHead(statusCode, h as Record<string, string>);
        body.pipe(res);
      },
      () => res.writeHead(502).end(),
    );
    return;
  }
  const up = request(
    { host: '127.0.0.1', port: targets[i], path: req.url, method: req.method, headers, agent },
    (ures) => {
      const h = { ...ures.headers };
      delete h.connection;
      delete h['keep-alive'];
      res.writeHead(ures.statusCode ?? 502, h);
      ures.pipe(res);
    },
  );
  up.on('error', () => res.writeHead(502).end());
  req.pipe(up);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), address, () => process.stdout.write('ready\n'));
