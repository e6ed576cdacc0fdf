import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  type CreateServiceCommandInput,
  DeleteClusterCommand,
  DeleteServiceCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  InvalidParameterException,
  ListServiceDeploymentsCommand,
  ListServicesCommand,
  ListTasksCommand,
  PutClusterCapacityProvidersCommand,
  type Service,
  ServiceNotActiveException,
  ServiceNotFoundException,
  StopTaskCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { aws } from '../support/aws-cli.ts';
import {
  cannotRunTasks,
  describeTask,
  isStopped,
  registerTask,
  runTask,
  SERVE,
  startTaskNeargate,
  type TaskNeargate,
  untilTermTrapped,
  waitForClusterIdle,
  waitForTask,
} from '../support/tasks.ts';

const subnets = ['subnet-000000d1', 'subnet-000000d2'];
const HEALTHY = { command: ['CMD-SHELL', 'exit 0'], interval: 5, retries: 1 };

describe('services keep their tasks and roll out new revisions', { skip: cannotRunTasks }, () => {
  let ng: TaskNeargate;
  before(async () => {
    // A task without health checks counts as healthy after 1 s here (40 s on ECS), and tasks
    // that keep failing to start wait 300 ms before the next try (30 s here by default).
    ng = await startTaskNeargate({ taskHealthyAfterMs: 1000, serviceThrottleBaseMs: 300 });
  });
  after(() => ng?.stop());

  // Each test's services go when it ends, and the next waits until their tasks have stopped, so
  // they do not fill the host for it (a Spot test below interrupts tasks by the dozen).
  const made: { service: string; cluster: string | undefined }[] = [];
  afterEach(async () => {
    const clusters = new Set<string | undefined>();
    for (const { service, cluster } of made.splice(0)) {
      await ng.client.send(new DeleteServiceCommand({ service, cluster, force: true })).catch(() => {});
      clusters.add(cluster);
    }
    for (const cluster of clusters) await waitForClusterIdle(ng.client, cluster);
  });

  let seq = 0;
  async function createService(extra: Partial<CreateServiceCommandInput> & { taskDefinition: string }) {
    const serviceName = `svc-${++seq}`;
    made.push({ service: serviceName, cluster: extra.cluster });
    await ng.client.send(
      new CreateServiceCommand({
        serviceName,
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets } },
        ...extra,
      }),
    );
    return serviceName;
  }

  async function describe(name: string, cluster?: string): Promise<Service> {
    const out = await ng.client.send(
      new DescribeServicesCommand({ services: [name], ...(cluster && { cluster }) }),
    );
    return out.services![0]!;
  }

  /** Waits until `done` holds of the service, collecting every state seen on the way. */
  async function waitFor(
    name: string,
    done: (s: Service) => boolean,
    what: string,
    timeoutMs = 60_000,
    cluster?: string,
  ) {
    const seen: Service[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await describe(name, cluster);
      seen.push(s);
      if (done(s)) return { s, seen };
      if (Date.now() > deadline) {
        throw new Error(
          `${what} did not happen: ${JSON.stringify({ ...s, events: s.events?.slice(0, 8) }, null, 1)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const stable = (s: Service) =>
    s.deployments?.length === 1 &&
    s.runningCount === s.desiredCount &&
    s.deployments[0]!.rolloutState === 'COMPLETED';
  const messages = (s: Service) => (s.events ?? []).map((e) => e.message!).reverse();

  test('create-service through the CLI reaches a steady state, spread across its subnets; services-stable agrees', async () => {
    const td = await registerTask(ng.client, [{ name: 'app', command: SERVE }]);
    const out = await aws(ng.env, [
      'ecs',
      'create-service',
      '--service-name',
      'cli-svc',
      '--task-definition',
      td,
      '--desired-count',
      '4',
      '--launch-type',
      'FARGATE',
      '--network-configuration',
      `awsvpcConfiguration={subnets=[${subnets.join(',')}]}`,
    ]);
    made.push({ service: 'cli-svc', cluster: undefined });
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.json.service.status, 'ACTIVE');
    assert.equal(out.json.service.deployments.length, 1);
    assert.equal(out.json.service.deployments[0].status, 'PRIMARY');
    assert.deepEqual(out.json.service.deploymentConfiguration, {
      deploymentCircuitBreaker: { enable: false, rollback: false },
      maximumPercent: 200,
      minimumHealthyPercent: 100,
    });
    const { s } = await waitFor('cli-svc', stable, 'steady state');
    assert.equal((await aws(ng.env, ['ecs', 'wait', 'services-stable', '--services', 'cli-svc'])).code, 0);
    const events = messages(s);
    assert.match(events[0]!, /^\(service cli-svc\) has started 4 tasks: (\(task [0-9a-f]{32}\) ?){4}\.$/);
    assert.ok(
      events.includes(`(service cli-svc) (deployment ${s.deployments![0]!.id}) deployment completed.`),
    );
    assert.equal(events.at(-1), '(service cli-svc) has reached a steady state.');
    assert.match(s.deployments![0]!.id!, /^ecs-svc\/\d{19}$/);
    assert.equal(s.deployments![0]!.rolloutStateReason, `ECS deployment ${s.deployments![0]!.id} completed.`);

    const { taskArns = [] } = await ng.client.send(new ListTasksCommand({ serviceName: 'cli-svc' }));
    const tasks = await Promise.all(taskArns.map((a) => describeTask(ng.client, a)));
    assert.equal(tasks.length, 4);
    for (const t of tasks) {
      assert.equal(t.group, 'service:cli-svc');
      assert.equal(t.startedBy, s.deployments![0]!.id);
    }
    const per = (subnet: string) =>
      tasks.filter((t) => t.attachments![0]!.details!.find((d) => d.name === 'subnetId')!.value === subnet)
        .length;
    assert.deepEqual(subnets.map(per), [2, 2], 'spread over the subnets, as Fargate spreads over zones');
    const listed = await aws(ng.env, ['ecs', 'list-services']);
    assert.ok(listed.json.serviceArns.some((a: string) => a.endsWith('/cli-svc')));
  });

  test('a task that stops is replaced; scaling in stops tasks with ECS reason', async () => {
    const td = await registerTask(ng.client, [{ name: 'app', command: SERVE }]);
    const name = await createService({ taskDefinition: td });
    await waitFor(name, stable, 'steady state');
    const { taskArns = [] } = await ng.client.send(new ListTasksCommand({ serviceName: name }));
    await ng.client.send(new StopTaskCommand({ task: taskArns[0]! }));
    const { s } = await waitFor(
      name,
      (x) =>
        x.runningCount === 2 && messages(x).filter((m) => m.includes('has started 1 tasks')).length === 1,
      'replacement',
    );
    assert.equal(s.desiredCount, 2);
    const stopped = await waitForTask(ng.client, taskArns[0]!, isStopped);
    assert.equal(stopped.stopCode, 'UserInitiated');

    await ng.client.send(new UpdateServiceCommand({ service: name, desiredCount: 1 }));
    const down = await waitFor(name, (x) => x.runningCount === 1 && x.pendingCount === 0, 'scale in');
    assert.ok(messages(down.s).some((m) => /has stopped 1 running tasks: \(task [0-9a-f]{32}\)\.$/.test(m)));
    const gone = await ng.client.send(new ListTasksCommand({ serviceName: name, desiredStatus: 'STOPPED' }));
    const scaled = await Promise.all((gone.taskArns ?? []).map((a) => describeTask(ng.client, a)));
    assert.ok(
      scaled.some(
        (t) =>
          t.stopCode === 'ServiceSchedulerInitiated' &&
          t.stoppedReason === `Scaling activity initiated by (deployment ${down.s.deployments![0]!.id})`,
      ),
    );
  });

  test('a rolling deployment keeps minimumHealthyPercent healthy and stays under maximumPercent', async () => {
    const v1 = await registerTask(ng.client, [{ name: 'app', command: SERVE, healthCheck: HEALTHY }]);
    const name = await createService({
      taskDefinition: v1,
      desiredCount: 4,
      deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 150 },
    });
    await waitFor(name, stable, 'steady state');
    const v2 = await registerTask(ng.client, [{ name: 'app', command: SERVE, healthCheck: HEALTHY }]);
    await ng.client.send(new UpdateServiceCommand({ service: name, taskDefinition: v2 }));
    const { s, seen } = await waitFor(name, (x) => stable(x) && x.taskDefinition === v2, 'the deployment');
    for (const x of seen) {
      const total = (x.deployments ?? []).reduce(
        (n, d) => n + (d.runningCount ?? 0) + (d.pendingCount ?? 0),
        0,
      );
      assert.ok(total <= 6, `at most 150% of 4 tasks at once, saw ${total}`);
      assert.ok(
        (x.runningCount ?? 0) >= 2 || x === seen[0],
        `at least 50% of 4 running, saw ${x.runningCount}`,
      );
    }
    assert.ok(
      seen.some((x) => x.deployments?.length === 2),
      'two deployments side by side for a while',
    );
    assert.equal(s.deployments![0]!.taskDefinition, v2);
    assert.equal(s.deployments![0]!.status, 'PRIMARY');

    const { serviceDeployments = [] } = await ng.client.send(
      new ListServiceDeploymentsCommand({ service: name }),
    );
    assert.equal(serviceDeployments.length, 2);
    assert.deepEqual(
      serviceDeployments.map((d) => d.status),
      ['SUCCESSFUL', 'SUCCESSFUL'],
    );
    const described = await ng.client.send(
      new DescribeServiceDeploymentsCommand({
        serviceDeploymentArns: [serviceDeployments[0]!.serviceDeploymentArn!],
      }),
    );
    const sd = described.serviceDeployments![0]!;
    assert.equal(sd.serviceDeploymentArn, s.currentServiceDeployment);
    assert.match(sd.serviceDeploymentArn!, /:service-deployment\/default\/svc-\d+\/[A-Za-z0-9]{21}$/);
    const revisions = await ng.client.send(
      new DescribeServiceRevisionsCommand({ serviceRevisionArns: [sd.targetServiceRevision!.arn!] }),
    );
    assert.equal(revisions.serviceRevisions![0]!.taskDefinition, v2);
    assert.match(
      revisions.serviceRevisions![0]!.serviceRevisionArn!,
      /:service-revision\/default\/svc-\d+\/\d{19}$/,
    );
  });

  test('forceNewDeployment through the CLI replaces every task with one of a new deployment of the same revision', async () => {
    const td = await registerTask(ng.client, [{ name: 'app', command: SERVE }]);
    const name = await createService({ taskDefinition: td });
    const first = await waitFor(name, stable, 'steady state');
    const { taskArns: before = [] } = await ng.client.send(new ListTasksCommand({ serviceName: name }));
    const out = await aws(ng.env, ['ecs', 'update-service', '--service', name, '--force-new-deployment']);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.json.service.deployments.length, 2);
    assert.equal(out.json.service.deployments[0].status, 'PRIMARY');
    assert.equal(out.json.service.deployments[0].taskDefinition, td, 'the same revision');
    const { s } = await waitFor(
      name,
      (x) => stable(x) && x.deployments![0]!.id !== first.s.deployments![0]!.id,
      'the forced deployment',
    );
    assert.equal(s.taskDefinition, td);
    const { taskArns: after = [] } = await ng.client.send(new ListTasksCommand({ serviceName: name }));
    assert.equal(after.length, 2);
    assert.ok(
      after.every((a) => !before.includes(a)),
      'every task is new',
    );
    for (const a of after) assert.equal((await describeTask(ng.client, a)).startedBy, s.deployments![0]!.id);
  });

  test("a service's own capacity provider strategy wins over the cluster's, placed by base then weight", async () => {
    await ng.client.send(new CreateClusterCommand({ clusterName: 'strategy' }));
    await ng.client.send(
      new PutClusterCapacityProvidersCommand({
        cluster: 'strategy',
        capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
        defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
      }),
    );
    const td = await registerTask(ng.client, [{ name: 'app', command: SERVE }]);
    const out = await aws(ng.env, [
      'ecs',
      'create-service',
      '--cluster',
      'strategy',
      '--service-name',
      'weighted',
      '--task-definition',
      td,
      '--desired-count',
      '5',
      '--capacity-provider-strategy',
      'capacityProvider=FARGATE,base=1,weight=1',
      'capacityProvider=FARGATE_SPOT,weight=3',
      '--network-configuration',
      `awsvpcConfiguration={subnets=[${subnets.join(',')}]}`,
    ]);
    made.push({ service: 'weighted', cluster: 'strategy' });
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(out.json.service.capacityProviderStrategy, [
      { capacityProvider: 'FARGATE', weight: 1, base: 1 },
      { capacityProvider: 'FARGATE_SPOT', weight: 3 },
    ]);
    await waitFor('weighted', stable, 'steady state', 60_000, 'strategy');
    const { taskArns = [] } = await ng.client.send(
      new ListTasksCommand({ cluster: 'strategy', serviceName: 'weighted' }),
    );
    const providers = (await Promise.all(taskArns.map((a) => describeTask(ng.client, a))))
      .map((t) => t.capacityProviderName)
      .sort();
    // The base (1 on FARGATE) first, then the other 4 by weight 1:3.
    assert.deepEqual(providers, ['FARGATE', 'FARGATE', 'FARGATE_SPOT', 'FARGATE_SPOT', 'FARGATE_SPOT']);
    await ng.client.send(new DeleteServiceCommand({ cluster: 'strategy', service: 'weighted', force: true }));
  });

  test('a crash loop trips the circuit breaker, which rolls back to the last completed deployment', async () => {
    const good = await registerTask(ng.client, [{ name: 'app', command: SERVE }]);
    const name = await createService({
      taskDefinition: good,
      desiredCount: 1,
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
    });
    const first = await waitFor(name, stable, 'steady state');
    const goodDeployment = first.s.deployments![0]!.id!;
    const bad = await registerTask(ng.client, [{ name: 'app', command: ['sh', '-c', 'exit 1'] }]);
    await ng.client.send(new UpdateServiceCommand({ service: name, taskDefinition: bad }));
    const { s } = await waitFor(
      name,
      (x) =>
        stable(x) &&
        x.deployments![0]!.id === goodDeployment &&
        messages(x).some((m) => m.includes('rolling back')),
      'the rollback',
      90_000,
    );
    const events = messages(s);
    const failedId = events
      .find((m) => m.includes('deployment failed'))!
      .match(/deployment (ecs-svc\/\d+)/)![1];
    assert.ok(
      events.includes(`(service ${name}) (deployment ${failedId}) deployment failed: tasks failed to start.`),
    );
    assert.ok(events.includes(`(service ${name}) rolling back to deployment ${goodDeployment}.`));
    assert.equal(s.taskDefinition, good, 'the service runs the good revision again');
    assert.equal(s.deployments![0]!.rolloutState, 'COMPLETED');
    const { serviceDeployments = [] } = await ng.client.send(
      new ListServiceDeploymentsCommand({ service: name }),
    );
    assert.equal(serviceDeployments[0]!.status, 'ROLLBACK_SUCCESSFUL');
  });

  test('tasks that keep failing to start are throttled, with ECS event', async () => {
    const td = await registerTask(ng.client, [{ name: 'app', image: 'nothing.example/missing:1' }]);
    const name = await createService({ taskDefinition: td, desiredCount: 1 });
    const { s } = await waitFor(
      name,
      (x) => messages(x).some((m) => m.includes('unable to consistently')),
      'throttling',
    );
    assert.ok(messages(s).includes(`(service ${name}) is unable to consistently start tasks successfully.`));
    await ng.client.send(new DeleteServiceCommand({ service: name, force: true }));
  });

  test('a Spot interruption stops the task as Fargate Spot does, and the service replaces it', async () => {
    await ng.client.send(new CreateClusterCommand({ clusterName: 'spot' }));
    await ng.client.send(
      new PutClusterCapacityProvidersCommand({
        cluster: 'spot',
        capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
        defaultCapacityProviderStrategy: [
          { capacityProvider: 'FARGATE', base: 1, weight: 1 },
          { capacityProvider: 'FARGATE_SPOT', weight: 2 },
        ],
      }),
    );
    const td = await registerTask(ng.client, [{ name: 'app', command: SERVE, stopTimeout: 2 }]);
    await ng.client.send(
      new CreateServiceCommand({
        cluster: 'spot',
        serviceName: 'spotty',
        taskDefinition: td,
        desiredCount: 4,
        networkConfiguration: { awsvpcConfiguration: { subnets } },
      }),
    );
    made.push({ service: 'spotty', cluster: 'spot' });
    await waitFor('spotty', stable, 'steady state', 60_000, 'spot');
    const { taskArns = [] } = await ng.client.send(
      new ListTasksCommand({ cluster: 'spot', serviceName: 'spotty' }),
    );
    const tasks = await Promise.all(taskArns.map((a) => describeTask(ng.client, a)));
    const providers = tasks.map((t) => t.capacityProviderName).sort();
    // The base first (1 on FARGATE), then the other 3 by weight 1:2.
    assert.deepEqual(providers, ['FARGATE', 'FARGATE', 'FARGATE_SPOT', 'FARGATE_SPOT']);
    const { BIN } = await import('../support/spawn-neargate.ts');
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const out = await promisify(execFile)(BIN, [
      'spot',
      'interrupt',
      '--count',
      '1',
      '--data-dir',
      ng.dataDir,
    ]);
    const arn = /Interrupted: (\S+)/.exec(out.stdout)?.[1];
    assert.ok(arn, out.stdout);
    const end = await waitForTask(ng.client, arn, isStopped);
    assert.equal(end.stopCode, 'SpotInterruption');
    assert.equal(end.stoppedReason, 'Your Spot Task was interrupted.');
    assert.equal(end.capacityProviderName, 'FARGATE_SPOT');
    const { s } = await waitFor(
      'spotty',
      (x) => x.runningCount === 4 && messages(x).filter((m) => m.includes('has started')).length >= 2,
      'replacement',
      60_000,
      'spot',
    );
    assert.equal(s.desiredCount, 4);

    // A rate of interruptions, set on the running server: at this rate one comes within milliseconds.
    const rated = await promisify(execFile)(BIN, [
      'spot',
      'interrupt',
      '--rate-per-hour',
      '3600000',
      '--data-dir',
      ng.dataDir,
    ]);
    assert.match(rated.stdout, /Rate: 3600000 interruptions per hour/);
    const interrupted = await waitFor(
      'spotty',
      (x) => messages(x).filter((m) => m.includes('has started')).length >= 3,
      'another interruption',
      60_000,
      'spot',
    );
    await promisify(execFile)(BIN, ['spot', 'interrupt', '--rate-per-hour', '0', '--data-dir', ng.dataDir]);
    assert.ok(interrupted.s.events!.length > s.events!.length);
  });

  test('spot interrupt --task: SIGTERM at once, SIGKILL after stopTimeout; a FARGATE task is not interrupted', async () => {
    await ng.client.send(new CreateClusterCommand({ clusterName: 'spot-task' }));
    await ng.client.send(
      new PutClusterCapacityProvidersCommand({
        cluster: 'spot-task',
        capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
        defaultCapacityProviderStrategy: [],
      }),
    );
    const td = await registerTask(ng.client, [
      { name: 'polite', command: SERVE },
      {
        name: 'stubborn',
        command: ['sh', '-c', 'trap "" TERM; while :; do sleep 0.1; done'],
        stopTimeout: 2,
      },
    ]);
    const spot = await runTask(ng.client, td, {
      cluster: 'spot-task',
      launchType: undefined,
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
    });
    const onDemand = await runTask(ng.client, td, { cluster: 'spot-task' });
    await waitForTask(ng.client, spot.taskArn!, (t) => t.lastStatus === 'RUNNING');
    await waitForTask(ng.client, onDemand.taskArn!, (t) => t.lastStatus === 'RUNNING');
    await untilTermTrapped(spot.taskArn!, 2);
    const { BIN } = await import('../support/spawn-neargate.ts');
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const interrupt = (task: string) =>
      promisify(execFile)(BIN, ['spot', 'interrupt', '--task', task, '--data-dir', ng.dataDir]);
    await assert.rejects(interrupt(onDemand.taskArn!), /is not a running FARGATE_SPOT task/);
    const out = await interrupt(spot.taskArn!.split('/').at(-1)!);
    assert.equal(out.stdout.trim(), `Interrupted: ${spot.taskArn}`);
    const end = await waitForTask(ng.client, spot.taskArn!, isStopped);
    assert.equal(end.stopCode, 'SpotInterruption');
    assert.equal(end.stoppedReason, 'Your Spot Task was interrupted.');
    // The polite container ended on the SIGTERM; the stubborn one was killed once stopTimeout ran out.
    assert.equal(end.containers!.find((c) => c.name === 'polite')!.exitCode, 0);
    assert.equal(end.containers!.find((c) => c.name === 'stubborn')!.exitCode, 137);
    assert.equal((await describeTask(ng.client, onDemand.taskArn!)).lastStatus, 'RUNNING');
    await ng.client.send(new StopTaskCommand({ cluster: 'spot-task', task: onDemand.taskArn! }));
  });

  test('unhealthy tasks are left alone during the grace period, then replaced, as ECS words it', async () => {
    const td = await registerTask(ng.client, [
      { name: 'app', command: SERVE, healthCheck: { command: ['CMD', 'false'], interval: 5, retries: 1 } },
    ]);
    const name = await createService({
      taskDefinition: td,
      desiredCount: 1,
      healthCheckGracePeriodSeconds: 3600,
    });
    const { taskArns: [first] = [] } = await waitForList(name);
    await waitForTask(ng.client, first!, (t) => t.healthStatus === 'UNHEALTHY');
    const during = await describe(name);
    assert.ok(
      !messages(during).some((m) => m.includes('failed container health checks')),
      'not within the grace period',
    );
    assert.equal(during.runningCount, 1);
    await ng.client.send(new UpdateServiceCommand({ service: name, healthCheckGracePeriodSeconds: 0 }));
    const { s } = await waitFor(
      name,
      (x) => messages(x).some((m) => m.includes('Amazon ECS replaced 1 tasks due to an unhealthy status.')),
      'replacement of the unhealthy task',
    );
    assert.ok(
      messages(s).includes(
        `(service ${name}) (task ${first!.split('/').at(-1)}) failed container health checks.`,
      ),
    );
    const replaced = await waitForTask(ng.client, first!, isStopped);
    assert.equal(replaced.stoppedReason, 'Task failed container health checks');
    assert.equal(replaced.stopCode, 'ServiceSchedulerInitiated');
    await ng.client.send(new DeleteServiceCommand({ service: name, force: true }));
  });

  async function waitForList(name: string) {
    for (;;) {
      const out = await ng.client.send(new ListTasksCommand({ serviceName: name }));
      if (out.taskArns?.length) return out;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  test('DeleteService: refused while scaled up, then DRAINING and INACTIVE with force', async () => {
    const td = await registerTask(ng.client, [{ name: 'app', command: SERVE }]);
    const name = await createService({ taskDefinition: td, desiredCount: 1 });
    await waitFor(name, stable, 'steady state');
    await assert.rejects(
      ng.client.send(new DeleteServiceCommand({ service: name })),
      (e: Error) =>
        e instanceof InvalidParameterException &&
        e.message === 'The service cannot be stopped while it is scaled above 0.',
    );
    const deleted = await ng.client.send(new DeleteServiceCommand({ service: name, force: true }));
    assert.equal(deleted.service?.status, 'DRAINING');
    const { s } = await waitFor(name, (x) => x.status === 'INACTIVE', 'INACTIVE');
    assert.equal(s.desiredCount, 0);
    const { serviceArns = [] } = await ng.client.send(new ListServicesCommand({}));
    assert.ok(!serviceArns.some((a) => a.endsWith(`/${name}`)));
    await assert.rejects(
      ng.client.send(new UpdateServiceCommand({ service: name, desiredCount: 1 })),
      (e: Error) => e instanceof ServiceNotActiveException && e.message === 'Service was not ACTIVE.',
    );
    const again = await ng.client.send(
      new CreateServiceCommand({
        serviceName: name,
        taskDefinition: td,
        desiredCount: 0,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets } },
      }),
    );
    assert.equal(again.service?.status, 'ACTIVE', 'an INACTIVE name can be used again');
  });

  test('ECS errors for services', async () => {
    const td = await registerTask(ng.client, [{ name: 'app', command: SERVE }]);
    const name = await createService({ taskDefinition: td, desiredCount: 0 });
    await assert.rejects(
      createServiceNamed(name, td),
      (e: Error) =>
        e instanceof InvalidParameterException && e.message === 'Creation of service was not idempotent.',
    );
    await assert.rejects(
      ng.client.send(new UpdateServiceCommand({ service: 'nope', desiredCount: 1 })),
      ServiceNotFoundException,
    );
    await assert.rejects(
      ng.client.send(new ListTasksCommand({ serviceName: 'nope' })),
      ServiceNotFoundException,
    );
    const d = await ng.client.send(new DescribeServicesCommand({ services: ['nope'] }));
    assert.deepEqual(d.failures, [
      { arn: 'arn:aws:ecs:us-east-1:000000000000:service/default/nope', reason: 'MISSING' },
    ]);
    await assert.rejects(
      ng.client.send(
        new DescribeServicesCommand({ services: Array.from({ length: 11 }, (_, i) => `s${i}`) }),
      ),
      /service names can have at most 10 items\./,
    );
    const cli = await aws(ng.env, ['ecs', 'delete-service', '--service', 'nope']);
    assert.match(cli.stderr, /ServiceNotFoundException.*Service not found\./);

    // A cluster holding a service, even one scaled to 0, cannot be deleted; once it is gone, it can.
    await ng.client.send(new CreateClusterCommand({ clusterName: 'holds-service' }));
    await ng.client.send(
      new CreateServiceCommand({
        cluster: 'holds-service',
        serviceName: 'idle',
        taskDefinition: td,
        desiredCount: 0,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets } },
      }),
    );
    const held = await aws(ng.env, ['ecs', 'delete-cluster', '--cluster', 'holds-service']);
    assert.match(
      held.stderr,
      /ClusterContainsServicesException.*The Cluster cannot be deleted while Services are active\./,
    );
    await ng.client.send(new DeleteServiceCommand({ cluster: 'holds-service', service: 'idle' }));
    await waitFor('idle', (x) => x.status === 'INACTIVE', 'INACTIVE', 60_000, 'holds-service');
    const deleted = await ng.client.send(new DeleteClusterCommand({ cluster: 'holds-service' }));
    assert.equal(deleted.cluster?.status, 'INACTIVE');
  });

  function createServiceNamed(serviceName: string, taskDefinition: string) {
    return ng.client.send(
      new CreateServiceCommand({
        serviceName,
        taskDefinition,
        desiredCount: 0,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets } },
      }),
    );
  }
});
