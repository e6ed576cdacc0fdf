import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { Agent } from 'node:http';
import { test } from 'node:test';
import type { LbPlan } from '../../src/lb/lb-plan.ts';
import {
  alb,
  dataPlane,
  fetchText,
  forward,
  freeListenerAddress,
  httpListener,
  RawClient,
  refused,
  rule,
  splitResponses,
  startBackend,
  targetGroup,
  until,
  untilState,
} from './support.ts';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/1';
const TG2 = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/2';

/** A backend that holds requests to /slow until released; others are answered at once. */
async function slowBackend(name: string) {
  const held: ServerResponse[] = [];
  const backend = await startBackend(name, (req, res) => {
    if (req.url === '/slow') held.push(res);
    else res.end(JSON.stringify({ backend: name }));
  });
  return {
    backend,
    held,
    release: () => {
      for (const res of held.splice(0)) res.end(`${name} slow`);
    },
  };
}

test('a draining target finishes its requests in flight and gets no new ones; past its delay they are cut (502)', async (t) => {
  const a = await slowBackend('a');
  const b = await startBackend('b');
  t.after(async () => {
    a.release();
    await Promise.all([a.backend.close(), b.close()]);
  });
  const dp = dataPlane(t);
  const { address, port } = freeListenerAddress();
  const url = `http://${address}:${port}`;
  const lb = alb('arn:lb/drain', address, [httpListener(port, [rule('default', [], forward(TG))])]);
  const aTarget = { id: '127.0.0.1', port: a.backend.port };
  const bTarget = { id: '127.0.0.1', port: b.port };
  await dp.apply({ targetGroups: [targetGroup(TG, [aTarget])], loadBalancers: [lb] });
  await untilState(dp, TG, 'healthy', 1);
  const inFlight = fetchText(`${url}/slow`);
  await until(() => a.held.length === 1, 'the slow request reached a');

  // a deregistered: it drains for a minute while b takes the new requests.
  const drainingA = { ...aTarget, drainingUntil: Date.now() + 60_000 };
  await dp.apply({ targetGroups: [targetGroup(TG, [drainingA, bTarget])], loadBalancers: [lb] });
  assert.deepEqual(
    dp.targetHealth(TG).find((h) => h.port === a.backend.port),
    {
      targetGroupArn: TG,
      id: '127.0.0.1',
      port: a.backend.port,
      state: 'draining',
      reason: 'Target.DeregistrationInProgress',
      description: 'Target deregistration is in progress',
    },
  );
  for (let i = 0; i < 10; i++) assert.equal((await fetchText(url)).json().backend, 'b');
  a.release();
  const finished = await inFlight;
  assert.equal(finished.status, 200);
  assert.equal(finished.body, 'a slow', 'the request in flight finished on the draining target');

  // Deregistered with a short delay: a request still in flight when it ends is cut.
  await dp.apply({ targetGroups: [targetGroup(TG, [aTarget])], loadBalancers: [lb] });
  await untilState(dp, TG, 'healthy', 1);
  const late = fetchText(`${url}/slow`);
  await until(() => a.held.length === 1, 'the second slow request reached a');
  await dp.apply({
    targetGroups: [targetGroup(TG, [{ ...aTarget, drainingUntil: Date.now() + 200 }, bTarget])],
    loadBalancers: [lb],
  });
  assert.equal((await late).status, 502, 'cut when the deregistration delay ended');
});

test('apply is idempotent: the same plan again leaves listeners and open connections alone', async (t) => {
  const backend = await startBackend('a');
  t.after(() => backend.close());
  const dp = dataPlane(t);
  const { address, port } = freeListenerAddress();
  const plan: LbPlan = {
    targetGroups: [targetGroup(TG, [backend])],
    loadBalancers: [alb('arn:lb/same', address, [httpListener(port, [rule('default', [], forward(TG))])])],
  };
  await dp.apply(plan);
  const client = await RawClient.connect(address, port);
  t.after(() => client.close());
  for (let i = 1; i <= 5; i++) {
    await dp.apply(structuredClone(plan));
    client.send('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.equal(splitResponses(await client.responses(i)).length, i);
  }
  assert.ok(!client.closed);
});

test('listeners come and go with the plan; a removed load balancer lets go of its address', async (t) => {
  const backend = await startBackend('a');
  t.after(() => backend.close());
  const dp = dataPlane(t);
  const { address, port } = freeListenerAddress();
  const second = port + 1;
  const group = targetGroup(TG, [backend]);
  const listener = (p: number) => httpListener(p, [rule('default', [], forward(TG))]);
  await dp.apply({ targetGroups: [group], loadBalancers: [alb('arn:lb/x', address, [listener(port)])] });
  assert.equal((await fetchText(`http://${address}:${port}`)).status, 200);
  await dp.apply({ targetGroups: [group], loadBalancers: [alb('arn:lb/x', address, [listener(second)])] });
  assert.ok(await refused(address, port), 'the old port is closed');
  assert.equal((await fetchText(`http://${address}:${second}`)).status, 200);
  await dp.apply({ targetGroups: [group], loadBalancers: [] });
  assert.ok(await refused(address, second));
  // The same address and port can be taken again at once.
  await dp.apply({ targetGroups: [group], loadBalancers: [alb('arn:lb/y', address, [listener(second)])] });
  assert.equal((await fetchText(`http://${address}:${second}`)).status, 200);
});

test('apply() while requests stream: rules, targets, weights and drains change and no request fails', async (t) => {
  const backends = await Promise.all(['a', 'b', 'c'].map((n) => startBackend(n)));
  t.after(() => Promise.all(backends.map((b) => b.close())));
  const [a, b, c] = backends.map((x) => ({ id: '127.0.0.1', port: x!.port }));
  const dp = dataPlane(t);
  const { address, port } = freeListenerAddress();
  const url = `http://${address}:${port}`;
  const plan = (groups: LbPlan['targetGroups'], rules: ReturnType<typeof rule>[]): LbPlan => ({
    targetGroups: groups,
    loadBalancers: [alb('arn:lb/live', address, [httpListener(port, rules)])],
  });
  const forwardAll = [rule('default', [], forward(TG))];
  await dp.apply(plan([targetGroup(TG, [a!, b!])], forwardAll));
  await untilState(dp, TG, 'healthy', 2);

  const agent = new Agent({ keepAlive: true, maxSockets: 6 });
  t.after(() => agent.destroy());
  let running = true;
  const failures: string[] = [];
  let done = 0;
  const workers = Array.from({ length: 6 }, async () => {
    while (running) {
      try {
        const post = done % 3 === 0;
        const r = await fetchText(`${url}/item`, {
          agent,
          method: post ? 'POST' : 'GET',
          ...(post && { body: 'x' }),
        });
        if (r.status !== 200) failures.push(`${r.status} ${r.body}`);
      } catch (error) {
        failures.push(String(error));
      }
      done++;
    }
  });
  const soon = Date.now() + 60_000;
  const steps: LbPlan[] = [
    // A rule added ahead of the default; c joins.
    plan(
      [targetGroup(TG, [a!, b!, c!])],
      [
        rule(5, [{ field: 'path-pattern', values: ['/never'] }], {
          type: 'fixed-response',
          statusCode: '404',
        }),
        ...forwardAll,
      ],
    ),
    // a drains (no new requests), then leaves once drained.
    plan([targetGroup(TG, [{ ...a!, drainingUntil: soon }, b!, c!])], forwardAll),
    plan([targetGroup(TG, [b!, c!])], forwardAll),
    // Blue/green: a second group takes a weighted share, then everything.
    plan(
      [targetGroup(TG, [b!, c!]), targetGroup(TG2, [a!])],
      [
        rule('default', [], {
          type: 'forward',
          targetGroups: [
            { arn: TG, weight: 50 },
            { arn: TG2, weight: 50 },
          ],
        }),
      ],
    ),
    plan(
      [targetGroup(TG, [b!, c!]), targetGroup(TG2, [a!])],
      [
        rule('default', [], {
          type: 'forward',
          targetGroups: [
            { arn: TG, weight: 0 },
            { arn: TG2, weight: 1 },
          ],
        }),
      ],
    ),
    plan([targetGroup(TG2, [a!])], [rule('default', [], forward(TG2))]),
  ];
  for (const step of steps) {
    const before = done;
    await dp.apply(step);
    await until(() => done >= before + 30, 'requests went on');
  }
  running = false;
  await Promise.all(workers);
  assert.deepEqual(failures, []);
  assert.ok(done > 150);
});
