import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { test } from 'node:test';
import type { ActionPlan } from '../../src/lb/lb-plan.ts';
import {
  dataPlane,
  fetchText,
  rule,
  simpleAlb,
  startBackend,
  targetGroup,
  until,
  untilState,
} from './support.ts';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/1';
const TG2 = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/2';

test('requests reach the target with X-Forwarded-For appended, X-Forwarded-Proto and -Port, a trace id, Host as sent', async (t) => {
  const backend = await startBackend('a');
  t.after(() => backend.close());
  const dp = dataPlane(t);
  const { url, port } = await simpleAlb(dp, [targetGroup(TG, [backend])]);
  const reply = await fetchText(`${url}/some/path?q=1`, {
    headers: {
      Host: 'app.example.com',
      'X-Forwarded-For': '203.0.113.7',
      'X-Forwarded-Proto': 'https',
      'X-Forwarded-Port': '1',
      'Keep-Alive': 'timeout=99',
      'X-Custom': 'kept',
    },
  });
  assert.equal(reply.status, 200);
  const seen = reply.json<{ url: string; headers: Record<string, string> }>();
  assert.equal(seen.url, '/some/path?q=1');
  assert.equal(seen.headers.host, 'app.example.com');
  assert.equal(seen.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
  assert.equal(seen.headers['x-forwarded-proto'], 'http', 'the client spoke HTTP to the listener');
  assert.equal(seen.headers['x-forwarded-port'], String(port));
  assert.match(seen.headers['x-amzn-trace-id']!, /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  assert.equal(seen.headers['x-custom'], 'kept');
  assert.equal(seen.headers['keep-alive'], undefined, 'hop-by-hop headers stay on their hop');
  assert.equal(reply.headers['keep-alive'], undefined, "the target's keep-alive is not the client's");
  assert.equal(reply.headers['content-type'], 'application/json');

  const fresh = await fetchText(url);
  assert.equal(fresh.json<{ headers: Record<string, string> }>().headers['x-forwarded-for'], '127.0.0.1');
});

test('connections to targets are kept alive and pooled: many requests, few connections', async (t) => {
  const [a, b] = await Promise.all([startBackend('a'), startBackend('b')]);
  t.after(() => Promise.all([a.close(), b.close()]));
  const dp = dataPlane(t);
  const { url } = await simpleAlb(dp, [targetGroup(TG, [a, b])]);
  await untilState(dp, TG, 'healthy', 2);
  // Health checks open connections of their own (one per check, as ELB's): count from here.
  const before = a.connections + b.connections;
  const checksBefore = a.requests.length + b.requests.length;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  t.after(() => agent.destroy());
  const seen = { a: 0, b: 0 };
  for (let round = 0; round < 50; round++) {
    const replies = await Promise.all(Array.from({ length: 4 }, () => fetchText(url, { agent })));
    for (const r of replies) seen[r.json<{ backend: 'a' | 'b' }>().backend]++;
  }
  assert.deepEqual(seen, { a: 100, b: 100 }, 'round robin');
  const checks = a.requests.length + b.requests.length - checksBefore - 200;
  const opened = a.connections + b.connections - before - checks;
  assert.ok(
    opened <= 8,
    `at most one connection per target per concurrent request, not per request: ${opened}`,
  );
});

test('least outstanding requests: a target busy with a request gets no more while another is idle', async (t) => {
  const held: (() => void)[] = [];
  const slow = await startBackend('slow', (req, res) => {
    if (req.headers['user-agent']?.startsWith('ELB-HealthChecker')) return void res.end('ok');
    held.push(() => res.end('slow'));
  });
  const fast = await startBackend('fast');
  t.after(async () => {
    for (const release of held) release();
    await Promise.all([slow.close(), fast.close()]);
  });
  const dp = dataPlane(t);
  const { url } = await simpleAlb(dp, [
    targetGroup(TG, [slow, fast], { algorithm: 'least_outstanding_requests' }),
  ]);
  await untilState(dp, TG, 'healthy', 2);
  const pending: Promise<unknown>[] = [];
  let fastReplies = 0;
  for (let i = 0; i < 10; i++) {
    const reply = fetchText(url).then((r) => {
      if (r.body !== 'slow') fastReplies++;
    });
    pending.push(reply);
    // One request at a time: when the next is routed, the fast target has none outstanding.
    await until(() => fastReplies + held.length === i + 1, 'the request was answered or held');
  }
  assert.equal(held.length, 1, 'only the first request ever went to the busy target');
  assert.equal(fastReplies, 9);
  for (const release of held) release();
  await Promise.all(pending);
});

test('a weighted forward splits requests by weight; weight 0 gets none', async (t) => {
  const [blue, green, black] = await Promise.all([
    startBackend('blue'),
    startBackend('green'),
    startBackend('black'),
  ]);
  t.after(() => Promise.all([blue.close(), green.close(), black.close()]));
  const dp = dataPlane(t);
  const TG3 = `${TG}-black`;
  const canary: ActionPlan = {
    type: 'forward',
    targetGroups: [
      { arn: TG, weight: 90 },
      { arn: TG2, weight: 10 },
      { arn: TG3, weight: 0 },
    ],
  };
  const { url } = await simpleAlb(
    dp,
    [targetGroup(TG, [blue]), targetGroup(TG2, [green]), targetGroup(TG3, [black])],
    [rule('default', [], canary)],
  );
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  t.after(() => agent.destroy());
  const counts: Record<string, number> = { blue: 0, green: 0, black: 0 };
  for (let round = 0; round < 125; round++) {
    const replies = await Promise.all(Array.from({ length: 8 }, () => fetchText(url, { agent })));
    for (const r of replies) counts[r.json<{ backend: string }>().backend]!++;
  }
  // 1000 requests at 10%: the standard deviation is 9.5, these bounds are over 5 of them.
  assert.ok(counts.green! >= 50 && counts.green! <= 150, JSON.stringify(counts));
  assert.equal(counts.black, 0);
  assert.equal(counts.blue! + counts.green!, 1000);
});

test('target group stickiness keeps a client on the group its AWSALBTG cookie names', async (t) => {
  const [blue, green] = await Promise.all([startBackend('blue'), startBackend('green')]);
  t.after(() => Promise.all([blue.close(), green.close()]));
  const dp = dataPlane(t);
  const action: ActionPlan = {
    type: 'forward',
    targetGroups: [
      { arn: TG, weight: 50 },
      { arn: TG2, weight: 50 },
    ],
    stickiness: { enabled: true, durationSeconds: 3600 },
  };
  const { url } = await simpleAlb(
    dp,
    [targetGroup(TG, [blue]), targetGroup(TG2, [green])],
    [rule('default', [], action)],
  );
  const first = await fetchText(url);
  const cookies = first.headers['set-cookie'] as string[];
  const tg = cookies.find((c) => c.startsWith('AWSALBTG='));
  assert.ok(tg, JSON.stringify(cookies));
  assert.match(tg, /^AWSALBTG=[^;]+; Expires=[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} [\d:]{8} GMT; Path=\/$/);
  assert.ok(cookies.some((c) => /^AWSALBTGCORS=[^;]+; Expires=.*; Path=\/; SameSite=None; Secure$/.test(c)));
  const backend = first.json<{ backend: string }>().backend;
  const cookie = tg.split(';')[0]!;
  for (let i = 0; i < 20; i++) {
    const r = await fetchText(url, { headers: { Cookie: `other=1; ${cookie}` } });
    assert.equal(r.json<{ backend: string }>().backend, backend);
  }
});

test('lb_cookie stickiness: AWSALB keeps a client on its target; a forged or foreign cookie is ignored', async (t) => {
  const [a, b] = await Promise.all([startBackend('a'), startBackend('b')]);
  t.after(() => Promise.all([a.close(), b.close()]));
  const dp = dataPlane(t);
  const sticky = { enabled: true, type: 'lb_cookie' as const, durationSeconds: 600 };
  const { url } = await simpleAlb(dp, [targetGroup(TG, [a, b], { stickiness: sticky })]);
  await untilState(dp, TG, 'healthy', 2);
  const first = await fetchText(url);
  const cookies = first.headers['set-cookie'] as string[];
  const awsalb = cookies.find((c) => c.startsWith('AWSALB='))!;
  assert.match(awsalb, /^AWSALB=[A-Za-z0-9_-]+; Expires=.* GMT; Path=\/$/);
  assert.ok(cookies.some((c) => c.startsWith('AWSALBCORS=') && c.endsWith('; SameSite=None; Secure')));
  const name = first.json<{ backend: string }>().backend;
  for (let i = 0; i < 10; i++) {
    const r = await fetchText(url, { headers: { Cookie: awsalb.split(';')[0]! } });
    assert.equal(r.json<{ backend: string }>().backend, name);
    assert.ok(
      (r.headers['set-cookie'] as string[]).some((c) => c.startsWith('AWSALB=')),
      'renewed each time',
    );
  }
  const forged = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const r = await fetchText(url, { headers: { Cookie: 'AWSALB=bm90LWEtY29va2llLW9mLW91cnMtYXQtYWxs' } });
    forged.add(r.json<{ backend: string }>().backend);
  }
  assert.deepEqual([...forged].sort(), ['a', 'b'], 'a cookie that does not open is no stickiness');
});

test('app_cookie stickiness: once the target sets its cookie, AWSALBAPP-0 keeps the client there', async (t) => {
  const handler =
    (name: string) => (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      if (req.url === '/login') res.setHeader('Set-Cookie', `session=${name}; Path=/`);
      res.end(name);
    };
  const [a, b] = await Promise.all([startBackend('a', handler('a')), startBackend('b', handler('b'))]);
  t.after(() => Promise.all([a.close(), b.close()]));
  const dp = dataPlane(t);
  const sticky = { enabled: true, type: 'app_cookie' as const, durationSeconds: 600, cookieName: 'session' };
  const { url } = await simpleAlb(dp, [targetGroup(TG, [a, b], { stickiness: sticky })]);
  await untilState(dp, TG, 'healthy', 2);
  const plain = await fetchText(`${url}/`);
  assert.equal(plain.headers['set-cookie'], undefined, 'no app cookie set, no stickiness cookie');
  const login = await fetchText(`${url}/login`);
  const cookies = login.headers['set-cookie'] as string[];
  const app = cookies.find((c) => c.startsWith('AWSALBAPP-0='));
  assert.ok(app, JSON.stringify(cookies));
  assert.ok(cookies.includes(`session=${login.body}; Path=/`), "the target's own cookie passes untouched");
  const both = `session=${login.body}; ${app.split(';')[0]}`;
  for (let i = 0; i < 10; i++)
    assert.equal((await fetchText(url, { headers: { Cookie: both } })).body, login.body);
  const alone = new Set<string>();
  for (let i = 0; i < 10; i++)
    alone.add((await fetchText(url, { headers: { Cookie: app.split(';')[0]! } })).body);
  assert.equal(alone.size, 2, 'without the application cookie the client is not stuck');
});
