import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { buildLbPlan, type LbPlanInput, readLbPlanInput } from '../../src/control/lb-plan-builder.ts';
import { LbReconciler } from '../../src/control/lb-reconciler.ts';
import type {
  ListenerRecord,
  LoadBalancerRecord,
  RuleRecord,
  TargetGroupRecord,
} from '../../src/core/elbv2/elbv2-records.ts';
import type { LbDataPlane, LbPlan, TargetHealth } from '../../src/lb/lb-plan.ts';
import { insertListener } from '../../src/store/lb-listeners.ts';
import { insertRule } from '../../src/store/lb-rules.ts';
import { deregisterTargets, registerTargets } from '../../src/store/lb-targets.ts';
import { getLoadBalancer, insertLoadBalancer } from '../../src/store/load-balancers.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { insertTargetGroup } from '../../src/store/target-groups.ts';

const scope = { account: '000000000000', region: 'us-east-1' };
const ARN = 'arn:aws:elasticloadbalancing:us-east-1:000000000000';

const alb: LoadBalancerRecord = {
  arn: `${ARN}:loadbalancer/app/web/00000000000000a1`,
  scope,
  name: 'web',
  type: 'application',
  scheme: 'internet-facing',
  state: 'provisioning',
  host: 'local',
  address: '127.100.0.1',
  dnsName: 'web-1234567890.us-east-1.elb.amazonaws.com',
  vpcId: 'vpc-1',
  zones: [],
  securityGroups: [],
  attributes: { 'idle_timeout.timeout_seconds': '120' },
  createdAt: 1,
  updatedAt: 1,
};
const nlb: LoadBalancerRecord = {
  ...alb,
  arn: `${ARN}:loadbalancer/net/tcp/00000000000000b2`,
  name: 'tcp',
  type: 'network',
  address: '127.100.0.2',
  dnsName: 'tcp-00000000000000b2.elb.us-east-1.amazonaws.com',
  attributes: {},
  createdAt: 2,
};
const group = (name: string, over: Partial<TargetGroupRecord> = {}): TargetGroupRecord => ({
  arn: `${ARN}:targetgroup/${name}/00000000000000${name.length.toString(16).padStart(2, '0')}`,
  scope,
  name,
  targetType: 'ip',
  protocol: 'HTTP',
  port: 80,
  vpcId: 'vpc-1',
  protocolVersion: 'HTTP1',
  healthCheck: {
    enabled: true,
    protocol: 'HTTP',
    port: 'traffic-port',
    path: '/health',
    intervalSeconds: 10,
    timeoutSeconds: 2,
    healthyThreshold: 3,
    unhealthyThreshold: 2,
    matcher: { HttpCode: '200-299' },
  },
  attributes: {
    'stickiness.enabled': 'true',
    'stickiness.type': 'lb_cookie',
    'stickiness.lb_cookie.duration_seconds': '3600',
    'load_balancing.algorithm.type': 'least_outstanding_requests',
  },
  createdAt: 1,
  updatedAt: 1,
  ...over,
});
const blue = group('blue');
const green = group('green');
const unusedGroup = group('unused-group');
const tcp = group('tcp', {
  protocol: 'TCP',
  healthCheck: { ...blue.healthCheck, protocol: 'TCP', port: '8081' },
  attributes: { 'stickiness.enabled': 'false', 'stickiness.type': 'source_ip' },
});
delete tcp.healthCheck.path;
delete tcp.healthCheck.matcher;

const http80: ListenerRecord = {
  arn: `${alb.arn.replace(':loadbalancer/', ':listener/')}/0000000000000080`,
  loadBalancerArn: alb.arn,
  port: 80,
  protocol: 'HTTP',
  createdAt: 1,
};
const http8080: ListenerRecord = { ...http80, arn: `${http80.arn.slice(0, -4)}8080`, port: 8080 };
const tcp5432: ListenerRecord = {
  arn: `${nlb.arn.replace(':loadbalancer/', ':listener/')}/0000000000005432`,
  loadBalancerArn: nlb.arn,
  port: 5432,
  protocol: 'TCP',
  createdAt: 1,
};
const rule = (l: ListenerRecord, priority: number | null, over: Partial<RuleRecord>): RuleRecord => ({
  arn: `${l.arn.replace(':listener/', ':listener-rule/')}/${String(priority ?? 0).padStart(16, '0')}`,
  listenerArn: l.arn,
  loadBalancerArn: l.loadBalancerArn,
  priority,
  conditions: [],
  actions: [],
  createdAt: 1,
  ...over,
});
const forward = (...arns: [string, number][]) =>
  ({
    type: 'forward',
    targetGroups: arns.map(([arn, weight]) => ({ arn, weight })),
    stickiness: { enabled: false },
  }) as const;

const rules: RuleRecord[] = [
  rule(http80, null, { actions: [forward([blue.arn, 1])] }),
  rule(http80, 20, {
    conditions: [
      { field: 'http-header', name: 'X-Canary', values: ['yes'] },
      { field: 'query-string', pairs: [{ key: 'v', value: '2' }, { value: 'x*' }] },
    ],
    actions: [
      {
        type: 'forward',
        targetGroups: [
          { arn: blue.arn, weight: 90 },
          { arn: green.arn, weight: 10 },
        ],
        stickiness: { enabled: true, durationSeconds: 600 },
      },
    ],
  }),
  rule(http80, 5, {
    conditions: [{ field: 'path-pattern', values: ['/old/*'] }],
    actions: [
      {
        type: 'redirect',
        protocol: '#{protocol}',
        port: '#{port}',
        host: 'new.example.com',
        path: '/#{path}',
        query: '#{query}',
        statusCode: 'HTTP_301',
      },
    ],
  }),
  rule(http8080, null, { actions: [{ type: 'fixed-response', statusCode: '503', messageBody: 'down' }] }),
  rule(tcp5432, null, { actions: [forward([tcp.arn, 1])] }),
];

const input: LbPlanInput = {
  loadBalancers: [alb, nlb],
  listeners: [http8080, tcp5432, http80],
  rules,
  targetGroups: [green, blue, unusedGroup, tcp],
  targets: [
    { targetGroupArn: blue.arn, id: '10.0.0.1', port: 80, registeredAt: 1 },
    { targetGroupArn: blue.arn, id: '10.0.0.2', port: 80, registeredAt: 1, drainingUntil: 5000 },
    { targetGroupArn: blue.arn, id: '10.0.0.3', port: 80, registeredAt: 1, drainingUntil: 900 },
    { targetGroupArn: unusedGroup.arn, id: '10.0.0.9', port: 80, registeredAt: 1 },
    { targetGroupArn: tcp.arn, id: '10.0.1.1', port: 5432, registeredAt: 1 },
  ],
};

describe('the load balancer plan', () => {
  test('is built from the store whole: listeners by port, rules by priority, the default rule last', () => {
    const plan = buildLbPlan(input, 1000);
    assert.deepEqual(
      plan.loadBalancers.map((lb) => [lb.arn, lb.type, lb.address, lb.dnsName, lb.idleTimeoutMs]),
      [
        [alb.arn, 'application', '127.100.0.1', alb.dnsName, 120_000],
        [nlb.arn, 'network', '127.100.0.2', nlb.dnsName, 350_000],
      ],
    );
    const [l80, l8080] = plan.loadBalancers[0]!.listeners;
    assert.deepEqual(
      plan.loadBalancers[0]!.listeners.map((l) => [l.port, l.protocol]),
      [
        [80, 'HTTP'],
        [8080, 'HTTP'],
      ],
    );
    assert.deepEqual(
      l80!.rules.map((r) => r.priority),
      [5, 20, 'default'],
    );
    assert.deepEqual(l80!.rules[1], {
      arn: rules[1]!.arn,
      priority: 20,
      conditions: [
        { field: 'http-header', name: 'X-Canary', values: ['yes'] },
        { field: 'query-string', values: [{ key: 'v', value: '2' }, { value: 'x*' }] },
      ],
      actions: [
        {
          type: 'forward',
          targetGroups: [
            { arn: blue.arn, weight: 90 },
            { arn: green.arn, weight: 10 },
          ],
          stickiness: { enabled: true, durationSeconds: 600 },
        },
      ],
    });
    assert.deepEqual(l80!.rules[0]!.actions, [
      {
        type: 'redirect',
        protocol: '#{protocol}',
        host: 'new.example.com',
        port: '#{port}',
        path: '/#{path}',
        query: '#{query}',
        statusCode: 'HTTP_301',
      },
    ]);
    assert.deepEqual(l80!.rules[2]!.actions, [
      { type: 'forward', targetGroups: [{ arn: blue.arn, weight: 1 }] },
    ]);
    assert.deepEqual(l8080!.rules, [
      {
        arn: rules[3]!.arn,
        priority: 'default',
        conditions: [],
        actions: [{ type: 'fixed-response', statusCode: '503', messageBody: 'down' }],
      },
    ]);
  });

  test('holds the groups rules forward to, with targets registered or still draining', () => {
    const plan = buildLbPlan(input, 1000);
    assert.deepEqual(
      plan.targetGroups.map((t) => t.arn),
      [blue.arn, green.arn, tcp.arn].sort(),
      'a group no rule forwards to is not checked or routed to',
    );
    const b = plan.targetGroups.find((t) => t.arn === blue.arn)!;
    assert.deepEqual(b, {
      arn: blue.arn,
      protocol: 'HTTP',
      port: 80,
      healthCheck: {
        enabled: true,
        protocol: 'HTTP',
        port: 'traffic-port',
        path: '/health',
        intervalMs: 10_000,
        timeoutMs: 2000,
        healthyThreshold: 3,
        unhealthyThreshold: 2,
        matcher: '200-299',
      },
      stickiness: { enabled: true, type: 'lb_cookie', durationSeconds: 3600 },
      algorithm: 'least_outstanding_requests',
      targets: [
        { id: '10.0.0.1', port: 80 },
        { id: '10.0.0.2', port: 80, drainingUntil: 5000 },
      ],
    });
    const t = plan.targetGroups.find((x) => x.arn === tcp.arn)!;
    assert.deepEqual(
      [t.healthCheck.protocol, t.healthCheck.port, t.stickiness.type, t.algorithm],
      ['TCP', 8081, 'source_ip', 'round_robin'],
    );
    assert.deepEqual(
      buildLbPlan(input, 5000).targetGroups.find((x) => x.arn === blue.arn)!.targets,
      [{ id: '10.0.0.1', port: 80 }],
      'a target whose draining ended is dropped',
    );
  });
});

/** The tiny data plane of these unit tests: it records the plans it is given. */
class RecordingDataPlane implements LbDataPlane {
  readonly plans: LbPlan[] = [];
  failing = false;
  async apply(plan: LbPlan): Promise<void> {
    if (this.failing) throw new Error('cannot bind');
    this.plans.push(plan);
  }
  targetHealth(): readonly TargetHealth[] {
    return [];
  }
  onHealthChange(): () => void {
    return () => {};
  }
  async close(): Promise<void> {}
}

describe('the load balancer reconciler', () => {
  let store: Store;
  let dir: string;
  let now = 1000;
  const clock = { now: () => now };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'neargate-lb-plan-'));
    store = await openStore({ sqliteFile: join(dir, 'store.db') });
    for (const lb of [alb, nlb]) await insertLoadBalancer(store.db, lb);
    for (const tg of [blue, green, unusedGroup, tcp]) await insertTargetGroup(store.db, tg);
    for (const l of [http80, http8080, tcp5432]) await insertListener(store.db, l);
    for (const r of rules) await insertRule(store.db, r);
    await registerTargets(
      store.db,
      blue.arn,
      [
        { id: '10.0.0.1', port: 80 },
        { id: '10.0.0.2', port: 80 },
      ],
      1,
    );
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const reconciler = (dataPlane: LbDataPlane) =>
    new LbReconciler({
      store,
      clock,
      log: pino({ level: 'silent' }),
      hostId: 'local',
      dataPlane,
      sweepIntervalMs: 3_600_000,
      retryMs: 3_600_000,
    });

  test('reads the plan the builder makes from the store', async () => {
    const read = await readLbPlanInput(store.db, 'local', now);
    assert.deepEqual(buildLbPlan(read, now), buildLbPlan({ ...input, targets: read.targets }, now));
    assert.deepEqual(
      read.targets.map((t) => t.id),
      ['10.0.0.1', '10.0.0.2'],
    );
  });

  test('a failed apply leaves load balancers provisioning; the next one makes them active', async () => {
    const plane = new RecordingDataPlane();
    const r = reconciler(plane);
    plane.failing = true;
    await r.tick();
    assert.equal((await getLoadBalancer(store.db, alb.arn))?.state, 'provisioning');
    plane.failing = false;
    await r.tick();
    assert.equal(plane.plans.length, 1);
    assert.deepEqual(
      plane.plans[0]!.loadBalancers.map((lb) => lb.arn),
      [alb.arn, nlb.arn],
    );
    assert.equal((await getLoadBalancer(store.db, alb.arn))?.state, 'active');
    assert.equal((await getLoadBalancer(store.db, nlb.arn))?.state, 'active');
    await r.stop();
  });

  test('a deregistered target drains in the plan until its end, then leaves the plan and the store', async () => {
    const plane = new RecordingDataPlane();
    const r = reconciler(plane);
    await deregisterTargets(store.db, blue.arn, [{ id: '10.0.0.2', port: 80 }], now + 30_000, now);
    await r.tick();
    const blueTargets = (p: LbPlan) => p.targetGroups.find((t) => t.arn === blue.arn)!.targets;
    assert.deepEqual(blueTargets(plane.plans.at(-1)!), [
      { id: '10.0.0.1', port: 80 },
      { id: '10.0.0.2', port: 80, drainingUntil: now + 30_000 },
    ]);
    now += 30_000;
    await r.tick();
    assert.deepEqual(blueTargets(plane.plans.at(-1)!), [{ id: '10.0.0.1', port: 80 }]);
    const left = await store.db.selectFrom('lb_targets').select('target_id').execute();
    assert.deepEqual(
      left.map((t) => t.target_id),
      ['10.0.0.1'],
      'purged from the store',
    );
    await r.stop();
  });

  test('wake-ups during a pass make one more pass, not a pass each', async () => {
    const plane = new RecordingDataPlane();
    const r = reconciler(plane);
    const first = r.tick();
    r.wake();
    r.wake();
    await first;
    assert.equal(plane.plans.length, 2);
    await r.stop();
  });
});
