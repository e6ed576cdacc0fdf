import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, afterEach, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { aws, type NewerModelsHome, newerModelsHome } from '../support/aws-cli.ts';
import { BIN } from '../support/spawn-neargate.ts';
import {
  cannotRunTasks,
  SERVE,
  startTaskNeargate,
  type TaskNeargate,
  waitForClusterIdle,
} from '../support/tasks.ts';

// Everything ECS is asked here goes through Debian's AWS CLI: services, tasks, waiters, and
// (with the newer model taught to it) the service deployments, revisions and deletions.

const run = promisify(execFile);
const subnets = ['subnet-000000e1', 'subnet-000000e2'];
const network = `awsvpcConfiguration={subnets=[${subnets.join(',')}]}`;

// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON, read as the tests need it.
type Json = any;

describe('services through the AWS CLI: crash loops, the throttle, the circuit breaker, Spot', {
  skip: cannotRunTasks,
}, () => {
  const THROTTLE_BASE_MS = 300;
  let ng: TaskNeargate;
  let newer: NewerModelsHome;
  before(async () => {
    // A task without health checks counts as healthy after 1 s here (40 s on ECS), and the
    // throttle starts at 300 ms (30 s here by default).
    ng = await startTaskNeargate({ taskHealthyAfterMs: 1000, serviceThrottleBaseMs: THROTTLE_BASE_MS });
    newer = await newerModelsHome();
  });
  after(async () => {
    await ng?.stop();
    await newer?.remove();
  });

  /** Runs `aws ecs ...` (the stock CLI unless told `newer`), which must succeed; its JSON. */
  async function ecs(args: readonly string[], opts: { newer?: boolean } = {}): Promise<Json> {
    const out = await aws(opts.newer ? { ...ng.env, ...newer.env } : ng.env, ['ecs', ...args]);
    assert.equal(out.code, 0, `aws ecs ${args.join(' ')}: ${out.stderr}`);
    return out.json;
  }
  const inCluster = (cluster: string | undefined) => (cluster ? ['--cluster', cluster] : []);

  let family = 0;
  async function register(containers: readonly Record<string, unknown>[]): Promise<string> {
    const out = await ecs([
      'register-task-definition',
      '--family',
      `cli-${process.pid}-${++family}`,
      '--requires-compatibilities',
      'FARGATE',
      '--network-mode',
      'awsvpc',
      '--cpu',
      '256',
      '--memory',
      '512',
      '--container-definitions',
      JSON.stringify(containers.map((c) => ({ image: 'busybox', ...c }))),
    ]);
    return out.taskDefinition.taskDefinitionArn;
  }

  // Each test's services go when it ends, and the next waits until their tasks have stopped, so
  // they do not fill the host for it (this cleaning is no part of what is tested: the SDK's quicker).
  const made: { service: string; cluster: string | undefined }[] = [];
  afterEach(async () => {
    const clusters = new Set<string | undefined>();
    for (const { service, cluster } of made.splice(0)) {
      await aws(ng.env, ['ecs', 'delete-service', '--service', service, '--force', ...inCluster(cluster)]);
      clusters.add(cluster);
    }
    for (const cluster of clusters) await waitForClusterIdle(ng.client, cluster);
  });

  async function createService(
    name: string,
    taskDefinition: string,
    extra: readonly string[] = [],
    cluster?: string,
  ): Promise<Json> {
    made.push({ service: name, cluster });
    const out = await ecs([
      'create-service',
      '--service-name',
      name,
      '--task-definition',
      taskDefinition,
      '--network-configuration',
      network,
      ...inCluster(cluster),
      ...extra,
    ]);
    return out.service;
  }

  async function describeService(name: string, cluster?: string): Promise<Json> {
    return (await ecs(['describe-services', '--services', name, ...inCluster(cluster)])).services[0];
  }

  /** Polls describe-services until `done` holds of the service. */
  async function waitFor(name: string, done: (s: Json) => boolean, what: string, cluster?: string) {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const s = await describeService(name, cluster);
      if (done(s)) return s;
      if (Date.now() > deadline) {
        throw new Error(`${what} did not happen: ${JSON.stringify({ ...s, events: s.events.slice(0, 8) })}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const stable = (s: Json) =>
    s.deployments.length === 1 &&
    s.runningCount === s.desiredCount &&
    s.deployments[0].rolloutState === 'COMPLETED';
  /** The service's events, oldest first. */
  const messages = (s: Json): string[] => s.events.map((e: Json) => e.message).reverse();

  /** `aws ecs wait services-stable`, which must agree that the service is stable. */
  async function confirmStable(name: string, cluster?: string) {
    const out = await aws(ng.env, [
      'ecs',
      'wait',
      'services-stable',
      '--services',
      name,
      ...inCluster(cluster),
    ]);
    assert.equal(out.code, 0, `services-stable: ${out.stderr}`);
  }

  /** Every task of the service (running and stopped), as describe-tasks has them, oldest first. */
  async function tasksOf(name: string, cluster?: string): Promise<Json[]> {
    // A set: a task told to stop between the two lists is in both.
    const found = new Set<string>();
    for (const status of ['RUNNING', 'STOPPED']) {
      const listed = await ecs([
        'list-tasks',
        '--service-name',
        name,
        '--desired-status',
        status,
        ...inCluster(cluster),
      ]);
      for (const arn of listed.taskArns) found.add(arn);
    }
    const arns = [...found];
    const tasks: Json[] = [];
    for (let i = 0; i < arns.length; i += 100) {
      const out = await ecs(['describe-tasks', '--tasks', ...arns.slice(i, i + 100), ...inCluster(cluster)]);
      tasks.push(...out.tasks);
    }
    return tasks.sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
  }

  /** Polls until the service has had at least `count` tasks; returns them, oldest first. */
  async function waitForTasks(name: string, count: number, cluster?: string): Promise<Json[]> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const tasks = await tasksOf(name, cluster);
      if (tasks.length >= count) return tasks;
      if (Date.now() > deadline) throw new Error(`${name} had ${tasks.length} of ${count} tasks`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  test('a crash loop: an essential container that exits at once is replaced again and again, without the throttle, as ECS does', async () => {
    const td = await register([{ name: 'app', command: ['sh', '-c', 'exit 3'] }]);
    await createService('crash-loop', td, ['--desired-count', '1', '--launch-type', 'FARGATE']);
    const tasks = await waitForTasks('crash-loop', 4);
    // Each is replaced once it is told to stop: the newest crashed one may still be on its way down.
    const ended = tasks.filter((t) => t.desiredStatus === 'STOPPED');
    assert.ok(ended.length >= 3, `three tasks crashed, saw ${ended.length}`);
    for (const t of ended) {
      // Each one got as far as RUNNING: ECS counts it as started, so its crash is not throttled.
      assert.ok(t.startedAt, `task ${t.taskArn} reached RUNNING: ${JSON.stringify(t, null, 1)}`);
      assert.equal(t.stopCode, 'EssentialContainerExited');
      assert.equal(t.stoppedReason, 'Essential container in task exited');
      assert.equal(t.containers[0].exitCode, 3);
      assert.equal(t.group, 'service:crash-loop');
    }
    const s = await describeService('crash-loop');
    const started = messages(s).filter((m) => /^\(service crash-loop\) has started 1 tasks: /.test(m));
    assert.ok(started.length >= 4, `a start event for each task, saw ${started.length}`);
    assert.ok(
      !messages(s).some((m) => m.includes('unable to consistently start tasks')),
      'ECS throttles tasks that never reach RUNNING, not tasks whose command exits',
    );
  });

  test('tasks that cannot start are throttled: ECS event, the waits double from the base, a new revision ends it', async () => {
    const bad = await register([{ name: 'app', command: ['/no/such/program'] }]);
    await createService('throttled', bad, ['--desired-count', '1', '--launch-type', 'FARGATE']);
    // Six tasks: the waits before the 3rd to the 6th are 1, 2, 4 and 8 times the base.
    const tasks = (await waitForTasks('throttled', 6)).slice(0, 6);
    for (const t of tasks.slice(0, 5)) {
      assert.equal(t.desiredStatus, 'STOPPED');
      assert.equal(t.startedAt, undefined, 'never RUNNING');
      assert.equal(t.stopCode, 'TaskFailedToStart');
      assert.match(t.stoppedReason, /^CannotStartContainerError: /);
    }
    const created = tasks.map((t) => Date.parse(t.createdAt));
    // The service keeps one task at a time: each launch follows the failure of the one before it,
    // and once two failed in a row, a launch comes at least base × 2^(failures - 2) after the
    // previous one (lower bounds only: how long a task takes to fail depends on the machine).
    for (let k = 2; k < created.length; k++) {
      const failures = k;
      const gap = created[k]! - created[k - 1]!;
      const wait = THROTTLE_BASE_MS * 2 ** (failures - 2);
      assert.ok(gap >= wait, `launch ${k + 1} came ${gap} ms after launch ${k}, before the ${wait} ms wait`);
    }
    const s = await describeService('throttled');
    assert.equal(
      messages(s).filter(
        (m) => m === '(service throttled) is unable to consistently start tasks successfully.',
      ).length,
      1,
      'the event, once',
    );

    // A new task definition returns the service to normal at once, as ECS's docs say.
    const good = await register([{ name: 'app', command: SERVE }]);
    await ecs(['update-service', '--service', 'throttled', '--task-definition', good]);
    await waitFor('throttled', (x) => stable(x) && x.taskDefinition === good, 'recovery');
    await confirmStable('throttled');
  });

  test('the circuit breaker fails a crashing revision: with rollback the service returns to the good one; without, the deployment stays FAILED', async () => {
    const good = await register([{ name: 'app', command: SERVE }]);
    const created = await createService('breaker', good, [
      '--desired-count',
      '1',
      '--launch-type',
      'FARGATE',
      '--deployment-configuration',
      'deploymentCircuitBreaker={enable=true,rollback=true},maximumPercent=200,minimumHealthyPercent=100',
    ]);
    assert.deepEqual(created.deploymentConfiguration, {
      deploymentCircuitBreaker: { enable: true, rollback: true },
      maximumPercent: 200,
      minimumHealthyPercent: 100,
    });
    const first = await waitFor('breaker', stable, 'steady state');
    await confirmStable('breaker');
    const goodDeployment = first.deployments[0].id;

    const bad = await register([{ name: 'app', command: ['sh', '-c', 'exit 1'] }]);
    const updated = await ecs(['update-service', '--service', 'breaker', '--task-definition', bad]);
    const badDeployment = updated.service.deployments[0].id;
    assert.notEqual(badDeployment, goodDeployment);
    assert.equal(updated.service.deployments[0].rolloutState, 'IN_PROGRESS');
    const back = await waitFor(
      'breaker',
      (s) => stable(s) && s.deployments[0].id === goodDeployment && s.taskDefinition === good,
      'the rollback',
    );
    await confirmStable('breaker');
    assert.equal(back.deployments[0].taskDefinition, good, 'the good revision runs again');
    assert.equal(back.deployments[0].rolloutStateReason, `ECS deployment ${goodDeployment} completed.`);
    const events = messages(back);
    const failedAt = events.indexOf(
      `(service breaker) (deployment ${badDeployment}) deployment failed: tasks failed to start.`,
    );
    const rollingBackAt = events.indexOf(`(service breaker) rolling back to deployment ${goodDeployment}.`);
    assert.ok(failedAt >= 0 && rollingBackAt > failedAt, events.join('\n'));
    const badTasks = (await tasksOf('breaker')).filter((t) => t.taskDefinitionArn === bad);
    const crashed = badTasks.filter((t) => t.stopCode === 'EssentialContainerExited');
    assert.ok(crashed.length >= 3, `ECS's threshold for 1 task is 3 failures, saw ${crashed.length}`);
    for (const t of badTasks.filter((x) => !crashed.includes(x))) {
      assert.equal(t.stopCode, 'ServiceSchedulerInitiated', 'stopped by the rollback');
    }

    // The failed deployment, as the newer operations tell it.
    const { serviceDeployments } = await ecs(['list-service-deployments', '--service', 'breaker'], {
      newer: true,
    });
    assert.deepEqual(
      serviceDeployments.map((d: Json) => d.status),
      ['ROLLBACK_SUCCESSFUL', 'SUCCESSFUL'],
    );
    const {
      serviceDeployments: [failed],
    } = await ecs(
      [
        'describe-service-deployments',
        '--service-deployment-arns',
        serviceDeployments[0].serviceDeploymentArn,
      ],
      { newer: true },
    );
    assert.equal(failed.status, 'ROLLBACK_SUCCESSFUL');
    assert.equal(failed.statusReason, 'ECS deployment circuit breaker: tasks failed to start.');
    assert.equal(failed.deploymentCircuitBreaker.status, 'TRIGGERED');
    assert.equal(failed.deploymentCircuitBreaker.threshold, 3);
    assert.ok(failed.deploymentCircuitBreaker.failureCount >= 3);
    // The rollback: why, when (after the deployment began), and to the good deployment's revision.
    assert.equal(failed.rollback.reason, 'ECS deployment circuit breaker: tasks failed to start.');
    assert.ok(Date.parse(failed.rollback.startedAt) >= Date.parse(failed.startedAt), JSON.stringify(failed));
    assert.equal(failed.rollback.serviceRevisionArn, failed.sourceServiceRevisions[0].arn);
    const { serviceRevisions } = await ecs(
      [
        'describe-service-revisions',
        '--service-revision-arns',
        failed.targetServiceRevision.arn,
        failed.sourceServiceRevisions[0].arn,
      ],
      { newer: true },
    );
    assert.deepEqual(
      serviceRevisions.map((r: Json) => r.taskDefinition),
      [bad, good],
    );

    // Without rollback, the failed deployment stays PRIMARY and FAILED, with ECS's reason, and
    // launches nothing more; the good tasks keep running (minimumHealthyPercent 100).
    const again = await ecs([
      'update-service',
      '--service',
      'breaker',
      '--task-definition',
      bad,
      '--deployment-configuration',
      'deploymentCircuitBreaker={enable=true,rollback=false},maximumPercent=200,minimumHealthyPercent=100',
    ]);
    const stuck = again.service.deployments[0].id;
    const s = await waitFor('breaker', (x) => x.deployments[0].rolloutState === 'FAILED', 'the failure');
    assert.equal(s.deployments[0].id, stuck);
    assert.equal(s.deployments[0].status, 'PRIMARY');
    assert.equal(
      s.deployments[0].rolloutStateReason,
      'ECS deployment circuit breaker: tasks failed to start.',
    );
    assert.deepEqual(
      s.deployments.map((d: Json) => [d.id, d.taskDefinition]),
      [
        [stuck, bad],
        [goodDeployment, good],
      ],
    );
    const kept = (await tasksOf('breaker')).filter((t) => t.desiredStatus === 'RUNNING');
    assert.deepEqual(
      kept.map((t) => [t.taskDefinitionArn, t.lastStatus]),
      [[good, 'RUNNING']],
    );

    // The bad revision, deregistered and deleted once the service is gone.
    await ecs(['delete-service', '--service', 'breaker', '--force']);
    await ecs(['deregister-task-definition', '--task-definition', bad]);
    const deleted = await ecs(['delete-task-definitions', '--task-definitions', bad], { newer: true });
    assert.deepEqual(
      deleted.taskDefinitions.map((t: Json) => [t.taskDefinitionArn, t.status]),
      [[bad, 'DELETE_IN_PROGRESS']],
    );
    assert.deepEqual(deleted.failures, []);
  });

  test('a Spot interruption: the task stops with SpotInterruption and ECS reason, and the service replaces it', async () => {
    await ecs([
      'create-cluster',
      '--cluster-name',
      'spot-cli',
      '--capacity-providers',
      'FARGATE',
      'FARGATE_SPOT',
      '--default-capacity-provider-strategy',
      'capacityProvider=FARGATE_SPOT,weight=1',
    ]);
    const td = await register([{ name: 'app', command: SERVE, stopTimeout: 2 }]);
    await createService('spotty', td, ['--desired-count', '2'], 'spot-cli');
    await waitFor('spotty', stable, 'steady state', 'spot-cli');
    await confirmStable('spotty', 'spot-cli');
    const before = await tasksOf('spotty', 'spot-cli');
    assert.deepEqual(
      before.map((t) => [t.lastStatus, t.capacityProviderName]),
      [
        ['RUNNING', 'FARGATE_SPOT'],
        ['RUNNING', 'FARGATE_SPOT'],
      ],
    );
    const victim = before[0].taskArn;
    const out = await run(BIN, ['spot', 'interrupt', '--task', victim, '--data-dir', ng.dataDir]);
    assert.equal(out.stdout.trim(), `Interrupted: ${victim}`);
    const waited = await aws(ng.env, [
      'ecs',
      'wait',
      'tasks-stopped',
      '--cluster',
      'spot-cli',
      '--tasks',
      victim,
    ]);
    assert.equal(waited.code, 0, waited.stderr);
    const {
      tasks: [end],
    } = await ecs(['describe-tasks', '--cluster', 'spot-cli', '--tasks', victim]);
    assert.equal(end.stopCode, 'SpotInterruption');
    assert.equal(end.stoppedReason, 'Your Spot Task was interrupted.');
    assert.equal(end.capacityProviderName, 'FARGATE_SPOT');
    assert.equal(end.containers[0].exitCode, 0, 'the two-minute warning is a SIGTERM it honoured');

    const s = await waitFor(
      'spotty',
      (x) => stable(x) && messages(x).filter((m) => m.includes('has started 1 tasks')).length === 1,
      'the replacement',
      'spot-cli',
    );
    await confirmStable('spotty', 'spot-cli');
    assert.equal(s.runningCount, 2);
    const now = (await tasksOf('spotty', 'spot-cli')).filter((t) => t.lastStatus === 'RUNNING');
    assert.equal(now.length, 2);
    assert.ok(!now.some((t) => t.taskArn === victim));
    assert.ok(now.every((t) => t.capacityProviderName === 'FARGATE_SPOT'));
  });

  test("Debian's CLI lacks the newer operations until it is taught ECS's current model", async () => {
    const arn = (kind: string) =>
      `arn:aws:ecs:us-east-1:000000000000:${kind}/default/nope/1234567890123456789`;
    // Debian's awscli 2.9 predates these four operations.
    const calls: Record<string, string[]> = {
      'list-service-deployments': ['--service', 'nope'],
      'describe-service-deployments': ['--service-deployment-arns', arn('service-deployment')],
      'describe-service-revisions': ['--service-revision-arns', arn('service-revision')],
      'delete-task-definitions': ['--task-definitions', 'nope:1'],
    };
    await Promise.all(
      Object.entries(calls).map(async ([op, args]) => {
        const stock = await aws(ng.env, ['ecs', op, ...args]);
        assert.notEqual(stock.code, 0);
        assert.match(stock.stderr, /Invalid choice/, `the stock CLI knows ${op}`);
        const taught = await aws({ ...ng.env, ...newer.env }, ['ecs', op, ...args]);
        assert.doesNotMatch(taught.stderr, /Invalid choice/);
        if (op === 'list-service-deployments') {
          assert.match(taught.stderr, /ServiceNotFoundException/);
        } else {
          assert.equal(taught.code, 0, taught.stderr);
          assert.equal(taught.json.failures.length, 1, `${op} answers the missing one in failures`);
        }
      }),
    );
  });
});
