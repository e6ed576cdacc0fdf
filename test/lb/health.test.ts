import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { createServer } from 'node:net';
import { test } from 'node:test';
import type { TargetHealth } from '../../src/lb/lb-plan.ts';
import {
  describeHealth,
  type HealthRecord,
  INITIAL_HEALTH,
  nextHealth,
  parseMatcher,
} from '../../src/lb/target-health-state.ts';
import {
  alb,
  dataPlane,
  fetchText,
  forward,
  freeListenerAddress,
  httpListener,
  quickChecks,
  rule,
  simpleAlb,
  startBackend,
  targetGroup,
  until,
  untilState,
} from './support.ts';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/1';

test('health state machine: initial, healthy after one pass (ALB), thresholds both ways, the failure kept', () => {
  const t = { healthy: 3, unhealthy: 2, initialHealthy: 1 };
  const mismatch = { ok: false, reason: 'Target.ResponseCodeMismatch', statusCode: 503 } as const;
  let h: HealthRecord = INITIAL_HEALTH;
  assert.deepEqual(describeHealth(h), {
    reason: 'Elb.InitialHealthChecking',
    description: 'Initial health checks in progress',
  });
  h = nextHealth(h, mismatch, t);
  assert.equal(h.state, 'initial', 'one failure is below the threshold');
  h = nextHealth(h, { ok: true }, t);
  assert.equal(h.state, 'healthy');
  h = nextHealth(h, mismatch, t);
  assert.equal(h.state, 'healthy');
  h = nextHealth(h, mismatch, t);
  assert.equal(h.state, 'unhealthy');
  assert.deepEqual(describeHealth(h), {
    reason: 'Target.ResponseCodeMismatch',
    description: 'Health checks failed with these codes: [503]',
  });
  h = nextHealth(h, { ok: false, reason: 'Target.Timeout' }, t);
  assert.deepEqual(describeHealth(h), { reason: 'Target.Timeout', description: 'Request timed out' });
  h = nextHealth(nextHealth(h, { ok: true }, t), { ok: true }, t);
  assert.equal(h.state, 'unhealthy', 'two passes are not the three it takes');
  assert.equal(nextHealth(h, { ok: true }, t).state, 'healthy');
  const failed = nextHealth(
    nextHealth(INITIAL_HEALTH, { ok: false, reason: 'Target.FailedHealthChecks' }, t),
    {
      ok: false,
      reason: 'Target.FailedHealthChecks',
    },
    t,
  );
  assert.deepEqual(describeHealth(failed), {
    reason: 'Target.FailedHealthChecks',
    description: 'Health checks failed',
  });
});

test("health check matchers: single codes, lists and ranges, as ELB's HttpCode", () => {
  const m = parseMatcher('200-299,302');
  assert.ok(m(200) && m(250) && m(299) && m(302));
  assert.ok(!m(301) && !m(300) && !m(404));
  assert.ok(parseMatcher('200')(200) && !parseMatcher('200')(201));
  assert.throws(() => parseMatcher('2xx'), RangeError);
  assert.throws(() => parseMatcher('300-200'), RangeError);
});

/** A target whose health check answers are held until the test gives them, one by one. */
async function steppedTarget() {
  const waiting: ServerResponse[] = [];
  const backend = await startBackend('stepped', (req, res) => {
    if (req.url === '/health') waiting.push(res);
    else res.end('app');
  });
  return {
    backend,
    waiting,
    /** Answers the next health check with `status` once it has come. */
    async answer(status: number) {
      await until(() => waiting.length > 0, 'a health check');
      waiting.shift()!.writeHead(status).end();
    },
  };
}

test('a target goes initial → healthy → unhealthy (codes) → healthy again, with ELB reasons, and health changes are told', async (t) => {
  const target = await steppedTarget();
  t.after(() => target.backend.close());
  const dp = dataPlane(t);
  const changes: string[] = [];
  dp.onHealthChange((arn) => changes.push(arn));
  const checks = {
    ...quickChecks,
    path: '/health',
    timeoutMs: 60_000,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
  };
  await simpleAlb(dp, [targetGroup(TG, [target.backend], { healthCheck: checks })]);
  const state = (): TargetHealth => dp.targetHealth(TG)[0]!;
  assert.deepEqual(state(), {
    targetGroupArn: TG,
    id: '127.0.0.1',
    port: target.backend.port,
    state: 'initial',
    reason: 'Elb.InitialHealthChecking',
    description: 'Initial health checks in progress',
  });
  await target.answer(200);
  await until(() => state().state === 'healthy', 'healthy after its first passing check');
  assert.equal(state().reason, undefined);
  assert.deepEqual(changes, [TG]);
  await target.answer(503);
  await until(() => target.waiting.length > 0, 'the next check');
  assert.equal(state().state, 'healthy', 'one failure is not the two it takes');
  await target.answer(503);
  await until(() => state().state === 'unhealthy', 'unhealthy after two failures');
  assert.equal(state().reason, 'Target.ResponseCodeMismatch');
  assert.equal(state().description, 'Health checks failed with these codes: [503]');
  await target.answer(200);
  await until(() => target.waiting.length > 0, 'the next check');
  assert.equal(state().state, 'unhealthy', 'one pass does not make an unhealthy target healthy');
  await target.answer(200);
  await until(() => state().state === 'healthy', 'healthy after two passes');
  assert.deepEqual(changes, [TG, TG, TG]);
});

test('a check that outlasts its timeout is Target.Timeout; a refused connection Target.FailedHealthChecks', async (t) => {
  const hanging = await startBackend('hang', () => {});
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const refusedPort = (closed.address() as import('node:net').AddressInfo).port;
  await new Promise((r) => closed.close(r));
  t.after(() => hanging.close());
  const dp = dataPlane(t);
  const TG2 = `${TG}-2`;
  await simpleAlb(
    dp,
    [targetGroup(TG, [hanging]), targetGroup(TG2, [{ id: '127.0.0.1', port: refusedPort }])],
    [rule(1, [{ field: 'path-pattern', values: ['/two'] }], forward(TG2)), rule('default', [], forward(TG))],
  );
  await untilState(dp, TG, 'unhealthy', 1);
  assert.equal(dp.targetHealth(TG)[0]!.reason, 'Target.Timeout');
  assert.equal(dp.targetHealth(TG)[0]!.description, 'Request timed out');
  await untilState(dp, TG2, 'unhealthy', 1);
  assert.equal(dp.targetHealth(TG2)[0]!.reason, 'Target.FailedHealthChecks');
  assert.equal(dp.targetHealth(TG2)[0]!.description, 'Health checks failed');
});

test('requests go to healthy targets only; when none is healthy, to all of them (fail-open)', async (t) => {
  let bHealthy = false;
  const a = await startBackend(
    'a',
    (req, res) => void res.writeHead(req.url === '/health' ? 503 : 200).end('a'),
  );
  const b = await startBackend(
    'b',
    (req, res) => void res.writeHead(req.url === '/health' && !bHealthy ? 503 : 200).end('b'),
  );
  t.after(() => Promise.all([a.close(), b.close()]));
  const dp = dataPlane(t);
  const { url } = await simpleAlb(dp, [
    targetGroup(TG, [a, b], { healthCheck: { ...quickChecks, path: '/health' } }),
  ]);
  await untilState(dp, TG, 'unhealthy', 2);
  const failOpen = new Set<string>();
  for (let i = 0; i < 10; i++) failOpen.add((await fetchText(url)).body);
  assert.deepEqual([...failOpen].sort(), ['a', 'b'], 'both unhealthy: both get requests');
  bHealthy = true;
  await until(() => dp.targetHealth(TG).some((h) => h.state === 'healthy'), 'b healthy');
  for (let i = 0; i < 10; i++) assert.equal((await fetchText(url)).body, 'b');
});

test('a group no listener forwards to is unused and not checked; disabled checks report unavailable and pass traffic', async (t) => {
  const checked = await startBackend('checked');
  const idle = await startBackend('idle');
  t.after(() => Promise.all([checked.close(), idle.close()]));
  const dp = dataPlane(t);
  const UNUSED = `${TG}-unused`;
  const { url } = await simpleAlb(dp, [
    targetGroup(TG, [checked], { healthCheck: { ...quickChecks, enabled: false } }),
    targetGroup(UNUSED, [idle]),
  ]);
  assert.deepEqual(dp.targetHealth(UNUSED), [
    {
      targetGroupArn: UNUSED,
      id: '127.0.0.1',
      port: idle.port,
      state: 'unused',
      reason: 'Target.NotInUse',
      description: 'Target group is not configured to receive traffic from the load balancer',
    },
  ]);
  assert.equal(dp.targetHealth(TG)[0]!.state, 'unavailable');
  assert.equal(dp.targetHealth(TG)[0]!.reason, 'Target.HealthCheckDisabled');
  assert.equal((await fetchText(url)).status, 200);
  assert.equal(idle.requests.length, 0, 'no health checks for an unused group');
  assert.equal(checked.requests.length, 1, 'no health checks when disabled: only the request');
});

test('checks go to their own port and path with the matcher given; ELB-HealthChecker/2.0 asks', async (t) => {
  const app = await startBackend('app', (_req, res) => void res.writeHead(404).end());
  const health = await startBackend(
    'health',
    (req, res) => void res.writeHead(req.url === '/healthz' ? 302 : 500).end(),
  );
  t.after(() => Promise.all([app.close(), health.close()]));
  const dp = dataPlane(t);
  const checks = { ...quickChecks, port: health.port, path: '/healthz', matcher: '200-299,302' };
  await simpleAlb(dp, [targetGroup(TG, [app], { healthCheck: checks })]);
  await untilState(dp, TG, 'healthy', 1);
  assert.equal(app.requests.length, 0);
  assert.equal(health.requests[0]!.headers['user-agent'], 'ELB-HealthChecker/2.0');
});

test('health is reported for the targets of the last plan, settings changes keep their state', async (t) => {
  const [a, b] = await Promise.all([startBackend('a'), startBackend('b')]);
  t.after(() => Promise.all([a.close(), b.close()]));
  const dp = dataPlane(t);
  const { address, port } = freeListenerAddress();
  const lb = alb('arn:lb/health', address, [httpListener(port, [rule('default', [], forward(TG))])]);
  await dp.apply({ targetGroups: [targetGroup(TG, [a])], loadBalancers: [lb] });
  await untilState(dp, TG, 'healthy', 1);
  await dp.apply({
    targetGroups: [targetGroup(TG, [a, b], { healthCheck: { ...quickChecks, intervalMs: 150 } })],
    loadBalancers: [lb],
  });
  const health = dp.targetHealth(TG);
  assert.equal(health.length, 2);
  assert.equal(health.find((h) => h.port === a.port)!.state, 'healthy', 'kept across a settings change');
  await untilState(dp, TG, 'healthy', 2);
  await dp.apply({ targetGroups: [targetGroup(TG, [b])], loadBalancers: [lb] });
  assert.deepEqual(
    dp.targetHealth(TG).map((h) => h.port),
    [b.port],
  );
  assert.deepEqual(dp.targetHealth('arn:no-such-group'), []);
});
