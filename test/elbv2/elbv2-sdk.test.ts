import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AddTagsCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteLoadBalancerCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyRuleCommand,
  ModifyTargetGroupAttributesCommand,
  paginateDescribeListeners,
  paginateDescribeLoadBalancers,
  paginateDescribeRules,
  paginateDescribeTargetGroups,
  RegisterTargetsCommand,
  SetRulePrioritiesCommand,
  waitUntilLoadBalancerExists,
  waitUntilLoadBalancersDeleted,
  waitUntilTargetDeregistered,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { storePlaces } from '../secrets/dialects.ts';
import { elbv2Client } from '../support/aws-clients.ts';
import { startTestNeargate, type TestNeargate } from '../support/neargate.ts';

/**
 * ELBv2 through @aws-sdk/client-elastic-load-balancing-v2 (awsQuery): its paginators and
 * waiters, and every error the SDK turns into its modelled exception (err.name) or, for codes
 * the model does not list, a service exception named after the code.
 */
let elb: ElasticLoadBalancingV2Client;

/** The error a request fails with. */
async function rejection(
  p: Promise<unknown>,
  expected = 'an error',
): Promise<{ name: string; message: string; $fault?: string }> {
  try {
    await p;
  } catch (err) {
    return err as { name: string; message: string };
  }
  assert.fail(`the request succeeded, expected ${expected}`);
}

async function setUp(name: string) {
  const lb = (
    await elb.send(new CreateLoadBalancerCommand({ Name: name, Subnets: ['subnet-a', 'subnet-b'] }))
  ).LoadBalancers![0]!;
  const tg = (
    await elb.send(
      new CreateTargetGroupCommand({
        Name: `${name}-tg`,
        Protocol: 'HTTP',
        Port: 80,
        TargetType: 'ip',
        VpcId: lb.VpcId!,
      }),
    )
  ).TargetGroups![0]!;
  return { lb, tg };
}

for (const place of storePlaces('elbv2_sdk'))
  describe(`ELBv2 through the AWS SDK, stored in ${place.dialect}`, { skip: place.skip }, () => {
    let ng: TestNeargate;
    before(async () => {
      const databaseUrl = await place.databaseUrl();
      ng = await startTestNeargate(databaseUrl ? { databaseUrl } : {});
      elb = elbv2Client(ng);
    });
    after(async () => {
      await ng?.stop();
      await place.drop();
    });

    test('create, describe with the paginators a page at a time, timestamps as Dates', async () => {
      const { lb } = await setUp('sdk-a');
      for (const n of ['sdk-b', 'sdk-c']) await setUp(n);
      assert.ok(lb.CreatedTime instanceof Date);
      assert.ok(Math.abs(lb.CreatedTime.getTime() - Date.now()) < 60_000);
      const names: string[] = [];
      let pages = 0;
      for await (const page of paginateDescribeLoadBalancers({ client: elb }, { PageSize: 1 })) {
        pages++;
        assert.ok(page.LoadBalancers!.length <= 1);
        names.push(...page.LoadBalancers!.map((l) => l.LoadBalancerName!));
      }
      assert.deepEqual(names, ['sdk-a', 'sdk-b', 'sdk-c']);
      assert.ok(pages >= 3);
      const groups: string[] = [];
      for await (const page of paginateDescribeTargetGroups({ client: elb }, { PageSize: 2 }))
        groups.push(...page.TargetGroups!.map((t) => t.TargetGroupName!));
      assert.deepEqual(groups, ['sdk-a-tg', 'sdk-b-tg', 'sdk-c-tg']);
      await waitUntilLoadBalancerExists({ client: elb, maxWaitTime: 30, minDelay: 1 }, { Names: ['sdk-a'] });
    });

    test('listeners and rules page by page; a weighted forward, priorities swapped in one call', async () => {
      const { lb, tg } = await setUp('sdk-rules');
      const green = (
        await elb.send(
          new CreateTargetGroupCommand({
            Name: 'sdk-green',
            Protocol: 'HTTP',
            Port: 80,
            TargetType: 'ip',
            VpcId: lb.VpcId!,
          }),
        )
      ).TargetGroups![0]!;
      const listeners = [];
      for (const port of [80, 8080, 9090])
        listeners.push(
          (
            await elb.send(
              new CreateListenerCommand({
                LoadBalancerArn: lb.LoadBalancerArn!,
                Protocol: 'HTTP',
                Port: port,
                DefaultActions: [
                  {
                    Type: 'forward',
                    ForwardConfig: {
                      TargetGroups: [
                        { TargetGroupArn: tg.TargetGroupArn!, Weight: 80 },
                        { TargetGroupArn: green.TargetGroupArn!, Weight: 20 },
                      ],
                    },
                  },
                ],
              }),
            )
          ).Listeners![0]!,
        );
      assert.deepEqual(listeners[0]!.DefaultActions![0]!.ForwardConfig!.TargetGroups, [
        { TargetGroupArn: tg.TargetGroupArn, Weight: 80 },
        { TargetGroupArn: green.TargetGroupArn, Weight: 20 },
      ]);
      const ports: number[] = [];
      for await (const page of paginateDescribeListeners(
        { client: elb, pageSize: 1 },
        { LoadBalancerArn: lb.LoadBalancerArn! },
      ))
        ports.push(...page.Listeners!.map((l) => l.Port!));
      assert.deepEqual(ports, [80, 8080, 9090]);

      const listenerArn = listeners[0]!.ListenerArn!;
      const rules = [];
      for (const [priority, path] of [
        [5, '/a'],
        [7, '/b'],
        [9, '/c'],
      ] as const)
        rules.push(
          (
            await elb.send(
              new CreateRuleCommand({
                ListenerArn: listenerArn,
                Priority: priority,
                Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: [path] } }],
                Actions: [
                  { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200', MessageBody: path } },
                ],
              }),
            )
          ).Rules![0]!,
        );
      const order = async () => {
        const out: string[] = [];
        for await (const page of paginateDescribeRules(
          { client: elb, pageSize: 2 },
          { ListenerArn: listenerArn },
        ))
          out.push(...page.Rules!.map((r) => `${r.Priority}:${r.Conditions?.[0]?.Values?.[0] ?? '-'}`));
        return out;
      };
      assert.deepEqual(await order(), ['5:/a', '7:/b', '9:/c', 'default:-']);
      await elb.send(
        new SetRulePrioritiesCommand({
          RulePriorities: [
            { RuleArn: rules[0]!.RuleArn!, Priority: 9 },
            { RuleArn: rules[2]!.RuleArn!, Priority: 5 },
          ],
        }),
      );
      assert.deepEqual(await order(), ['5:/c', '7:/b', '9:/a', 'default:-']);
      const modified = await elb.send(
        new ModifyRuleCommand({
          RuleArn: rules[1]!.RuleArn!,
          Actions: [{ Type: 'forward', TargetGroupArn: green.TargetGroupArn! }],
        }),
      );
      assert.equal(modified.Rules![0]!.Actions![0]!.TargetGroupArn, green.TargetGroupArn);
      await elb.send(new DeleteRuleCommand({ RuleArn: rules[1]!.RuleArn! }));
      assert.deepEqual(await order(), ['5:/c', '9:/a', 'default:-']);
    });

    test('errors arrive as the modelled exceptions', async () => {
      const { lb, tg } = await setUp('sdk-err');
      const missingLb = lb.LoadBalancerArn!.replace(/[0-9a-f]{16}$/, '0'.repeat(16));
      const missingTg = tg.TargetGroupArn!.replace(/[0-9a-f]{16}$/, '0'.repeat(16));
      const cases: [string, () => Promise<unknown>, RegExp?][] = [
        [
          'LoadBalancerNotFoundException',
          () => elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [missingLb] })),
        ],
        [
          'TargetGroupNotFoundException',
          () => elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [missingTg] })),
        ],
        [
          'DuplicateLoadBalancerNameException',
          () =>
            elb.send(
              new CreateLoadBalancerCommand({ Name: 'sdk-err', Type: 'network', Subnets: ['subnet-a'] }),
            ),
        ],
        [
          'DuplicateTargetGroupNameException',
          () =>
            elb.send(
              new CreateTargetGroupCommand({
                Name: 'sdk-err-tg',
                Protocol: 'TCP',
                Port: 80,
                TargetType: 'ip',
              }),
            ),
        ],
        [
          'ListenerNotFoundException',
          () =>
            elb.send(
              new DescribeListenersCommand({
                ListenerArns: [`${missingLb.replace(':loadbalancer/', ':listener/')}/0123456789abcdef`],
              }),
            ),
        ],
        [
          'RuleNotFoundException',
          () =>
            elb.send(
              new DescribeRulesCommand({
                RuleArns: [
                  `${missingLb.replace(':loadbalancer/', ':listener-rule/')}/0123456789abcdef/0123456789abcdef`,
                ],
              }),
            ),
        ],
        [
          'InvalidConfigurationRequestException',
          () =>
            elb.send(new CreateLoadBalancerCommand({ Name: 'gw', Type: 'gateway', Subnets: ['subnet-a'] })),
        ],
        [
          'CertificateNotFoundException',
          () =>
            elb.send(
              new CreateListenerCommand({
                LoadBalancerArn: lb.LoadBalancerArn!,
                Protocol: 'HTTPS',
                Port: 443,
                Certificates: [{ CertificateArn: 'arn:aws:acm:us-east-1:000000000000:certificate/none' }],
                DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn! }],
              }),
            ),
        ],
        [
          'InvalidLoadBalancerActionException',
          () =>
            elb.send(
              new CreateListenerCommand({
                LoadBalancerArn: lb.LoadBalancerArn!,
                Protocol: 'HTTP',
                Port: 80,
                DefaultActions: [
                  {
                    Type: 'authenticate-oidc',
                    AuthenticateOidcConfig: {
                      Issuer: 'i',
                      AuthorizationEndpoint: 'a',
                      TokenEndpoint: 't',
                      UserInfoEndpoint: 'u',
                      ClientId: 'c',
                    },
                  },
                ],
              }),
            ),
        ],
        [
          'InvalidTargetException',
          () =>
            elb.send(
              new RegisterTargetsCommand({
                TargetGroupArn: tg.TargetGroupArn!,
                Targets: [{ Id: '8.8.8.8', AvailabilityZone: 'all' }],
              }),
            ),
        ],
        [
          'DuplicateTagKeysException',
          () =>
            elb.send(
              new AddTagsCommand({ ResourceArns: [lb.LoadBalancerArn!], Tags: [{ Key: 'a' }, { Key: 'a' }] }),
            ),
        ],
        // Codes the model does not list become service exceptions named after the code.
        [
          'ValidationError',
          () =>
            elb.send(
              new CreateTargetGroupCommand({
                Name: 'x',
                Protocol: 'HTTP',
                Port: 80,
                HealthCheckIntervalSeconds: 4,
              }),
            ),
          /^1 validation error detected: Value '4' at 'healthCheckIntervalSeconds' failed to satisfy constraint: Member must have value greater than or equal to 5$/,
        ],
        [
          'ValidationError',
          () => elb.send(new CreateLoadBalancerCommand({} as never)),
          /^1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null$/,
        ],
        [
          'ValidationError',
          () => elb.send(new DescribeLoadBalancersCommand({ PageSize: 0 })),
          /Value '0' at 'pageSize' failed to satisfy constraint: Member must have value greater than or equal to 1/,
        ],
      ];
      for (const [name, request, message] of cases) {
        const err = await rejection(request(), name);
        assert.equal(err.name, name, `${name}: ${err.message}`);
        assert.equal(err.$fault, 'client');
        if (message) assert.match(err.message, message);
      }

      await elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: lb.LoadBalancerArn!,
          Protocol: 'HTTP',
          Port: 80,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn! }],
        }),
      );
      const listenerArn = (
        await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn! }))
      ).Listeners![0]!.ListenerArn!;
      const inUse = await rejection(
        elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tg.TargetGroupArn! })),
      );
      assert.equal(inUse.name, 'ResourceInUseException');
      const rule = {
        ListenerArn: listenerArn,
        Priority: 1,
        Conditions: [{ Field: 'host-header', Values: ['a.example.com'] }],
        Actions: [{ Type: 'fixed-response' as const, FixedResponseConfig: { StatusCode: '404' } }],
      };
      await elb.send(new CreateRuleCommand(rule));
      assert.equal((await rejection(elb.send(new CreateRuleCommand(rule)))).name, 'PriorityInUseException');
      assert.equal(
        (
          await rejection(
            elb.send(
              new CreateListenerCommand({
                LoadBalancerArn: lb.LoadBalancerArn!,
                Protocol: 'HTTP',
                Port: 80,
                DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200' } }],
              }),
            ),
          )
        ).name,
        'DuplicateListenerException',
      );
      const other = await setUp('sdk-other');
      await elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: other.lb.LoadBalancerArn!,
          Protocol: 'HTTP',
          Port: 80,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: other.tg.TargetGroupArn! }],
        }),
      );
      assert.equal(
        (
          await rejection(
            elb.send(
              new ModifyListenerCommand({
                ListenerArn: listenerArn,
                DefaultActions: [{ Type: 'forward', TargetGroupArn: other.tg.TargetGroupArn! }],
              }),
            ),
          )
        ).name,
        'TargetGroupAssociationLimitException',
      );
    });

    test('load balancers made at the same time get addresses of their own; the same one asked at once is made once', async () => {
      const made = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          elb.send(
            new CreateLoadBalancerCommand({ Name: `race-${i}`, Type: 'network', Subnets: ['subnet-a'] }),
          ),
        ),
      );
      const arns = made.map((m) => m.LoadBalancers![0]!.LoadBalancerArn!);
      const rows = await ng.store.db.selectFrom('load_balancers').select(['arn', 'address']).execute();
      const addresses = rows.filter((r) => arns.includes(r.arn)).map((r) => r.address);
      assert.equal(new Set(addresses).size, 8, addresses.join(' '));
      const same = await Promise.all(
        Array.from({ length: 6 }, () =>
          elb.send(
            new CreateLoadBalancerCommand({ Name: 'race-same', Type: 'network', Subnets: ['subnet-a'] }),
          ),
        ),
      );
      assert.equal(new Set(same.map((m) => m.LoadBalancers![0]!.LoadBalancerArn)).size, 1);
    });

    test('a wrong secret is refused in Query words, before anything else is read', async () => {
      const wrong = new ElasticLoadBalancingV2Client({
        endpoint: ng.url,
        region: ng.region,
        credentials: { accessKeyId: ng.accessKeyId, secretAccessKey: 'wrong' },
        maxAttempts: 1,
      });
      const err = (await rejection(
        wrong.send(new DescribeLoadBalancersCommand({ PageSize: 0 })),
      )) as unknown as {
        name: string;
        $metadata: { httpStatusCode?: number };
      };
      assert.equal(err.name, 'SignatureDoesNotMatch');
      assert.equal(err.$metadata.httpStatusCode, 403);
    });

    test('waiters: a target deregistered, load balancers deleted', async () => {
      const { lb, tg } = await setUp('sdk-wait');
      await elb.send(
        new ModifyTargetGroupAttributesCommand({
          TargetGroupArn: tg.TargetGroupArn!,
          Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '0' }],
        }),
      );
      await elb.send(
        new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn!, Targets: [{ Id: '172.31.0.77' }] }),
      );
      const health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn! }));
      assert.equal(health.TargetHealthDescriptions![0]!.TargetHealth!.State, 'unused');
      await elb.send(
        new DeregisterTargetsCommand({
          TargetGroupArn: tg.TargetGroupArn!,
          Targets: [{ Id: '172.31.0.77' }],
        }),
      );
      await waitUntilTargetDeregistered(
        { client: elb, maxWaitTime: 30, minDelay: 1 },
        { TargetGroupArn: tg.TargetGroupArn!, Targets: [{ Id: '172.31.0.77', Port: 80 }] },
      );
      await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn! }));
      await waitUntilLoadBalancersDeleted(
        { client: elb, maxWaitTime: 30, minDelay: 1 },
        { LoadBalancerArns: [lb.LoadBalancerArn!] },
      );
    });
  });
