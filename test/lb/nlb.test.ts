import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import type { LbPlan, LoadBalancerPlan, TargetGroupPlan, TargetPlan } from '../../src/lb/lb-plan.ts';
import { dataPlane, freeListenerAddress, quickChecks, until, untilState } from './support.ts';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/tcp/1';

/**
 * A TCP target: says who it is, echoes what it reads and, when the client half-closes, writes
 * `bye` and closes its side too.
 */
async function echoServer(
  name: string,
): Promise<{ server: Server; port: number; sockets: Set<Socket>; accepted: () => number }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.write(`${name}:`);
    socket.pipe(socket, { end: false });
    socket.on('end', () => socket.end('bye'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, sockets, accepted: () => accepted };
}

function tcpGroup(targets: TargetPlan[], over: Partial<TargetGroupPlan> = {}): TargetGroupPlan {
  return {
    arn: TG,
    protocol: 'TCP',
    port: 80,
    healthCheck: { ...quickChecks, protocol: 'TCP', path: '', matcher: '' },
    stickiness: { enabled: false, type: 'source_ip', durationSeconds: 0 },
    algorithm: 'round_robin',
    targets,
    ...over,
  };
}

function nlb(address: string, port: number): LoadBalancerPlan {
  return {
    arn: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/test/1',
    type: 'network',
    address,
    dnsName: 'test-1.elb.us-east-1.amazonaws.com',
    idleTimeoutMs: 350_000,
    listeners: [
      {
        arn: 'listener-tcp',
        port,
        protocol: 'TCP',
        rules: [
          {
            arn: 'default',
            priority: 'default',
            conditions: [],
            actions: [{ type: 'forward', targetGroups: [{ arn: TG, weight: 1 }] }],
          },
        ],
      },
    ],
  };
}

/** Opens a flow, sends `data`, half-closes, and reads until the far side closes. */
function exchange(host: string, port: number, data: Buffer | string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
    socket.end(data);
  });
}

test('TCP passthrough: bytes both ways, a half-close passed on, round robin over targets', async (t) => {
  const [a, b] = await Promise.all([echoServer('a'), echoServer('b')]);
  t.after(() => {
    a.server.close();
    b.server.close();
  });
  const dp = dataPlane(t);
  const { address, port } = freeListenerAddress();
  const plan: LbPlan = {
    targetGroups: [
      tcpGroup([
        { id: '127.0.0.1', port: a.port },
        { id: '127.0.0.1', port: b.port },
      ]),
    ],
    loadBalancers: [nlb(address, port)],
  };
  await dp.apply(plan);
  await untilState(dp, TG, 'healthy', 2);
  const replies = await Promise.all([1, 2, 3, 4].map(() => exchange(address, port, 'hello')));
  const texts = replies.map((r) => r.toString()).sort();
  // The target echoed after our half-close and closed its own side only then.
  assert.deepEqual(texts, ['a:hellobye', 'a:hellobye', 'b:hellobye', 'b:hellobye']);

  // 32 MiB each way, through backpressure on both sides.
  const payload = randomBytes(32 * 2 ** 20);
  const back = await exchange(address, port, payload);
  const echoed = back.subarray(2, back.length - 3);
  assert.equal(
    createHash('sha256').update(echoed).digest('hex'),
    createHash('sha256').update(payload).digest('hex'),
  );
});

test('NLB health: TCP checks (a closed port unhealthy), healthy only after the healthy threshold; no target resets the flow', async (t) => {
  const a = await echoServer('a');
  t.after(() => a.server.close());
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const refusedPort = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  const dp = dataPlane(t);
  const { address, port } = freeListenerAddress();
  const tcpChecks = { ...quickChecks, protocol: 'TCP' as const, path: '', matcher: '', healthyThreshold: 3 };
  await dp.apply({
    targetGroups: [
      tcpGroup(
        [
          { id: '127.0.0.1', port: a.port },
          { id: '127.0.0.1', port: refusedPort },
        ],
        { healthCheck: tcpChecks },
      ),
    ],
    loadBalancers: [nlb(address, port)],
  });
  const stateOf = (p: number) => dp.targetHealth(TG).find((h) => h.port === p)!.state;
  await until(
    () => stateOf(a.port) === 'healthy' && stateOf(refusedPort) === 'unhealthy',
    'one healthy, one unhealthy',
  );
  assert.ok(a.accepted() >= 3, 'three connects before healthy');
  const bad = dp.targetHealth(TG).find((h) => h.port === refusedPort)!;
  assert.equal(bad.reason, 'Target.FailedHealthChecks');
  assert.equal(bad.description, 'Health checks failed');
  for (let i = 0; i < 4; i++) assert.equal((await exchange(address, port, 'x')).toString(), 'a:xbye');

  await dp.apply({ targetGroups: [tcpGroup([])], loadBalancers: [nlb(address, port)] });
  const error = await exchange(address, port, 'x').then(
    () => undefined,
    (e: NodeJS.ErrnoException) => e.code,
  );
  assert.equal(error, 'ECONNRESET', 'no target: the flow is reset');
});

test('a new NLB target stays initial until the healthy threshold of passing checks (one check is not enough)', async (t) => {
  // HTTP checks of a TCP group, answered one at a time, so each step is seen.
  const waiting: import('node:http').ServerResponse[] = [];
  const http = createHttpServer((_req, res) => waiting.push(res));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const res of waiting) res.destroy();
    http.close();
  });
  const checkPort = (http.address() as AddressInfo).port;
  const a = await echoServer('a');
  t.after(() => a.server.close());
  const dp = dataPlane(t);
  const { address, port } = freeListenerAddress();
  const checks = { ...quickChecks, port: checkPort, timeoutMs: 60_000, healthyThreshold: 3 };
  await dp.apply({
    targetGroups: [tcpGroup([{ id: '127.0.0.1', port: a.port }], { healthCheck: checks })],
    loadBalancers: [nlb(address, port)],
  });
  const state = () => dp.targetHealth(TG)[0]!.state;
  for (let passed = 0; passed < 3; passed++) {
    assert.equal(state(), 'initial', `after ${passed} passing checks`);
    await until(() => waiting.length > 0, 'a health check');
    waiting.shift()!.end('ok');
  }
  await until(() => state() === 'healthy', 'healthy after the third');
});

test('a flow to a draining target goes on until the delay ends, then is cut; new flows go elsewhere', async (t) => {
  const [a, b] = await Promise.all([echoServer('a'), echoServer('b')]);
  t.after(() => {
    a.server.close();
    b.server.close();
  });
  const dp = dataPlane(t);
  const { address, port } = freeListenerAddress();
  const aTarget = { id: '127.0.0.1', port: a.port };
  const bTarget = { id: '127.0.0.1', port: b.port };
  await dp.apply({ targetGroups: [tcpGroup([aTarget])], loadBalancers: [nlb(address, port)] });
  const flow = connect({ host: address, port });
  let received = '';
  let closed = false;
  flow.on('data', (d: Buffer) => {
    received += d;
  });
  flow.on('error', () => {});
  flow.on('close', () => {
    closed = true;
  });
  await until(() => received === 'a:', 'the flow reached a');
  await dp.apply({
    targetGroups: [tcpGroup([{ ...aTarget, drainingUntil: Date.now() + 60_000 }, bTarget])],
    loadBalancers: [nlb(address, port)],
  });
  flow.write('still there?');
  await until(() => received === 'a:still there?', 'the draining flow goes on');
  for (let i = 0; i < 3; i++) assert.equal((await exchange(address, port, 'new')).toString(), 'b:newbye');
  await dp.apply({
    targetGroups: [tcpGroup([{ ...aTarget, drainingUntil: Date.now() + 100 }, bTarget])],
    loadBalancers: [nlb(address, port)],
  });
  await until(() => closed, 'the flow was cut when the delay ended');
});
