import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { elbPage } from '../../src/lb/alb-responses.ts';
import {
  dataPlane,
  fetchText,
  forward,
  RawClient,
  rule,
  simpleAlb,
  startBackend,
  targetGroup,
  until,
} from './support.ts';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/1';

test('fixed-response and redirect rules answer without a target, by priority, placeholders filled', async (t) => {
  const backend = await startBackend('a');
  t.after(() => backend.close());
  const dp = dataPlane(t);
  const { url, port } = await simpleAlb(
    dp,
    [targetGroup(TG, [backend])],
    [
      rule(10, [{ field: 'path-pattern', values: ['/maintenance*'] }], {
        type: 'fixed-response',
        statusCode: '503',
        contentType: 'application/json',
        messageBody: '{"down":"for maintenance ✓"}',
      }),
      rule(20, [{ field: 'host-header', values: ['old.example.com'] }], {
        type: 'redirect',
        protocol: 'HTTPS',
        host: 'new.example.com',
        port: '443',
        path: '/#{path}',
        query: 'from=#{host}&#{query}',
        statusCode: 'HTTP_301',
      }),
      rule(30, [{ field: 'path-pattern', values: ['/temp'] }], {
        type: 'redirect',
        protocol: '#{protocol}',
        host: '#{host}',
        port: '#{port}',
        path: '/elsewhere',
        query: '#{query}',
        statusCode: 'HTTP_302',
      }),
      rule('default', [], forward(TG)),
    ],
  );
  const fixed = await fetchText(`${url}/maintenance/now`);
  assert.equal(fixed.status, 503);
  assert.equal(fixed.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(fixed.headers.server, 'awselb/2.0');
  assert.deepEqual(JSON.parse(fixed.body), { down: 'for maintenance ✓' });

  const moved = await fetchText(`${url}/a/b?x=1`, { headers: { Host: 'old.example.com' } });
  assert.equal(moved.status, 301);
  assert.equal(moved.headers.location, 'https://new.example.com:443/a/b?from=old.example.com&x=1');
  assert.equal(moved.body, elbPage(301));

  const found = await fetchText(`${url}/temp`, { headers: { Host: 'app.example.com' } });
  assert.equal(found.status, 302);
  assert.equal(found.headers.location, `http://app.example.com:${port}/elsewhere`);
  assert.equal(backend.requests.filter((r) => !r.headers['user-agent']?.startsWith('ELB')).length, 0);
});

test('503 with ALB page when the group has no registered target, or only draining ones', async (t) => {
  const backend = await startBackend('a');
  t.after(() => backend.close());
  const dp = dataPlane(t);
  const { url, plan } = await simpleAlb(dp, [targetGroup(TG, [])]);
  const empty = await fetchText(url);
  assert.equal(empty.status, 503);
  assert.equal(empty.body, elbPage(503));
  assert.equal(empty.headers['content-type'], 'text/html');
  assert.equal(empty.headers.server, 'awselb/2.0');

  await dp.apply({
    ...plan,
    targetGroups: [
      targetGroup(TG, [{ id: '127.0.0.1', port: backend.port, drainingUntil: Date.now() + 60_000 }]),
    ],
  });
  assert.equal((await fetchText(url)).status, 503);
});

test('502 when the target refuses or resets; 504 when it does not answer within the idle timeout', async (t) => {
  // A port nobody listens on: bound then closed.
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const refusedPort = (closed.address() as import('node:net').AddressInfo).port;
  await new Promise((r) => closed.close(r));
  const resetter = await startBackend('reset', (req, res) => {
    if (req.headers['user-agent']?.startsWith('ELB-HealthChecker')) return void res.end();
    req.socket.resetAndDestroy();
  });
  const silent = await startBackend('silent', (req, res) => {
    if (req.headers['user-agent']?.startsWith('ELB-HealthChecker')) res.end();
  });
  t.after(() => Promise.all([resetter.close(), silent.close()]));

  for (const [name, target, status] of [
    ['refused', { id: '127.0.0.1', port: refusedPort }, 502],
    ['reset', { id: '127.0.0.1', port: resetter.port }, 502],
    ['silent', { id: '127.0.0.1', port: silent.port }, 504],
  ] as const) {
    const dp = dataPlane(t);
    const { url } = await simpleAlb(dp, [targetGroup(TG, [target])], undefined, { idleTimeoutMs: 300 });
    const reply = await fetchText(url);
    assert.equal(reply.status, status, name);
    assert.equal(reply.body, elbPage(status), name);
  }
});

test('ALB refuses what it refuses: a bad head 400 and the connection closes, TRACE 405, unknown coding 501, a long X-Forwarded-For 463', async (t) => {
  const backend = await startBackend('a');
  t.after(() => backend.close());
  const dp = dataPlane(t);
  const { address, port, url } = await simpleAlb(dp, [targetGroup(TG, [backend])]);

  const bad = await RawClient.connect(address, port);
  bad.send('GET / HTTP/1.1\r\nHost : a\r\n\r\n');
  const text = await bad.until(() => false);
  assert.ok(bad.closed);
  assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\nServer: awselb\/2\.0\r\n/);
  assert.ok(text.includes('Connection: close'));

  assert.equal((await fetchText(url, { method: 'TRACE' })).status, 405);
  const coding = await RawClient.connect(address, port);
  coding.send('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n');
  assert.match(await coding.until(() => false), /^HTTP\/1\.1 501 Not Implemented\r\n/);

  const chain = Array.from({ length: 31 }, (_, i) => `10.0.0.${i}`).join(', ');
  assert.equal((await fetchText(url, { headers: { 'X-Forwarded-For': chain } })).status, 463);
  const shorter = Array.from({ length: 30 }, (_, i) => `10.0.0.${i}`).join(', ');
  assert.equal((await fetchText(url, { headers: { 'X-Forwarded-For': shorter } })).status, 200);
});

test('a client connection idle for the idle timeout is closed', async (t) => {
  const backend = await startBackend('a');
  t.after(() => backend.close());
  const dp = dataPlane(t);
  const { address, port } = await simpleAlb(dp, [targetGroup(TG, [backend])], undefined, {
    idleTimeoutMs: 200,
  });
  const client = await RawClient.connect(address, port);
  client.send('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
  await client.responses(1);
  assert.ok(!client.closed, 'kept alive after a response');
  await until(() => client.closed, 'the idle connection closed');
  assert.equal(client.received.match(/HTTP\/1\.1/g)?.length, 1, 'closed without an answer of its own');
});
