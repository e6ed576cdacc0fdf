import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StopTaskCommand } from '@aws-sdk/client-ecs';
import {
  cannotRunTasks,
  isRunning,
  isStopped,
  registerTask,
  runTask,
  SERVE,
  startTaskNeargate,
  type TaskNeargate,
  untilTermTrapped,
  waitForTask,
} from '../support/tasks.ts';

const shared = { volumes: [{ name: 'v', host: {} }] };
const mount = [{ sourceVolume: 'v', containerPath: '/v' }];

describe('dependsOn, health checks and stopping', { skip: cannotRunTasks }, () => {
  let ng: TaskNeargate;
  before(async () => {
    ng = await startTaskNeargate();
  });
  after(() => ng?.stop());

  test('SUCCESS and HEALTHY dependencies hold the app back until they are met', async () => {
    const td = await registerTask(
      ng.client,
      [
        { name: 'init', essential: false, command: ['sh', '-c', 'echo done > /v/init'], mountPoints: mount },
        {
          name: 'db',
          command: ['sh', '-c', 'trap "exit 0" TERM; sleep 1; touch /v/ready; while :; do sleep 0.1; done'],
          mountPoints: mount,
          healthCheck: {
            command: ['CMD-SHELL', 'test -f /v/ready'],
            interval: 5,
            timeout: 2,
            retries: 3,
            startPeriod: 10,
          },
        },
        {
          name: 'app',
          command: [
            'sh',
            '-c',
            'trap "exit 0" TERM; test -f /v/init || exit 21; test -f /v/ready || exit 22; while :; do sleep 0.1; done',
          ],
          mountPoints: mount,
          dependsOn: [
            { containerName: 'init', condition: 'SUCCESS' },
            { containerName: 'db', condition: 'HEALTHY' },
          ],
        },
      ],
      shared,
    );
    const t = await runTask(ng.client, td);
    const pending = await waitForTask(
      ng.client,
      t.taskArn!,
      (x) => x.containers!.find((c) => c.name === 'db')!.lastStatus === 'RUNNING',
    );
    assert.equal(
      pending.containers!.find((c) => c.name === 'app')!.lastStatus,
      'PENDING',
      'app waits for db to be healthy',
    );
    assert.equal(pending.lastStatus, 'PENDING');
    const running = await waitForTask(ng.client, t.taskArn!, isRunning, 20_000);
    const byName = Object.fromEntries(running.containers!.map((c) => [c.name, c]));
    assert.equal(byName.init!.exitCode, 0);
    assert.equal(byName.db!.healthStatus, 'HEALTHY');
    assert.equal(byName.app!.lastStatus, 'RUNNING');
    assert.equal(
      running.healthStatus,
      'HEALTHY',
      'the only essential container with a health check is healthy',
    );
    await ng.client.send(new StopTaskCommand({ task: t.taskArn! }));
    const end = await waitForTask(ng.client, t.taskArn!, isStopped);
    assert.equal(end.containers!.find((c) => c.name === 'app')!.exitCode, 0, 'app found both files');
  });

  test('a SUCCESS dependency that fails means the app never starts and the task stops', async () => {
    const td = await registerTask(ng.client, [
      { name: 'init', essential: false, command: ['sh', '-c', 'exit 1'] },
      { name: 'app', command: SERVE, dependsOn: [{ containerName: 'init', condition: 'SUCCESS' }] },
    ]);
    const t = await runTask(ng.client, td);
    const end = await waitForTask(ng.client, t.taskArn!, isStopped);
    assert.equal(end.stopCode, 'TaskFailedToStart');
    const app = end.containers!.find((c) => c.name === 'app')!;
    assert.equal(app.lastStatus, 'STOPPED');
    assert.equal(app.exitCode, undefined, 'it never ran');
    assert.match(end.stoppedReason!, /init exited with code 1/);
  });

  test('startTimeout gives up on a dependency that never becomes healthy', async () => {
    const td = await registerTask(ng.client, [
      { name: 'db', command: SERVE, healthCheck: { command: ['CMD', 'false'], interval: 5, retries: 10 } },
      {
        name: 'app',
        command: SERVE,
        startTimeout: 2,
        dependsOn: [{ containerName: 'db', condition: 'HEALTHY' }],
      },
    ]);
    const t = await runTask(ng.client, td);
    const started = Date.now();
    const end = await waitForTask(ng.client, t.taskArn!, isStopped, 20_000);
    assert.ok(Date.now() - started >= 1500, 'it waited for the timeout');
    assert.equal(end.stopCode, 'TaskFailedToStart');
    assert.match(end.stoppedReason!, /startTimeout/);
  });

  test('health checks drive container and task health', async () => {
    const td = await registerTask(ng.client, [
      { name: 'good', command: SERVE, healthCheck: { command: ['CMD-SHELL', 'exit 0'], interval: 5 } },
      { name: 'bad', command: SERVE, healthCheck: { command: ['CMD', 'false'], interval: 5, retries: 1 } },
    ]);
    const t = await runTask(ng.client, td);
    const judged = await waitForTask(
      ng.client,
      t.taskArn!,
      (x) => x.containers!.every((c) => c.healthStatus !== 'UNKNOWN'),
      20_000,
    );
    assert.equal(judged.containers!.find((c) => c.name === 'good')!.healthStatus, 'HEALTHY');
    assert.equal(judged.containers!.find((c) => c.name === 'bad')!.healthStatus, 'UNHEALTHY');
    assert.equal(
      judged.healthStatus,
      'UNHEALTHY',
      'one unhealthy essential container makes the task unhealthy',
    );
    assert.equal(judged.lastStatus, 'RUNNING', 'a standalone task is not stopped for it');
    await ng.client.send(new StopTaskCommand({ task: t.taskArn! }));
    await waitForTask(ng.client, t.taskArn!, isStopped);
  });

  test('stopTimeout: SIGTERM first, SIGKILL when it is ignored', async () => {
    const td = await registerTask(ng.client, [
      { name: 'polite', command: SERVE },
      {
        name: 'stubborn',
        command: ['sh', '-c', 'trap "" TERM; while :; do sleep 0.1; done'],
        stopTimeout: 2,
      },
    ]);
    const t = await runTask(ng.client, td);
    await waitForTask(ng.client, t.taskArn!, isRunning);
    await untilTermTrapped(t.taskArn!, 2);
    const asked = Date.now();
    await ng.client.send(new StopTaskCommand({ task: t.taskArn! }));
    const end = await waitForTask(ng.client, t.taskArn!, isStopped);
    const took = Date.now() - asked;
    assert.ok(took >= 1900 && took < 10_000, `stopping took ${took} ms`);
    assert.equal(end.containers!.find((c) => c.name === 'polite')!.exitCode, 0);
    assert.equal(end.containers!.find((c) => c.name === 'stubborn')!.exitCode, 137);
  });

  test('containers stop in reverse dependency order: the sidecar outlives the app', async () => {
    const td = await registerTask(
      ng.client,
      [
        {
          name: 'sidecar',
          command: [
            'sh',
            '-c',
            'trap "grep -q app-stopped /v/log && exit 0 || exit 9" TERM; while :; do sleep 0.1; done',
          ],
          mountPoints: mount,
        },
        {
          name: 'app',
          command: [
            'sh',
            '-c',
            'trap "echo app-stopped >> /v/log; exit 0" TERM; while :; do sleep 0.1; done',
          ],
          mountPoints: mount,
          dependsOn: [{ containerName: 'sidecar', condition: 'START' }],
        },
      ],
      shared,
    );
    const t = await runTask(ng.client, td);
    await waitForTask(ng.client, t.taskArn!, isRunning);
    await ng.client.send(new StopTaskCommand({ task: t.taskArn! }));
    const end = await waitForTask(ng.client, t.taskArn!, isStopped);
    assert.equal(end.containers!.find((c) => c.name === 'app')!.exitCode, 0);
    assert.equal(
      end.containers!.find((c) => c.name === 'sidecar')!.exitCode,
      0,
      'the app had stopped before the sidecar was asked to',
    );
  });
});
