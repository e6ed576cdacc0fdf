import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient, PutAccountSettingDefaultCommand } from '@aws-sdk/client-ecs';
import { writeImageArchive } from '../fixtures/images.ts';
import { allEvents, eventually } from '../support/logs.ts';
import { BIN, type RunningNeargate, spawnNeargate } from '../support/spawn-neargate.ts';
import {
  cannotRunTasks,
  isRunning,
  registerTask,
  runTask,
  stopSpawnedNeargate,
  waitForTask,
} from '../support/tasks.ts';

const run = promisify(execFile);
const hostEnv = {
  NEARGATE_HOST_PREFIX: 'tl',
  NEARGATE_CGROUP_PARENT: '/neargate-test-tl',
  NEARGATE_DEFAULT_VPC_CIDRS: '10.198.0.0/16',
};

/**
 * The server is killed with SIGKILL twice while a container prints numbered lines: after each
 * restart the shipper reads on from the position it committed with the last events it stored,
 * so every number arrives exactly once, those printed while the server was down included.
 */
describe('awslogs across a killed server', { skip: cannotRunTasks }, () => {
  let dataDir: string;
  let server: RunningNeargate | undefined;
  const credentials = { accessKeyId: 'AKIATEST', secretAccessKey: 'any' };
  const ecs = () =>
    new ECSClient({ endpoint: server!.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  const logs = () =>
    new CloudWatchLogsClient({ endpoint: server!.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  const start = async () => {
    server = await spawnNeargate(['--data-dir', dataDir, '--insecure-accept-any-credentials'], hostEnv);
  };
  const kill = async () => {
    server!.child.kill('SIGKILL');
    await server!.exited;
  };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'neargate-logs-kill-'));
  });
  after(async () => {
    await stopSpawnedNeargate(server, ecs, { dataDir, prefix: 'tl', cgroupParent: '/neargate-test-tl' });
  });

  test('kill -9 twice while a container prints: every line arrives exactly once', async () => {
    const archive = join(dataDir, 'busybox.tar');
    await writeImageArchive(archive, [{ references: ['busybox:latest'] }]);
    await run(BIN, ['image', 'load', archive, '--data-dir', dataDir]);
    await start();
    await logs().send(new CreateLogGroupCommand({ logGroupName: 'numbers' }));
    const td = await registerTask(
      ecs(),
      [
        {
          name: 'count',
          command: [
            'sh',
            '-c',
            // Prints until told to stop (a file in its volume), so it is printing whenever the server dies.
            'trap "exit 0" TERM; i=0; until [ -e /v/stop ]; do i=$((i+1)); echo "n $i"; [ $((i % 40)) = 0 ] && sleep 0.05; done; echo done; while :; do sleep 0.1; done',
          ],
          mountPoints: [{ sourceVolume: 'v', containerPath: '/v' }],
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': 'numbers',
              'awslogs-region': 'us-east-1',
              'awslogs-stream-prefix': 'kill',
              mode: 'blocking',
            },
          },
        },
      ],
      { executionRoleArn: 'arn:aws:iam::000000000000:role/exec', volumes: [{ name: 'v', host: {} }] },
    );
    const task = await runTask(ecs(), td);
    await waitForTask(ecs(), task.taskArn!, isRunning);
    const taskId = task.taskArn!.split('/').at(-1)!;
    const stream = `kill/count/${taskId}`;
    const numbers = async () =>
      (await allEvents(logs(), 'numbers', stream).catch(() => [])).map((e) => e.message!);
    const waitFor = (done: (m: string[]) => boolean) => eventually('the numbers', numbers, done);

    const first = (await waitFor((m) => m.length >= 300)).length;
    await kill();
    await start();
    await waitFor((m) => m.length >= first + 1000);
    await kill();
    await start();
    await writeFile(join(dataDir, 'agent', 'tasks', taskId, 'volumes', 'v', 'stop'), '');
    const got = await waitFor((m) => m.includes('done'));
    const printed = got.length - 1;
    assert.ok(printed >= first + 1000);

    const seen = new Map<string, number>();
    for (const m of got) seen.set(m, (seen.get(m) ?? 0) + 1);
    const twice = [...seen].filter(([, n]) => n > 1).map(([m]) => m);
    const missing = Array.from({ length: printed }, (_, i) => `n ${i + 1}`).filter((m) => !seen.has(m));
    assert.deepEqual(twice, [], 'no line twice');
    assert.deepEqual(missing, [], 'no line lost');
    assert.deepEqual(got, [...Array.from({ length: printed }, (_, i) => `n ${i + 1}`), 'done'], 'in order');
  });
  test('non-blocking: the container never waits, and a backlog over max-buffer-size is cut as Docker drops', async () => {
    const td = await registerTask(
      ecs(),
      [
        {
          name: 'burst',
          command: [
            'sh',
            '-c',
            'trap "exit 0" TERM; echo ready; until [ -e /v/go ]; do sleep 0.05; done; seq 1 3000 | sed "s/^/m /"; echo burst-done; until [ -e /v/more ]; do sleep 0.05; done; echo after; while :; do sleep 0.1; done',
          ],
          mountPoints: [{ sourceVolume: 'v', containerPath: '/v' }],
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': 'numbers',
              'awslogs-region': 'us-east-1',
              'awslogs-stream-prefix': 'nb',
              mode: 'non-blocking',
              'max-buffer-size': '4k',
            },
          },
        },
      ],
      { executionRoleArn: 'arn:aws:iam::000000000000:role/exec', volumes: [{ name: 'v', host: {} }] },
    );
    const task = await runTask(ecs(), td);
    await waitForTask(ecs(), task.taskArn!, isRunning);
    const taskId = task.taskArn!.split('/').at(-1)!;
    const taskDir = join(dataDir, 'agent', 'tasks', taskId);
    const messages = async () =>
      (await allEvents(logs(), 'numbers', `nb/burst/${taskId}`).catch(() => [])).map((e) => e.message!);
    const waitFor = <T>(get: () => Promise<T>, done: (v: T) => boolean) => eventually('the log', get, done);
    await waitFor(messages, (m) => m.includes('ready'));
    await kill();
    await writeFile(join(taskDir, 'volumes', 'v', 'go'), '');
    // The container writes its whole burst while nothing ships its log: it does not wait.
    await waitFor(
      () => readFile(join(taskDir, 'logs', 'burst.log'), 'utf8'),
      (text) => text.includes('burst-done'),
    );
    await start();
    await writeFile(join(taskDir, 'volumes', 'v', 'more'), '');
    const got = await waitFor(messages, (m) => m.includes('after'));
    const burst = got.filter((m) => m.startsWith('m '));
    assert.equal(got[0], 'ready');
    assert.equal(got.at(-1), 'after');
    assert.ok(burst.length > 0 && burst.length < 3000, `${burst.length} lines of the burst kept`);
    assert.deepEqual(
      burst,
      Array.from({ length: burst.length }, (_, i) => `m ${i + 1}`),
      'the first 4 KiB of the backlog, in order',
    );
    assert.ok(burst.join('\n').length < 4096);
    assert.ok(!got.includes('burst-done'), 'what was written past the buffer is dropped');
  });

  test('without mode, the account default defaultLogDriverMode decides: blocking keeps a backlog over max-buffer-size', async () => {
    await ecs().send(
      new PutAccountSettingDefaultCommand({ name: 'defaultLogDriverMode', value: 'blocking' }),
    );
    const td = await registerTask(
      ecs(),
      [
        {
          name: 'kept',
          command: [
            'sh',
            '-c',
            'trap "exit 0" TERM; echo ready; until [ -e /v/go ]; do sleep 0.05; done; seq 1 3000 | sed "s/^/m /"; echo burst-done; until [ -e /v/more ]; do sleep 0.05; done; echo after; while :; do sleep 0.1; done',
          ],
          mountPoints: [{ sourceVolume: 'v', containerPath: '/v' }],
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': 'numbers',
              'awslogs-region': 'us-east-1',
              'awslogs-stream-prefix': 'default',
              'max-buffer-size': '4k',
            },
          },
        },
      ],
      { executionRoleArn: 'arn:aws:iam::000000000000:role/exec', volumes: [{ name: 'v', host: {} }] },
    );
    const task = await runTask(ecs(), td);
    await waitForTask(ecs(), task.taskArn!, isRunning);
    const taskId = task.taskArn!.split('/').at(-1)!;
    const taskDir = join(dataDir, 'agent', 'tasks', taskId);
    const messages = async () =>
      (await allEvents(logs(), 'numbers', `default/kept/${taskId}`).catch(() => [])).map((e) => e.message!);
    const waitFor = <T>(get: () => Promise<T>, done: (v: T) => boolean) => eventually('the log', get, done);
    await waitFor(messages, (m) => m.includes('ready'));
    await kill();
    await writeFile(join(taskDir, 'volumes', 'v', 'go'), '');
    await waitFor(
      () => readFile(join(taskDir, 'logs', 'kept.log'), 'utf8'),
      (text) => text.includes('burst-done'),
    );
    await start();
    // A line written after the backlog: once it is in, so is whatever of the backlog is kept.
    await writeFile(join(taskDir, 'volumes', 'v', 'more'), '');
    const got = await waitFor(messages, (m) => m.includes('after'));
    assert.deepEqual(
      got,
      ['ready', ...Array.from({ length: 3000 }, (_, i) => `m ${i + 1}`), 'burst-done', 'after'],
      'the whole backlog, in order',
    );
  });
});
