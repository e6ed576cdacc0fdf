import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { type ContainerDefinition, StopTaskCommand } from '@aws-sdk/client-ecs';
import {
  cannotRunTasks,
  isRunning,
  isStopped,
  registerTask,
  runTask,
  SERVE,
  startTaskNeargate,
  type TaskNeargate,
  waitForTask,
} from '../support/tasks.ts';

/**
 * Each case runs a container whose command checks one setting from inside and exits 0 when it
 * holds, or a code naming what failed: the exit code, as DescribeTasks reports it, is the verdict.
 */
describe('container settings are honoured inside the container', { skip: cannotRunTasks }, () => {
  let ng: TaskNeargate;
  before(async () => {
    ng = await startTaskNeargate();
    await ng.loadImages([
      {
        references: ['settings:latest'],
        config: {
          Entrypoint: ['sh', '-c'],
          Cmd: ['exit 42'],
          Env: ['PATH=/bin', 'FROM_IMAGE=yes', 'OVERRIDDEN=image'],
          WorkingDir: '/tmp',
          User: 'app',
        },
      },
    ]);
  });
  after(() => ng?.stop());

  async function exitCodeOf(c: ContainerDefinition): Promise<number | undefined> {
    const td = await registerTask(ng.client, [{ name: 'check', ...c }]);
    const t = await runTask(ng.client, td);
    const end = await waitForTask(ng.client, t.taskArn!, isStopped);
    return end.containers![0]!.exitCode;
  }
  const check = (script: string, extra: Partial<ContainerDefinition> = {}) =>
    exitCodeOf({ command: ['sh', '-c', script], ...extra });

  test('the image config runs when the task definition says nothing', async () => {
    assert.equal(await exitCodeOf({ image: 'settings' }), 42);
  });

  test('the image user, working directory and variables apply, and the definition overrides them', async () => {
    assert.equal(
      await exitCodeOf({
        image: 'settings',
        command: [
          '[ "$(id -un)" = app ] || exit 11; [ "$PWD" = /tmp ] || exit 12; [ "$FROM_IMAGE" = yes ] || exit 13; [ "$OVERRIDDEN" = task ] || exit 14',
        ],
        environment: [{ name: 'OVERRIDDEN', value: 'task' }],
      }),
      0,
    );
    assert.equal(
      await exitCodeOf({
        image: 'settings',
        command: ['[ "$(id -u)" = 0 ] || exit 21; [ "$PWD" = /etc ] || exit 22'],
        user: 'root',
        workingDirectory: '/etc',
      }),
      0,
    );
  });

  test('entryPoint replaces the image entrypoint and drops its command, as Docker does', async () => {
    assert.equal(await exitCodeOf({ image: 'settings', entryPoint: ['sh', '-c', 'exit 7'] }), 7);
  });

  test('Fargate sets AWS_EXECUTION_ENV and the region; the hostname is the ENI name', async () => {
    assert.equal(
      await check(
        '[ "$AWS_EXECUTION_ENV" = AWS_ECS_FARGATE ] || exit 31; [ "$AWS_REGION" = us-east-1 ] || exit 32; [ "$AWS_DEFAULT_REGION" = us-east-1 ] || exit 33; hostname | grep -q "^ip-.*\\.ec2\\.internal$" || exit 34',
      ),
      0,
    );
  });

  test('readonlyRootFilesystem refuses writes to the root but not to a volume', async () => {
    const script = 'touch /x 2>/dev/null && exit 41; touch /data/x || exit 42';
    const containers = [
      {
        name: 'check',
        command: ['sh', '-c', script],
        readonlyRootFilesystem: true,
        mountPoints: [{ sourceVolume: 'data', containerPath: '/data' }],
      },
    ];
    await assert.rejects(
      registerTask(ng.client, containers),
      /The volume 'data' is not defined in the task definition/,
    );
    const td = await registerTask(ng.client, containers, { volumes: [{ name: 'data', host: {} }] });
    const t = await runTask(ng.client, td);
    assert.equal((await waitForTask(ng.client, t.taskArn!, isStopped)).containers![0]!.exitCode, 0);
  });

  test('ulimits set the limits the container sees', async () => {
    assert.equal(
      await check('[ "$(ulimit -n)" = 1234 ] || exit 51', {
        ulimits: [{ name: 'nofile', softLimit: 1234, hardLimit: 2048 }],
      }),
      0,
    );
  });

  test('initProcessEnabled runs an init as pid 1, with the command as its child', async () => {
    assert.equal(
      await check('[ "$$" != 1 ] || exit 61; grep -q init /proc/1/cmdline || exit 62', {
        linuxParameters: { initProcessEnabled: true },
      }),
      0,
    );
    assert.equal(await check('[ "$$" = 1 ] || exit 63'), 0, 'without it the command is pid 1');
  });

  test('capabilities can be dropped', async () => {
    assert.equal(await check('chown 1000 /tmp || exit 71'), 0, 'root may chown by default');
    assert.equal(
      await check('chown 1000 /tmp 2>/dev/null && exit 72; exit 0', {
        linuxParameters: { capabilities: { drop: ['CHOWN'] } },
      }),
      0,
    );
  });

  test('dockerLabels label the container, as Docker labels become OCI annotations', async () => {
    const td = await registerTask(ng.client, [
      { name: 'app', command: SERVE, dockerLabels: { team: 'blue', 'com.example.tier': 'web' } },
    ]);
    const t = await runTask(ng.client, td);
    const running = await waitForTask(ng.client, t.taskArn!, isRunning);
    const { stdout } = await promisify(execFile)('runc', [
      '--root',
      `${ng.dataDir}/agent/runtime/runc`,
      'state',
      running.containers![0]!.runtimeId!,
    ]);
    const annotations = JSON.parse(stdout).annotations as Record<string, string>;
    assert.equal(annotations.team, 'blue');
    assert.equal(annotations['com.example.tier'], 'web');
    await ng.client.send(new StopTaskCommand({ task: t.taskArn! }));
    await waitForTask(ng.client, t.taskArn!, isStopped);
  });

  test('containers of one task share a bind-mount volume', async () => {
    const td = await registerTask(
      ng.client,
      [
        {
          name: 'writer',
          essential: false,
          command: ['sh', '-c', 'echo hello > /shared/msg'],
          mountPoints: [{ sourceVolume: 'v', containerPath: '/shared' }],
        },
        {
          name: 'reader',
          command: ['sh', '-c', '[ "$(cat /shared/msg)" = hello ] || exit 81'],
          mountPoints: [{ sourceVolume: 'v', containerPath: '/shared', readOnly: true }],
          dependsOn: [{ containerName: 'writer', condition: 'SUCCESS' }],
        },
      ],
      { volumes: [{ name: 'v', host: {} }] },
    );
    const t = await runTask(ng.client, td);
    const end = await waitForTask(ng.client, t.taskArn!, isStopped);
    assert.equal(end.containers!.find((c) => c.name === 'reader')!.exitCode, 0);
  });
});
