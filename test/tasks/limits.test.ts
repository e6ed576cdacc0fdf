import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import {
  cannotRunTasks,
  isRunning,
  isStopped,
  registerTask,
  runTask,
  SERVE,
  SUBNET,
  startTaskNeargate,
  type TaskNeargate,
  waitForTask,
} from '../support/tasks.ts';

const cgroupFile = (ng: TaskNeargate, controller: string, path: string, file: string) =>
  readFile(`/sys/fs/cgroup/${controller}${ng.config.cgroupParent}/${path}/${file}`, 'utf8').then((s) =>
    s.trim(),
  );

describe('cgroups size tasks as Fargate does', { skip: cannotRunTasks }, () => {
  let ng: TaskNeargate;
  before(async () => {
    ng = await startTaskNeargate();
  });
  after(() => ng?.stop());

  test('the task cgroup gets a cpu quota and a memory limit; a container gets its own limits inside', async () => {
    const td = await registerTask(
      ng.client,
      [{ name: 'app', command: SERVE, cpu: 512, memory: 256, memoryReservation: 128 }],
      { cpu: '1024', memory: '2048' },
    );
    const t = await runTask(ng.client, td);
    await waitForTask(ng.client, t.taskArn!, isRunning);
    const id = t.taskArn!.split('/').at(-1)!;
    assert.equal(await cgroupFile(ng, 'cpu', id, 'cpu.cfs_quota_us'), '100000', '1 vCPU = one full period');
    assert.equal(await cgroupFile(ng, 'memory', id, 'memory.limit_in_bytes'), String(2048 * 1024 * 1024));
    assert.equal(
      await cgroupFile(ng, 'memory', `${id}/app`, 'memory.limit_in_bytes'),
      String(256 * 1024 * 1024),
    );
    assert.equal(
      await cgroupFile(ng, 'memory', `${id}/app`, 'memory.soft_limit_in_bytes'),
      String(128 * 1024 * 1024),
    );
    assert.equal(await cgroupFile(ng, 'cpu', `${id}/app`, 'cpu.shares'), '512');
    await ng.client.send(new StopTaskCommand({ task: t.taskArn! }));
    await waitForTask(ng.client, t.taskArn!, isStopped);
  });

  test('task-level cpu and memory overrides size the cgroup', async () => {
    const td = await registerTask(ng.client, [{ name: 'app', command: SERVE }]);
    const t = await runTask(ng.client, td, { overrides: { cpu: '512', memory: '1024' } });
    await waitForTask(ng.client, t.taskArn!, isRunning);
    const id = t.taskArn!.split('/').at(-1)!;
    assert.equal(t.cpu, '512');
    assert.equal(await cgroupFile(ng, 'cpu', id, 'cpu.cfs_quota_us'), '50000');
    assert.equal(await cgroupFile(ng, 'memory', id, 'memory.limit_in_bytes'), String(1024 * 1024 * 1024));
    await ng.client.send(new StopTaskCommand({ task: t.taskArn! }));
    await waitForTask(ng.client, t.taskArn!, isStopped);
  });

  test('a container over its memory is killed: exit 137, OutOfMemoryError', async () => {
    const hog = ['sh', '-c', 'exec awk \'BEGIN { s = "x"; while (1) s = s s }\''];
    const td = await registerTask(ng.client, [{ name: 'hog', command: hog, memory: 32 }]);
    const t = await runTask(ng.client, td);
    const end = await waitForTask(ng.client, t.taskArn!, isStopped, 60_000);
    const c = end.containers![0]!;
    assert.equal(c.exitCode, 137);
    assert.equal(c.reason, 'OutOfMemoryError: Container killed due to memory usage');
    assert.equal(end.stopCode, 'EssentialContainerExited');
  });

  test('a task over the task memory is killed too, even without a container limit', async () => {
    const hog = ['sh', '-c', 'exec awk \'BEGIN { s = "x"; while (1) s = s s }\''];
    const td = await registerTask(ng.client, [{ name: 'hog', command: hog }]);
    const t = await runTask(ng.client, td);
    const end = await waitForTask(ng.client, t.taskArn!, isStopped, 60_000);
    assert.equal(end.containers![0]!.exitCode, 137);
    assert.equal(end.containers![0]!.reason, 'OutOfMemoryError: Container killed due to memory usage');
  });
});

describe('the host is the capacity pool', { skip: cannotRunTasks }, () => {
  let ng: TaskNeargate;
  before(async () => {
    // A quarter of this machine's memory: about a dozen 0.5 GiB tasks on 24 GiB, fewer on less.
    ng = await startTaskNeargate({ memoryOvercommit: 0.25 });
  });
  after(() => ng?.stop());

  test('tasks that do not fit are answered in failures, as Fargate answers', async () => {
    const td = await registerTask(ng.client, [{ name: 'app', command: SERVE }], {
      cpu: '256',
      memory: '2048',
    });
    const fits = Math.floor(
      (ng.config.memoryOvercommit * (await import('node:os')).totalmem()) / 1024 / 1024 / 2048,
    );
    const started: string[] = [];
    let failures = 0;
    for (let i = 0; i < Math.ceil((fits + 2) / 10); i++) {
      const out = await ng.client.send(
        new RunTaskCommand({
          taskDefinition: td,
          count: 10,
          launchType: 'FARGATE',
          networkConfiguration: { awsvpcConfiguration: { subnets: [SUBNET] } },
        }),
      );
      started.push(...(out.tasks ?? []).map((t) => t.taskArn!));
      for (const f of out.failures ?? []) {
        assert.equal(
          f.reason,
          'Capacity is unavailable at this time. Please try again later or in a different availability zone',
        );
        failures++;
      }
    }
    assert.equal(started.length, fits);
    assert.ok(failures >= 2);
    await Promise.all(started.map((task) => ng.client.send(new StopTaskCommand({ task }))));
    await Promise.all(started.map((a) => waitForTask(ng.client, a, isStopped, 60_000)));
    const again = await runTask(ng.client, td);
    assert.ok(again.taskArn, 'stopped tasks give their capacity back');
  });
});
