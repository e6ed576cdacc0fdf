import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { test } from 'node:test';
import * as dnsPacket from 'dns-packet';
import { LbDnsServer, resolvConfNameservers } from '../../src/lb/lb-dns-server.ts';
import { silent } from './support.ts';

/** A stand-in for the host's resolver: knows one name, answers NXDOMAIN for others. */
async function upstreamDns(): Promise<{ port: number; close: () => void; asked: string[] }> {
  const socket = createSocket('udp4');
  const asked: string[] = [];
  socket.on('message', (message, from) => {
    const query = dnsPacket.decode(message);
    const q = query.questions![0]!;
    asked.push(q.name);
    const known = q.name === 'example.internal' && q.type === 'A';
    socket.send(
      dnsPacket.encode({
        type: 'response',
        id: query.id,
        flags: (known ? 0 : 3) | dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
        questions: [q],
        answers: known ? [{ type: 'A', name: q.name, ttl: 30, data: '192.0.2.44' }] : [],
      }),
      from.port,
      from.address,
    );
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return { port: socket.address().port, close: () => socket.close(), asked };
}

test('the task DNS server answers load balancer names itself and forwards every other question, over UDP and TCP', async (t) => {
  const upstream = await upstreamDns();
  t.after(() => upstream.close());
  const names = new Map([['my-alb-123.us-east-1.elb.amazonaws.com', ['169.254.130.7']]]);
  const server = await LbDnsServer.start({
    address: '127.0.0.1',
    port: 0,
    lookup: (name) => names.get(name),
    upstreams: [`127.0.0.1:${upstream.port}`],
    log: silent,
  });
  t.after(() => server.close());
  const resolver = new Resolver();
  resolver.setServers([`127.0.0.1:${server.port}`]);
  assert.deepEqual(await resolver.resolve4('my-alb-123.us-east-1.elb.amazonaws.com'), ['169.254.130.7']);
  assert.deepEqual(
    await resolver.resolve4('MY-ALB-123.us-east-1.ELB.amazonaws.com.'),
    ['169.254.130.7'],
    'any case',
  );
  const ttl = await resolver.resolve4('my-alb-123.us-east-1.elb.amazonaws.com', { ttl: true });
  assert.equal(ttl[0]!.ttl, 60);
  const v6 = await resolver
    .resolve6('my-alb-123.us-east-1.elb.amazonaws.com')
    .catch((e: NodeJS.ErrnoException) => e.code);
  assert.equal(v6, 'ENODATA', 'the name exists, with no AAAA record');
  assert.ok(!upstream.asked.some((n) => n.includes('my-alb')), 'load balancer names never leave');

  assert.deepEqual(await resolver.resolve4('example.internal'), ['192.0.2.44'], 'forwarded');
  const missing = await resolver.resolve4('nothing.internal').catch((e: NodeJS.ErrnoException) => e.code);
  assert.equal(missing, 'ENOTFOUND', "the upstream's NXDOMAIN passes through");

  // Over TCP, as resolvers retry truncated answers: a query framed with its length.
  const { connect } = await import('node:net');
  const tcp = connect({ host: '127.0.0.1', port: server.port });
  const reply = await new Promise<dnsPacket.DecodedPacket>((resolve, reject) => {
    let buf = Buffer.alloc(0);
    tcp.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0))
        resolve(dnsPacket.decode(buf.subarray(2)));
    });
    tcp.on('error', reject);
    tcp.write(
      dnsPacket.streamEncode({
        type: 'query',
        id: 7,
        flags: dnsPacket.RECURSION_DESIRED,
        questions: [{ type: 'A', name: 'my-alb-123.us-east-1.elb.amazonaws.com' }],
      }),
    );
  });
  tcp.destroy();
  assert.equal(reply.id, 7);
  assert.deepEqual(
    reply.answers?.map((a) => (a.type === 'A' ? a.data : a.type)),
    ['169.254.130.7'],
  );
  assert.ok((reply.flags ?? 0) & dnsPacket.AUTHORITATIVE_ANSWER);
});

test('with no upstream answering, forwarded questions get SERVFAIL', async (t) => {
  const dead = createSocket('udp4');
  await new Promise<void>((r) => dead.bind(0, '127.0.0.1', r));
  const port = dead.address().port;
  dead.close(); // nothing listens there now
  const server = await LbDnsServer.start({
    address: '127.0.0.1',
    port: 0,
    lookup: () => undefined,
    upstreams: [`127.0.0.1:${port}`],
    upstreamTimeoutMs: 200,
    log: silent,
  });
  t.after(() => server.close());
  const resolver = new Resolver({ tries: 1, timeout: 5_000 });
  resolver.setServers([`127.0.0.1:${server.port}`]);
  const code = await resolver.resolve4('anything.example').catch((e: NodeJS.ErrnoException) => e.code);
  assert.equal(code, 'ESERVFAIL');
});

test("the host's resolvers come from resolv.conf", async (t) => {
  const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'neargate-resolv-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'resolv.conf');
  await writeFile(
    path,
    '# comment nameserver 9.9.9.9\nsearch example\nnameserver 10.0.0.2\n  nameserver ::1\noptions ndots:2\n',
  );
  assert.deepEqual(resolvConfNameservers(path), ['10.0.0.2', '::1']);
  assert.deepEqual(resolvConfNameservers(join(dir, 'missing')), []);
});
