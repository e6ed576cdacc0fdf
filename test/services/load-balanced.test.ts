import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  type CreateServiceCommandInput,
  DeleteServiceCommand,
  DescribeServicesCommand,
  InvalidParameterException,
  ListServicesCommand,
  ListTasksCommand,
  PutClusterCapacityProvidersCommand,
  type Service,
  StopTaskCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateRuleCommand,
  type CreateTargetGroupCommandInput,
  type ElasticLoadBalancingV2Client,
  type LoadBalancer,
  ModifyTargetGroupAttributesCommand,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { elbv2Client } from '../support/aws-clients.ts';
import {
  createLoadBalancer,
  createTargetGroup,
  curl,
  forwardingListener,
  httpd,
  QUICK_CHECKS,
  states,
  until,
  waitForTargets,
} from '../support/load-balancing.ts';
import { BIN } from '../support/spawn-neargate.ts';
import {
  cannotRunTasks,
  describeTask,
  isStopped,
  registerTask,
  startTaskNeargate,
  type TaskNeargate,
  taskIp,
  waitForTask,
} from '../support/tasks.ts';

const run = promisify(execFile);
const subnets = ['subnet-0000000a', 'subnet-0000000b'];

describe('services behind load balancers', { skip: cannotRunTasks }, () => {
  let ng: TaskNeargate;
  let elb: ElasticLoadBalancingV2Client;
  let lb: LoadBalancer;
  let listenerArn: string;
  let web: string;
  let seq = 0;

  before(async () => {
    ng = await startTaskNeargate();
    elb = elbv2Client(ng);
    lb = await createLoadBalancer(elb, 'svc', { subnets });
    const fixed = await createTargetGroup(elb, lb, { Name: 'svc-default', ...QUICK_CHECKS });
    listenerArn = await forwardingListener(elb, lb, fixed, {
      DefaultActions: [
        { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', MessageBody: 'no route' } },
      ],
    });
    web = await registerTask(ng.client, [
      {
        name: 'web',
        command: httpd('hello from $(hostname)', 8080, ['/app/']),
        portMappings: [{ containerPort: 8080 }],
      },
    ]);
  });
  after(() => ng?.stop());

  /** A target group the listener forwards `/<name>/*` to, draining for `delaySeconds`. */
  async function routedGroup(
    name: string,
    extra: Partial<CreateTargetGroupCommandInput> = {},
    delaySeconds = 2,
  ) {
    const tg = await createTargetGroup(elb, lb, { ...QUICK_CHECKS, ...extra, Name: name });
    await elb.send(
      new CreateRuleCommand({
        ListenerArn: listenerArn,
        Priority: ++seq,
        Conditions: [{ Field: 'path-pattern', Values: [`/${name}/*`] }],
        Actions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn! }],
      }),
    );
    await elb.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: tg.TargetGroupArn!,
        Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: String(delaySeconds) }],
      }),
    );
    return tg;
  }

  async function createService(
    name: string,
    tg: TargetGroup,
    extra: Partial<CreateServiceCommandInput> = {},
  ) {
    await ng.client.send(
      new CreateServiceCommand({
        serviceName: name,
        taskDefinition: web,
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets } },
        loadBalancers: [{ targetGroupArn: tg.TargetGroupArn!, containerName: 'web', containerPort: 8080 }],
        ...extra,
      }),
    );
  }

  const describeService = async (name: string): Promise<Service> =>
    (await ng.client.send(new DescribeServicesCommand({ services: [name] }))).services![0]!;
  const messages = (s: Service) => (s.events ?? []).map((e) => e.message!).reverse();
  const waitForService = (name: string, done: (s: Service) => boolean, what: string, timeoutMs = 120_000) =>
    until(
      async () => {
        const s = await describeService(name);
        return done(s) ? s : undefined;
      },
      what,
      timeoutMs,
    );
  const runningIps = async (name: string) => {
    const { taskArns = [] } = await ng.client.send(new ListTasksCommand({ serviceName: name }));
    const tasks = await Promise.all(taskArns.map((a) => describeTask(ng.client, a)));
    return tasks
      .filter((t) => t.lastStatus === 'RUNNING')
      .map(taskIp)
      .sort();
  };

  test('CreateService refuses load balancers as ECS refuses them, in its words', async () => {
    const routed = await routedGroup('checks');
    const loose = await createTargetGroup(elb, lb, { Name: 'loose' });
    const instance = await createTargetGroup(elb, lb, { Name: 'instances', TargetType: 'instance' });
    const arn = routed.TargetGroupArn!;
    const refusal = async (loadBalancers: CreateServiceCommandInput['loadBalancers']) => {
      const err = await createService(`bad-${++seq}`, routed, { loadBalancers }).then(
        () => assert.fail('CreateService succeeded'),
        (e: Error) => e,
      );
      assert.ok(err instanceof InvalidParameterException, String(err));
      return err.message;
    };
    assert.equal(
      await refusal([{ targetGroupArn: arn, containerName: 'nope', containerPort: 8080 }]),
      'The container nope does not exist in the task definition.',
    );
    assert.equal(
      await refusal([{ targetGroupArn: arn, containerName: 'web', containerPort: 9999 }]),
      'The container web did not have a container port 9999 defined.',
    );
    assert.equal(
      await refusal([
        { targetGroupArn: `${arn.slice(0, -4)}0000`, containerName: 'web', containerPort: 8080 },
      ]),
      'Unable to assume role and validate the specified targetGroupArn. Please verify that the ECS service role being passed has the proper permissions.',
    );
    assert.equal(
      await refusal([
        { targetGroupArn: instance.TargetGroupArn!, containerName: 'web', containerPort: 8080 },
      ]),
      `The provided target group ${instance.TargetGroupArn} has target type instance, which is incompatible with the awsvpc network mode specified in the task definition.`,
    );
    assert.equal(
      await refusal([{ targetGroupArn: loose.TargetGroupArn!, containerName: 'web', containerPort: 8080 }]),
      `The target group with targetGroupArn ${loose.TargetGroupArn} does not have an associated load balancer.`,
    );
    assert.equal(
      await refusal(
        Array.from({ length: 6 }, () => ({ targetGroupArn: arn, containerName: 'web', containerPort: 8080 })),
      ),
      'load balancers can have at most 5 items.',
    );
    assert.match(
      await refusal([{ loadBalancerName: 'classic', containerName: 'web', containerPort: 8080 }]),
      /Classic Load Balancers/,
    );
    const { serviceArns = [] } = await ng.client.send(new ListServicesCommand({}));
    assert.deepEqual(serviceArns, [], 'nothing was made');
  });

  test('tasks join their target group on their way up and leave it draining before they stop; deleting the service deregisters them', async () => {
    const tg = await routedGroup('app', {}, 3);
    const tgArn = tg.TargetGroupArn!;
    await createService('app', tg);
    const described = await describeService('app');
    assert.deepEqual(described.loadBalancers, [
      { targetGroupArn: tgArn, containerName: 'web', containerPort: 8080 },
    ]);

    const healthy = await waitForTargets(
      elb,
      tgArn,
      (t) => t.length === 2 && states(t).every((s) => s === 'healthy'),
      'two healthy targets',
    );
    assert.deepEqual(healthy.map((t) => t.Target!.Id!).sort(), await runningIps('app'));
    assert.ok(
      healthy.every((t) => t.Target!.Port === 8080 && t.Target!.AvailabilityZone?.startsWith('us-east-1')),
    );
    const steady = await waitForService(
      'app',
      (s) =>
        s.deployments?.[0]?.rolloutState === 'COMPLETED' &&
        messages(s).includes('(service app) has reached a steady state.'),
      'steady state',
    );
    assert.equal(
      messages(steady).filter((m) => m === `(service app) registered 1 targets in (target-group ${tgArn})`)
        .length,
      2,
    );
    const reply = await curl(`http://${lb.DNSName}/app/`);
    assert.equal(reply.status, 200);
    assert.match(reply.body, /^hello from /);
    assert.deepEqual(await curl(`http://${lb.DNSName}/other`), { status: 404, body: 'no route' });

    // A task stopped by hand drains first: it waits in DEACTIVATING, its target draining.
    const { taskArns = [] } = await ng.client.send(new ListTasksCommand({ serviceName: 'app' }));
    const victim = await describeTask(ng.client, taskArns[0]!);
    await ng.client.send(new StopTaskCommand({ task: victim.taskArn! }));
    await waitForTask(ng.client, victim.taskArn!, (t) => t.lastStatus === 'DEACTIVATING');
    const draining = await waitForTargets(
      elb,
      tgArn,
      (t) => t.some((x) => x.Target!.Id === taskIp(victim)),
      'the target',
    );
    assert.equal(
      draining.find((x) => x.Target!.Id === taskIp(victim))!.TargetHealth!.State,
      'draining',
      'the task is DEACTIVATING while its target drains',
    );
    const stopped = await waitForTask(ng.client, victim.taskArn!, isStopped, 60_000);
    assert.equal(stopped.stopCode, 'UserInitiated');
    const replaced = await waitForTargets(
      elb,
      tgArn,
      (t) =>
        t.length === 2 &&
        states(t).every((s) => s === 'healthy') &&
        !t.some((x) => x.Target!.Id === taskIp(victim) && x.TargetHealth!.State === 'draining'),
      'the replacement healthy, the stopped task gone',
    );
    assert.deepEqual(replaced.map((t) => t.Target!.Id!).sort(), await runningIps('app'));
    const events = messages(await describeService('app'));
    const deregistered = events.indexOf(`(service app) deregistered 1 targets in (target-group ${tgArn})`);
    assert.ok(deregistered >= 0, events.join('\n'));
    // Then the draining, though not always next: the replacement's start may land in the same
    // millisecond.
    const drainingEvent = `(service app, taskSet ${victim.startedBy}) has begun draining connections on 1 tasks.`;
    assert.ok(events.indexOf(drainingEvent, deregistered) > deregistered, events.join('\n'));

    await ng.client.send(new DeleteServiceCommand({ service: 'app', force: true }));
    await waitForTargets(elb, tgArn, (t) => t.length === 0, 'every target deregistered');
  });

  test('UpdateService moves the service to another target group with a new deployment; the old group is drained', async () => {
    const blue = await routedGroup('blue');
    const green = await routedGroup('green');
    await createService('moving', blue);
    const bothHealthy = (t: Parameters<Parameters<typeof waitForTargets>[2]>[0]) =>
      t.length === 2 && states(t).every((s) => s === 'healthy');
    await waitForTargets(elb, blue.TargetGroupArn!, bothHealthy, 'two healthy targets in blue');
    const before = (await describeService('moving')).deployments![0]!.id;
    const updated = await ng.client.send(
      new UpdateServiceCommand({
        service: 'moving',
        loadBalancers: [{ targetGroupArn: green.TargetGroupArn!, containerName: 'web', containerPort: 8080 }],
      }),
    );
    assert.deepEqual(updated.service!.loadBalancers, [
      { targetGroupArn: green.TargetGroupArn!, containerName: 'web', containerPort: 8080 },
    ]);
    assert.notEqual(updated.service!.deployments![0]!.id, before, 'a new deployment');
    const moved = await waitForTargets(
      elb,
      green.TargetGroupArn!,
      bothHealthy,
      'two healthy targets in green',
    );
    await waitForTargets(elb, blue.TargetGroupArn!, (t) => t.length === 0, 'blue drained');
    await waitForService('moving', (s) => s.deployments?.length === 1, 'the old deployment gone');
    assert.deepEqual(moved.map((t) => t.Target!.Id!).sort(), await runningIps('moving'));
    const refused = await ng.client
      .send(
        new UpdateServiceCommand({
          service: 'moving',
          loadBalancers: [{ targetGroupArn: green.TargetGroupArn!, containerName: 'web', containerPort: 81 }],
        }),
      )
      .then(
        () => assert.fail('UpdateService succeeded'),
        (e: Error) => e,
      );
    assert.equal(refused.message, 'The container web did not have a container port 81 defined.');
    await ng.client.send(new DeleteServiceCommand({ service: 'moving', force: true }));
  });

  test('a Fargate Spot interruption stops the task at once, while its target goes on draining', async () => {
    const tg = await routedGroup('spot', {}, 300);
    await ng.client.send(new CreateClusterCommand({ clusterName: 'spot' }));
    await ng.client.send(
      new PutClusterCapacityProvidersCommand({
        cluster: 'spot',
        capacityProviders: ['FARGATE_SPOT'],
        defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
      }),
    );
    await ng.client.send(
      new CreateServiceCommand({
        cluster: 'spot',
        serviceName: 'spotty',
        taskDefinition: web,
        desiredCount: 1,
        networkConfiguration: { awsvpcConfiguration: { subnets } },
        loadBalancers: [{ targetGroupArn: tg.TargetGroupArn!, containerName: 'web', containerPort: 8080 }],
      }),
    );
    const [target] = await waitForTargets(
      elb,
      tg.TargetGroupArn!,
      (t) => t.length === 1 && t[0]!.TargetHealth!.State === 'healthy',
      'the Spot task healthy',
    );
    const { taskArns: [arn] = [] } = await ng.client.send(
      new ListTasksCommand({ cluster: 'spot', serviceName: 'spotty' }),
    );
    await run(BIN, ['spot', 'interrupt', '--task', arn!, '--data-dir', ng.dataDir]);
    // Well within the 300 s deregistration delay: Fargate sends SIGTERM with the warning.
    const stopped = await waitForTask(ng.client, arn!, isStopped, 120_000);
    assert.equal(stopped.stopCode, 'SpotInterruption');
    const after = await waitForTargets(elb, tg.TargetGroupArn!, (t) => t.length >= 1, 'the targets');
    assert.equal(
      after.find((t) => t.Target!.Id === target!.Target!.Id)?.TargetHealth?.State,
      'draining',
      "the stopped task's target still drains",
    );
    // The replacement need not drain for 300 s when the service goes.
    await elb.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: tg.TargetGroupArn!,
        Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '0' }],
      }),
    );
    await ng.client.send(new DeleteServiceCommand({ cluster: 'spot', service: 'spotty', force: true }));
  });

  test('tasks failing ELB health checks are replaced once their grace period is over; the circuit breaker counts them', async () => {
    const tg = await routedGroup('sick', { HealthCheckPath: '/missing' });
    const tgArn = tg.TargetGroupArn!;
    await createService('sick', tg, {
      desiredCount: 1,
      healthCheckGracePeriodSeconds: 3600,
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false } },
    });
    const [first] = await waitForTargets(
      elb,
      tgArn,
      (t) => t.length === 1 && t[0]!.TargetHealth!.State === 'unhealthy',
      'the target unhealthy',
    );
    assert.equal(first!.TargetHealth!.Description, 'Health checks failed with these codes: [404]');
    const { taskArns: [task] = [] } = await ng.client.send(new ListTasksCommand({ serviceName: 'sick' }));
    // Within its grace period the task stays, unhealthy in ELB (the scheduler sweeps every 5 s).
    await new Promise((r) => setTimeout(r, 6000));
    assert.equal((await describeTask(ng.client, task!)).lastStatus, 'RUNNING');
    assert.equal(
      (await describeService('sick')).deployments![0]!.rolloutState,
      'IN_PROGRESS',
      'never healthy',
    );

    await ng.client.send(new UpdateServiceCommand({ service: 'sick', healthCheckGracePeriodSeconds: 0 }));
    const stopped = await waitForTask(ng.client, task!, isStopped, 60_000);
    assert.equal(stopped.stopCode, 'ServiceSchedulerInitiated');
    assert.equal(stopped.stoppedReason, `Task failed ELB health checks in (target-group ${tgArn})`);
    const id = task!.split('/').at(-1);
    const s = await waitForService(
      'sick',
      (x) => x.deployments?.[0]?.rolloutState === 'FAILED',
      'the circuit breaker to fail the deployment',
      240_000,
    );
    const events = messages(s);
    assert.ok(
      events.includes(
        `(service sick) (task ${id}) (port 8080) is unhealthy in (target-group ${tgArn}) due to (reason Health checks failed with these codes: [404]).`,
      ),
      events.join('\n'),
    );
    assert.ok(
      events.some((m) =>
        /has started 1 tasks: .* Amazon ECS replaced 1 tasks due to an unhealthy status\.$/.test(m),
      ),
    );
    assert.ok(events.some((m) => m.endsWith('deployment failed: tasks failed to start.')));
    await ng.client.send(new DeleteServiceCommand({ service: 'sick', force: true }));
  });
});
