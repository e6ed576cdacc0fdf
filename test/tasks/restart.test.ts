import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { DescribeTasksCommand, ECSClient, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { writeImageArchive } from '../fixtures/images.ts';
import { BIN, type RunningNeargate, spawnNeargate } from '../support/spawn-neargate.ts';
import {
  cannotRunTasks,
  describeTask,
  isRunning,
  isStopped,
  registerTask,
  runTask,
  SERVE,
  SUBNET,
  stopSpawnedNeargate,
  untilTermTrapped,
  waitForTask,
} from '../support/tasks.ts';

const run = promisify(execFile);
const hostEnv = {
  NEARGATE_HOST_PREFIX: 'tr',
  NEARGATE_CGROUP_PARENT: '/neargate-test-tr',
  NEARGATE_DEFAULT_VPC_CIDRS: '10.199.0.0/16',
};

describe('tasks outlive the server', { skip: cannotRunTasks }, () => {
  let dataDir: string;
  let server: RunningNeargate | undefined;
  const client = () =>
    new ECSClient({
      endpoint: server!.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'any' },
      maxAttempts: 1,
    });
  const start = async () => {
    server = await spawnNeargate(['--data-dir', dataDir, '--insecure-accept-any-credentials'], hostEnv);
  };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'neargate-restart-'));
  });
  after(async () => {
    await stopSpawnedNeargate(server, client, { dataDir, prefix: 'tr', cgroupParent: '/neargate-test-tr' });
  });

  test('image load goes through the running server, and ls and rm work', async () => {
    await start();
    const archive = join(dataDir, 'busybox.tar');
    await writeImageArchive(
      archive,
      [{ references: ['busybox:latest'] }, { references: ['other:1'], config: { Cmd: ['true'] } }],
      { format: 'oci' },
    );
    const loaded = await run(BIN, ['image', 'load', archive, '--data-dir', dataDir]);
    assert.match(loaded.stdout, /Loaded image: docker\.io\/library\/busybox:latest/);
    assert.match(loaded.stdout, /Loaded image: docker\.io\/library\/other:1/);
    const listed = await run(BIN, ['image', 'ls', '--data-dir', dataDir]);
    assert.match(listed.stdout, /^REFERENCE\s+IMAGE ID\s+DIGEST/);
    assert.match(listed.stdout, /docker\.io\/library\/other:1\s+[0-9a-f]{12}\s+sha256:[0-9a-f]{64}/);
    const removed = await run(BIN, ['image', 'rm', 'other:1', '--data-dir', dataDir]);
    assert.match(removed.stdout, /Untagged: docker\.io\/library\/other:1/);
    assert.doesNotMatch((await run(BIN, ['image', 'ls', '--data-dir', dataDir])).stdout, /other/);
    await assert.rejects(run(BIN, ['image', 'rm', 'never:seen', '--data-dir', dataDir]), /never:seen/);
  });

  test('SIGKILL the server: running tasks stay RUNNING, tasks that exited meanwhile are STOPPED with their exit codes', async () => {
    const c = client();
    const serve = await runTask(c, await registerTask(c, [{ name: 'app', command: SERVE }]));
    const brief = await runTask(
      c,
      await registerTask(c, [{ name: 'app', command: ['sh', '-c', 'sleep 2; exit 7'] }]),
    );
    const before = await waitForTask(c, serve.taskArn!, isRunning);
    await waitForTask(c, brief.taskArn!, isRunning);

    server!.child.kill('SIGKILL');
    await server!.exited;
    await new Promise((r) => setTimeout(r, 3000));
    const alive = await run('runc', ['--root', join(dataDir, 'agent/runtime/runc'), 'list', '-q']);
    assert.ok(
      alive.stdout.includes(before.containers![0]!.runtimeId!),
      'the container kept running without the server',
    );

    await start();
    const c2 = client();
    const still = await describeTask(c2, serve.taskArn!);
    assert.equal(still.lastStatus, 'RUNNING');
    assert.equal(
      still.containers![0]!.runtimeId,
      before.containers![0]!.runtimeId,
      'the same container, adopted',
    );
    const ended = await waitForTask(c2, brief.taskArn!, isStopped);
    assert.equal(ended.containers![0]!.exitCode, 7);
    assert.equal(ended.stopCode, 'EssentialContainerExited');

    await c2.send(new StopTaskCommand({ task: serve.taskArn! }));
    const stopped = await waitForTask(c2, serve.taskArn!, isStopped);
    assert.equal(stopped.containers![0]!.exitCode, 0);
  });

  test('SIGKILL the server while it cleans up a scale-in of tasks: restarted, it finishes, and nothing of them is left', async () => {
    const c = client();
    const td = await registerTask(c, [{ name: 'app', command: SERVE }]);
    const out = await c.send(
      new RunTaskCommand({
        taskDefinition: td,
        count: 10,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: [SUBNET] } },
      }),
    );
    const arns = out.tasks!.map((t) => t.taskArn!);
    assert.equal(arns.length, 10, JSON.stringify(out.failures));
    for (const a of arns) await waitForTask(c, a, isRunning);
    for (const a of arns) await untilTermTrapped(a, 1);
    await Promise.all(arns.map((task) => c.send(new StopTaskCommand({ task }))));
    // Killed as soon as the first is cleaned up: the others are stopping or waiting their turn.
    const statuses = async (cl: ECSClient) =>
      ((await cl.send(new DescribeTasksCommand({ tasks: arns }))).tasks ?? []).map((t) => t.lastStatus!);
    while (!(await statuses(c)).some((s) => s === 'DEPROVISIONING' || s === 'STOPPED')) {
      await new Promise((r) => setTimeout(r, 5));
    }
    server!.child.kill('SIGKILL');
    await server!.exited;

    await start();
    const c2 = client();
    for (const a of arns) await waitForTask(c2, a, isStopped);
    for (const a of arns) {
      const t = await describeTask(c2, a);
      assert.equal(t.stopCode, 'UserInitiated');
      assert.equal(t.containers![0]!.exitCode, 0, 'each got its SIGTERM');
      assert.ok(t.stoppingAt! <= t.executionStoppedAt! && t.executionStoppedAt! <= t.stoppedAt!);
    }
    const ids = arns.map((a) => a.split('/').at(-1)!);
    const { stdout: netns } = await run('ip', ['netns', 'list']);
    assert.deepEqual(
      ids.filter((id) => netns.includes(id)),
      [],
      'no netns left',
    );
    const { stdout: links } = await run('ip', ['-o', 'link']);
    assert.doesNotMatch(links, /: tr-v/, 'no task veth left');
    const cgroups = `/sys/fs/cgroup/memory${hostEnv.NEARGATE_CGROUP_PARENT}`;
    assert.ok(existsSync(cgroups), 'the cgroup parent is where the test looks');
    assert.deepEqual(
      ids.filter((id) => existsSync(`${cgroups}/${id}`)),
      [],
      'no cgroup left',
    );
    const mounts = await run('cat', ['/proc/mounts']);
    assert.deepEqual(
      ids.filter((id) => mounts.stdout.includes(id)),
      [],
      'no rootfs mount left',
    );
    assert.deepEqual(await readdir(join(dataDir, 'agent/tasks')), [], 'no task files left');
    const { stdout: containers } = await run('runc', [
      '--root',
      join(dataDir, 'agent/runtime/runc'),
      'list',
      '-q',
    ]);
    assert.equal(containers.trim(), '', 'no container left');
  });
});
