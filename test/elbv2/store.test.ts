import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type {
  ListenerRecord,
  LoadBalancerRecord,
  RuleRecord,
  TargetGroupRecord,
} from '../../src/core/elbv2/elbv2-records.ts';
import { isUniqueViolation } from '../../src/store/conflicts.ts';
import { deleteListener, insertListener, listListeners } from '../../src/store/lb-listeners.ts';
import {
  countRules,
  getDefaultRule,
  insertRule,
  listRules,
  otherLoadBalancersOf,
  rulesOf,
  setRulePriorities,
  updateRule,
} from '../../src/store/lb-rules.ts';
import {
  deregisterTargets,
  nextDrainEnd,
  purgeDrainedTargets,
  registerTargets,
  targetsOf,
} from '../../src/store/lb-targets.ts';
import {
  activateLoadBalancers,
  deleteLoadBalancer,
  getLoadBalancer,
  heldAddresses,
  insertLoadBalancer,
  listLoadBalancers,
} from '../../src/store/load-balancers.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import {
  insertTargetGroup,
  isTargetGroupInUse,
  listTargetGroups,
  loadBalancersOfTargetGroups,
} from '../../src/store/target-groups.ts';
import { storePlaces } from '../secrets/dialects.ts';

const scope = { account: '000000000000', region: 'us-east-1' };
const ARN = 'arn:aws:elasticloadbalancing:us-east-1:000000000000';

const lb = (name: string, address: string, at = 1): LoadBalancerRecord => ({
  arn: `${ARN}:loadbalancer/app/${name}/${'0'.repeat(15)}${at}`,
  scope,
  name,
  type: 'application',
  scheme: 'internet-facing',
  state: 'provisioning',
  host: 'local',
  address,
  dnsName: `${name}-1.us-east-1.elb.amazonaws.com`,
  vpcId: 'vpc-1',
  zones: [{ zoneName: 'us-east-1a', subnetId: 'subnet-a' }],
  securityGroups: [],
  attributes: { 'idle_timeout.timeout_seconds': '60' },
  createdAt: at,
  updatedAt: at,
});

const tg = (name: string): TargetGroupRecord => ({
  arn: `${ARN}:targetgroup/${name}/0123456789abcdef`,
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
    path: '/',
    intervalSeconds: 30,
    timeoutSeconds: 5,
    healthyThreshold: 5,
    unhealthyThreshold: 2,
    matcher: { HttpCode: '200' },
  },
  attributes: {},
  createdAt: 1,
  updatedAt: 1,
});

const listener = (l: LoadBalancerRecord, port: number): ListenerRecord => ({
  arn: `${l.arn.replace(':loadbalancer/', ':listener/')}/${String(port).padStart(16, '0')}`,
  loadBalancerArn: l.arn,
  port,
  protocol: 'HTTP',
  createdAt: 1,
});

const rule = (l: ListenerRecord, priority: number | null, forwardTo: string[] = []): RuleRecord => ({
  arn: `${l.arn.replace(':listener/', ':listener-rule/')}/${String(priority ?? 0).padStart(16, '0')}`,
  listenerArn: l.arn,
  loadBalancerArn: l.loadBalancerArn,
  priority,
  conditions: priority === null ? [] : [{ field: 'path-pattern', values: [`/${priority}`] }],
  actions:
    forwardTo.length > 0
      ? [
          {
            type: 'forward',
            targetGroups: forwardTo.map((arn) => ({ arn, weight: 1 })),
            stickiness: { enabled: false },
          },
        ]
      : [{ type: 'fixed-response', statusCode: '200' }],
  createdAt: 1,
});

for (const place of storePlaces('elbv2_store')) {
  describe(`load balancing store on ${place.dialect}`, { skip: place.skip }, () => {
    let store: Store;
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'neargate-elbv2-store-'));
      const url = await place.databaseUrl();
      store = await openStore(url ? { postgresUrl: url } : { sqliteFile: join(dir, 'store.db') });
    });
    after(async () => {
      await store?.close();
      await place.drop();
      await rm(dir, { recursive: true, force: true });
    });

    test('load balancers: unique names and loopback addresses, pages by name, activation once', async () => {
      const [b, a, c] = [lb('b', '127.100.0.1', 1), lb('a', '127.100.0.2', 2), lb('c', '127.100.0.3', 3)];
      for (const x of [b, a, c]) await insertLoadBalancer(store.db, x);
      const clash = async (x: LoadBalancerRecord) => {
        const err = await insertLoadBalancer(store.db, x).catch((e: unknown) => e);
        assert.ok(isUniqueViolation(err), String(err));
      };
      await clash({ ...lb('a', '127.100.0.9', 9), arn: `${ARN}:loadbalancer/app/a/ffffffffffffffff` });
      await clash({ ...lb('d', '127.100.0.1', 9) });
      assert.deepEqual(await getLoadBalancer(store.db, a.arn), a);
      assert.deepEqual(
        (await listLoadBalancers(store.db, scope, { limit: 10 })).map((x) => x.name),
        ['a', 'b', 'c'],
      );
      assert.deepEqual(
        (await listLoadBalancers(store.db, scope, { limit: 1, after: 'a' })).map((x) => x.name),
        ['b'],
      );
      assert.deepEqual(
        (await listLoadBalancers(store.db, scope, { limit: 10, names: ['c', 'a'] })).map((x) => x.name),
        ['a', 'c'],
      );
      assert.deepEqual(await listLoadBalancers(store.db, scope, { limit: 10, arns: [] }), []);
      assert.deepEqual(
        (await listLoadBalancers(store.db, { ...scope, region: 'eu-west-1' }, { limit: 10 })).length,
        0,
      );
      assert.deepEqual(await heldAddresses(store.db, 'local'), {
        held: ['127.100.0.3', '127.100.0.2', '127.100.0.1'],
        last: '127.100.0.3',
      });
      assert.deepEqual(
        (await activateLoadBalancers(store.db, [a.arn, b.arn], 10)).sort(),
        [a.arn, b.arn].sort(),
      );
      assert.deepEqual(
        await activateLoadBalancers(store.db, [a.arn, b.arn], 11),
        [],
        'only provisioning ones change',
      );
      assert.equal((await getLoadBalancer(store.db, a.arn))?.state, 'active');
    });

    test('listeners and rules: one listener per port, priorities unique per listener, swaps in one transaction', async () => {
      const a = (await getLoadBalancer(store.db, lb('a', '', 2).arn))!;
      const l80 = listener(a, 80);
      await insertListener(store.db, l80);
      const dup = await insertListener(store.db, { ...listener(a, 80), arn: `${l80.arn}0` }).catch(
        (e: unknown) => e,
      );
      assert.ok(isUniqueViolation(dup));
      await insertListener(store.db, listener(a, 443));
      assert.deepEqual(
        (
          await listListeners(store.db, {
            loadBalancerArns: [a.arn],
            limit: 10,
            after: { lb: a.arn, port: 80 },
          })
        ).map((l) => l.port),
        [443],
      );
      const [r1, r2, r3, d] = [rule(l80, 1), rule(l80, 2), rule(l80, 3), rule(l80, null)];
      for (const r of [r3, d, r1, r2]) await insertRule(store.db, r);
      const taken = await insertRule(store.db, { ...rule(l80, 2), arn: `${r2.arn}0` }).catch(
        (e: unknown) => e,
      );
      assert.ok(isUniqueViolation(taken));
      assert.deepEqual((await getDefaultRule(store.db, l80.arn))?.arn, d.arn);
      const page1 = await listRules(store.db, l80.arn, { limit: 2 });
      assert.deepEqual(
        page1.map((r) => r.priority),
        [1, 2],
      );
      assert.deepEqual(
        (await listRules(store.db, l80.arn, { limit: 5, after: 2 })).map((r) => r.priority),
        [3, null],
        'the default rule last',
      );
      assert.deepEqual(await listRules(store.db, l80.arn, { limit: 5, after: 'default' }), []);
      await store.write((tx) =>
        setRulePriorities(tx, [
          { arn: r1.arn, priority: 3 },
          { arn: r3.arn, priority: 1 },
        ]),
      );
      assert.deepEqual(
        (await rulesOf(store.db, [a.arn])).map((r) => [r.arn, r.priority]),
        [
          [r3.arn, 1],
          [r2.arn, 2],
          [r1.arn, 3],
          [d.arn, null],
        ],
      );
      assert.equal(await countRules(store.db, a.arn), 3, 'default rules do not count');
    });

    test('target groups: used by the rules that forward to them, by one load balancer', async () => {
      const [web, api, spare] = [tg('web'), tg('api'), tg('spare')].map((t, i) => ({
        ...t,
        arn: t.arn.replace('0123456789abcdef', `${i}`.repeat(16)),
      }));
      for (const t of [web!, api!, spare!]) await insertTargetGroup(store.db, t);
      const a = (await getLoadBalancer(store.db, lb('a', '', 2).arn))!;
      const b = (await getLoadBalancer(store.db, lb('b', '', 1).arn))!;
      const l80 = listener(a, 80);
      const d = (await getDefaultRule(store.db, l80.arn))!;
      await updateRule(store.db, { ...d, actions: rule(l80, null, [web!.arn, api!.arn]).actions });
      const lb8080 = listener(b, 8080);
      await insertListener(store.db, lb8080);
      await insertRule(store.db, rule(lb8080, null, [api!.arn]));
      assert.equal(await isTargetGroupInUse(store.db, web!.arn), true);
      assert.equal(await isTargetGroupInUse(store.db, spare!.arn), false);
      const lbs = await loadBalancersOfTargetGroups(store.db, [web!.arn, api!.arn, spare!.arn]);
      assert.deepEqual(lbs.get(web!.arn), [a.arn]);
      assert.deepEqual(lbs.get(api!.arn), [a.arn, b.arn].sort());
      assert.deepEqual(lbs.get(spare!.arn), []);
      assert.deepEqual(
        (await listTargetGroups(store.db, scope, { limit: 10, loadBalancerArn: b.arn })).map((t) => t.name),
        ['api'],
      );
      assert.deepEqual(
        [...(await otherLoadBalancersOf(store.db, [web!.arn, api!.arn], b.arn)).keys()].sort(),
        [web!.arn, api!.arn].sort(),
      );

      await deleteListener(store.db, lb8080.arn);
      assert.deepEqual((await loadBalancersOfTargetGroups(store.db, [api!.arn])).get(api!.arn), [a.arn]);
      await deleteLoadBalancer(store.db, a.arn);
      assert.equal(await isTargetGroupInUse(store.db, web!.arn), false, 'its rules went with it');
      assert.deepEqual(await rulesOf(store.db, [a.arn]), []);
    });

    test('targets: registered, drained until their end, registered again, purged once drained', async () => {
      const group = tg('web').arn.replace('0123456789abcdef', '0'.repeat(16));
      await registerTargets(
        store.db,
        group,
        [
          { id: '10.0.0.1', port: 80, availabilityZone: 'us-east-1a' },
          { id: '10.0.0.2', port: 80 },
        ],
        100,
      );
      await registerTargets(store.db, group, [{ id: '10.0.0.1', port: 80 }], 200);
      assert.deepEqual(await targetsOf(store.db, [group], 300), [
        {
          targetGroupArn: group,
          id: '10.0.0.1',
          port: 80,
          availabilityZone: 'us-east-1a',
          registeredAt: 100,
        },
        { targetGroupArn: group, id: '10.0.0.2', port: 80, registeredAt: 100 },
      ]);
      await deregisterTargets(store.db, group, [{ id: '10.0.0.1', port: 80 }], 1300, 300);
      await deregisterTargets(store.db, group, [{ id: '10.0.0.1', port: 80 }], 9999, 400);
      assert.equal(
        (await targetsOf(store.db, [group], 500))[0]?.drainingUntil,
        1300,
        'a second deregistration keeps the end',
      );
      assert.equal(await nextDrainEnd(store.db), 1300);
      assert.deepEqual(
        (await targetsOf(store.db, [group], 1300)).map((t) => t.id),
        ['10.0.0.2'],
        'gone at its end',
      );
      assert.deepEqual(await purgeDrainedTargets(store.db, 1299), []);
      assert.deepEqual(await purgeDrainedTargets(store.db, 1300), [group]);
      assert.equal(await nextDrainEnd(store.db), undefined);
      await deregisterTargets(store.db, group, [{ id: '10.0.0.2', port: 80 }], 2000, 1500);
      await registerTargets(store.db, group, [{ id: '10.0.0.2', port: 80 }], 1600);
      assert.deepEqual(await targetsOf(store.db, [group], 1700), [
        { targetGroupArn: group, id: '10.0.0.2', port: 80, registeredAt: 1600 },
      ]);
      await deregisterTargets(store.db, group, [{ id: '10.0.0.2', port: 80 }], 1700, 1700);
      assert.deepEqual(await targetsOf(store.db, [group], 1700), [], 'no delay: gone at once');
    });
  });
}
