import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import {
  DescribeTasksCommand,
  ListTasksCommand,
  StartTaskCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { aws } from '../support/aws-cli.ts';
import {
  cannotRunTasks,
  describeTask,
  isRunning,
  isStopped,
  registerTask,
  runTask,
  SERVE,
  SUBNET,
  startTaskNeargate,
  type TaskNeargate,
  taskIp,
  untilTermTrapped,
  waitForTask,
} from '../support/tasks.ts';

const run = promisify(execFile);

describe('a task through its lifecycle', { skip: cannotRunTasks }, () => {
  let ng: TaskNeargate;
  before(async () => {
    ng = await startTaskNeargate();
  });
  after(() => ng?.stop());

  test('run-task, wait tasks-running, curl the task, stop-task, wait tasks-stopped: nothing left behind', async () => {
    const td = await registerTask(ng.client, [
      {
        name: 'web',
        command: ['httpd', '-f', '-p', '80', '-h', '/etc'],
        portMappings: [{ containerPort: 80 }],
        stopTimeout: 2,
      },
    ]);
    const started = await aws(ng.env, [
      'ecs',
      'run-task',
      '--task-definition',
      td,
      '--launch-type',
      'FARGATE',
      '--network-configuration',
      `awsvpcConfiguration={subnets=[${SUBNET}],assignPublicIp=DISABLED}`,
    ]);
    assert.equal(started.code, 0, started.stderr);
    const arn: string = started.json.tasks[0].taskArn;
    assert.equal(started.json.tasks[0].lastStatus, 'PROVISIONING');
    assert.equal(started.json.tasks[0].desiredStatus, 'RUNNING');

    const waited = await aws(ng.env, ['ecs', 'wait', 'tasks-running', '--tasks', arn]);
    assert.equal(waited.code, 0, waited.stderr);
    const t = await describeTask(ng.client, arn);
    assert.equal(t.lastStatus, 'RUNNING');
    for (const k of ['createdAt', 'pullStartedAt', 'pullStoppedAt', 'connectivityAt', 'startedAt'] as const) {
      assert.ok(t[k] instanceof Date, k);
    }
    const eni = t.attachments?.[0];
    assert.equal(eni?.type, 'ElasticNetworkInterface');
    assert.equal(eni?.status, 'ATTACHED');
    const details = Object.fromEntries(eni!.details!.map((d) => [d.name, d.value]));
    assert.equal(details.subnetId, SUBNET);
    assert.match(details.networkInterfaceId!, /^eni-[0-9a-f]{17}$/);
    assert.match(details.macAddress!, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    assert.equal(
      details.privateDnsName,
      `ip-${details.privateIPv4Address!.replaceAll('.', '-')}.ec2.internal`,
    );
    const c = t.containers![0]!;
    assert.equal(c.lastStatus, 'RUNNING');
    assert.match(c.runtimeId!, /^[0-9a-f]{32}-\d+$/);
    assert.match(c.imageDigest!, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(c.networkInterfaces, [{ attachmentId: eni!.id, privateIpv4Address: taskIp(t) }]);

    const res = await fetch(`http://${taskIp(t)}/hostname`);
    assert.equal(
      (await res.text()).trim(),
      details.privateDnsName,
      'the container answers at its ENI address, named as on Fargate',
    );

    const taskId = arn.split('/').at(-1)!;
    const stopped = await aws(ng.env, ['ecs', 'stop-task', '--task', arn, '--reason', 'done testing']);
    assert.equal(stopped.json.task.desiredStatus, 'STOPPED');
    assert.equal((await aws(ng.env, ['ecs', 'wait', 'tasks-stopped', '--tasks', arn])).code, 0);
    const end = await describeTask(ng.client, arn);
    assert.equal(end.stopCode, 'UserInitiated');
    assert.equal(end.stoppedReason, 'done testing');
    assert.equal(
      end.containers![0]!.exitCode,
      137,
      'httpd as pid 1 ignores SIGTERM: SIGKILL after stopTimeout',
    );
    assert.equal(end.attachments?.[0]?.status, 'DELETED');
    for (const k of ['stoppingAt', 'executionStoppedAt', 'stoppedAt'] as const)
      assert.ok(end[k] instanceof Date, k);

    const { stdout: netnsList } = await run('ip', ['netns', 'list']);
    assert.ok(!netnsList.includes(taskId), 'no netns left');
    const { stdout: links } = await run('ip', ['-o', 'link']);
    assert.ok(!links.includes(taskId.slice(0, 8)), 'no veth left');
    assert.ok(
      existsSync(`/sys/fs/cgroup/memory${ng.config.cgroupParent}`),
      'the cgroup parent is where the test looks',
    );
    assert.ok(!existsSync(`/sys/fs/cgroup/memory${ng.config.cgroupParent}/${taskId}`), 'no cgroup left');
    const mounts = await run('cat', ['/proc/mounts']);
    assert.ok(!mounts.stdout.includes(taskId), 'no rootfs mount left');
    const taskDirs = await readdir(`${ng.dataDir}/agent/tasks`);
    assert.deepEqual(taskDirs, [], 'no task files left');
    const { stdout: runcList } = await run('runc', [
      '--root',
      `${ng.dataDir}/agent/runtime/runc`,
      'list',
      '-q',
    ]);
    assert.equal(runcList.trim(), '', 'no container left');
  });

  test('an essential container that exits stops the task with its exit code', async () => {
    const td = await registerTask(ng.client, [{ name: 'job', command: ['sh', '-c', 'exit 3'] }]);
    const t = await runTask(ng.client, td);
    const end = await waitForTask(ng.client, t.taskArn!, isStopped);
    assert.equal(end.stopCode, 'EssentialContainerExited');
    assert.equal(end.stoppedReason, 'Essential container in task exited');
    assert.equal(end.containers![0]!.exitCode, 3);
    assert.equal(end.containers![0]!.lastStatus, 'STOPPED');
  });

  test('a non-essential container that exits leaves the task running', async () => {
    const td = await registerTask(ng.client, [
      { name: 'main', command: SERVE },
      { name: 'side', essential: false, command: ['sh', '-c', 'exit 4'] },
    ]);
    const t = await runTask(ng.client, td);
    const seen = await waitForTask(
      ng.client,
      t.taskArn!,
      (x) => x.containers!.find((c) => c.name === 'side')!.lastStatus === 'STOPPED',
    );
    assert.equal(seen.containers!.find((c) => c.name === 'side')!.exitCode, 4);
    const again = await describeTask(ng.client, t.taskArn!);
    assert.equal(again.desiredStatus, 'RUNNING');
    await untilTermTrapped(t.taskArn!, 1);
    await ng.client.send(new StopTaskCommand({ task: t.taskArn! }));
    const end = await waitForTask(ng.client, t.taskArn!, isStopped);
    assert.equal(end.containers!.find((c) => c.name === 'main')!.exitCode, 0, 'SERVE exits 0 on SIGTERM');
  });

  test('an image that cannot be found stops the task with CannotPullContainerError', async () => {
    const td = await registerTask(ng.client, [{ name: 'app', image: 'example.invalid/nothing:here' }]);
    const t = await runTask(ng.client, td);
    const end = await waitForTask(ng.client, t.taskArn!, isStopped);
    assert.equal(end.stopCode, 'TaskFailedToStart');
    assert.match(end.stoppedReason!, /^CannotPullContainerError: .*example\.invalid\/nothing:here/);
    assert.match(end.containers![0]!.reason!, /^CannotPullContainerError/);
  });

  test('count runs several tasks, spread over the subnets given', async () => {
    const td = await registerTask(ng.client, [{ name: 'app', command: SERVE }]);
    const out = await runTask(ng.client, td, {
      count: 4,
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-000000b1', 'subnet-000000b2'] } },
    }).then(async (first) => {
      const { taskArns = [] } = await ng.client.send(
        new ListTasksCommand({ family: first.taskDefinitionArn!.split('/')[1]!.split(':')[0] }),
      );
      return taskArns;
    });
    assert.equal(out.length, 4);
    const tasks = await Promise.all(out.map((a) => waitForTask(ng.client, a, isRunning)));
    const subnets = tasks.map((t) => t.attachments![0]!.details!.find((d) => d.name === 'subnetId')!.value);
    assert.equal(subnets.filter((s) => s === 'subnet-000000b1').length, 2);
    assert.equal(subnets.filter((s) => s === 'subnet-000000b2').length, 2);
    assert.notEqual(tasks[0]!.availabilityZone, undefined);
    const ips = new Set(tasks.map(taskIp));
    assert.equal(ips.size, 4, 'each task has its own address');
    await Promise.all(out.map((task) => ng.client.send(new StopTaskCommand({ task }))));
    await Promise.all(out.map((a) => waitForTask(ng.client, a, isStopped)));
  });

  test('StopTask, DescribeTasks and StartTask answer as ECS for what does not exist', async () => {
    await assert.rejects(
      ng.client.send(new StopTaskCommand({ task: '0123456789abcdef0123456789abcdef' })),
      /The referenced task was not found/,
    );
    const d = await ng.client.send(new DescribeTasksCommand({ tasks: ['0123456789abcdef0123456789abcdef'] }));
    assert.deepEqual(d.failures, [
      {
        arn: 'arn:aws:ecs:us-east-1:000000000000:task/default/0123456789abcdef0123456789abcdef',
        reason: 'MISSING',
      },
    ]);
    const td = await registerTask(ng.client, [{ name: 'a', command: SERVE }]);
    const s = await ng.client.send(
      new StartTaskCommand({ taskDefinition: td, containerInstances: ['ci-1'] }),
    );
    assert.deepEqual(s.tasks, []);
    assert.deepEqual(s.failures, [{ arn: 'ci-1', reason: 'MISSING' }]);
  });
});
