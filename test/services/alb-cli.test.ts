import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { aws } from '../support/aws-cli.ts';
import { curl, httpd, until } from '../support/load-balancing.ts';
import { cannotRunTasks, startTaskNeargate, type TaskNeargate } from '../support/tasks.ts';

let ng: TaskNeargate;
before(async () => {
  ng = await startTaskNeargate();
});
after(() => ng?.stop());

/** Runs the AWS CLI and returns its JSON, failing the test with what it printed if it fails. */
async function cli(...args: string[]) {
  const out = await aws(ng.env, args);
  assert.equal(out.code, 0, `aws ${args.join(' ')}: ${out.stderr}`);
  return out.json;
}

test('the README flow through the AWS CLI: an ALB with rules, a service behind it, reached with curl by its DNS name', {
  skip: cannotRunTasks,
  timeout: 300_000,
}, async () => {
  const lb = (
    await cli('elbv2', 'create-load-balancer', '--name', 'web', '--subnets', 'subnet-0a', 'subnet-0b')
  ).LoadBalancers[0];
  const tg = (
    await cli(
      'elbv2',
      'create-target-group',
      '--name',
      'web',
      '--protocol',
      'HTTP',
      '--port',
      '8080',
      '--target-type',
      'ip',
      '--vpc-id',
      lb.VpcId,
      '--health-check-path',
      '/app/',
      '--health-check-interval-seconds',
      '10',
    )
  ).TargetGroups[0];
  // Tasks of a service wait out the deregistration delay (300 s by default) before they stop.
  await cli(
    'elbv2',
    'modify-target-group-attributes',
    '--target-group-arn',
    tg.TargetGroupArn,
    '--attributes',
    'Key=deregistration_delay.timeout_seconds,Value=5',
  );
  const listener = (
    await cli(
      'elbv2',
      'create-listener',
      '--load-balancer-arn',
      lb.LoadBalancerArn,
      '--protocol',
      'HTTP',
      '--port',
      '80',
      '--default-actions',
      'Type=fixed-response,FixedResponseConfig={StatusCode=404,ContentType=text/plain,MessageBody=nothing-here}',
    )
  ).Listeners[0];
  await cli(
    'elbv2',
    'create-rule',
    '--listener-arn',
    listener.ListenerArn,
    '--priority',
    '10',
    '--conditions',
    'Field=path-pattern,Values=/app/*',
    '--actions',
    `Type=forward,TargetGroupArn=${tg.TargetGroupArn}`,
  );

  const td = (
    await cli(
      'ecs',
      'register-task-definition',
      '--family',
      'web',
      '--requires-compatibilities',
      'FARGATE',
      '--network-mode',
      'awsvpc',
      '--cpu',
      '256',
      '--memory',
      '512',
      '--container-definitions',
      JSON.stringify([
        {
          name: 'web',
          image: 'busybox',
          command: httpd('hello from the web service', 8080, ['/app/']),
          portMappings: [{ containerPort: 8080 }],
        },
      ]),
    )
  ).taskDefinition;
  const created = (
    await cli(
      'ecs',
      'create-service',
      '--service-name',
      'web',
      '--task-definition',
      td.taskDefinitionArn,
      '--desired-count',
      '2',
      '--launch-type',
      'FARGATE',
      '--network-configuration',
      'awsvpcConfiguration={subnets=[subnet-0a,subnet-0b]}',
      '--load-balancers',
      `targetGroupArn=${tg.TargetGroupArn},containerName=web,containerPort=8080`,
    )
  ).service;
  assert.deepEqual(created.loadBalancers, [
    { targetGroupArn: tg.TargetGroupArn, containerName: 'web', containerPort: 8080 },
  ]);
  await until(
    async () => {
      const health = (await cli('elbv2', 'describe-target-health', '--target-group-arn', tg.TargetGroupArn))
        .TargetHealthDescriptions;
      return health.length === 2 &&
        health.every((h: { TargetHealth: { State: string } }) => h.TargetHealth.State === 'healthy')
        ? health
        : undefined;
    },
    'both tasks healthy in the target group',
    180_000,
  );

  // The DNS name resolves on the host through neargate's block in /etc/hosts.
  assert.deepEqual(await curl(`http://${lb.DNSName}/app/`), {
    status: 200,
    body: 'hello from the web service\n',
  });
  assert.deepEqual(await curl(`http://${lb.DNSName}/elsewhere`), { status: 404, body: 'nothing-here' });

  await cli('ecs', 'delete-service', '--service', 'web', '--force');
  await until(
    async () =>
      (await cli('elbv2', 'describe-target-health', '--target-group-arn', tg.TargetGroupArn))
        .TargetHealthDescriptions.length === 0
        ? true
        : undefined,
    'the targets deregistered once the service is deleted',
    120_000,
  );
});
