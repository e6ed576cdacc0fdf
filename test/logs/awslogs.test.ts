import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogStreamsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import { logsClient } from '../support/aws-clients.ts';
import { allEvents, eventually } from '../support/logs.ts';
import {
  cannotRunTasks,
  isRunning,
  isStopped,
  registerTask,
  runTask,
  startTaskNeargate,
  type TaskNeargate,
  waitForTask,
} from '../support/tasks.ts';

const EXECUTION_ROLE = 'arn:aws:iam::000000000000:role/ecsTaskExecutionRole';

/**
 * The awslogs driver on real tasks: what containers print lands in CloudWatch Logs, in the
 * stream ECS names, with the time conmon wrote on each line.
 */
describe('awslogs log driver', { skip: cannotRunTasks }, () => {
  let ng: TaskNeargate;
  let logs: CloudWatchLogsClient;
  before(async () => {
    ng = await startTaskNeargate();
    logs = logsClient(ng);
  });
  after(() => ng?.stop());

  const awslogs = (group: string, extra: Record<string, string> = {}) => ({
    logDriver: 'awslogs' as const,
    options: {
      'awslogs-group': group,
      'awslogs-region': 'us-east-1',
      'awslogs-stream-prefix': 'web',
      ...extra,
    },
  });

  async function run(containers: ContainerDefinition[]) {
    const td = await registerTask(ng.client, containers, { executionRoleArn: EXECUTION_ROLE });
    return runTask(ng.client, td);
  }

  test('stdout and stderr lines become events in <prefix>/<container>/<task id>, all shipped before the task is gone', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/app' }));
    const started = Date.now();
    const task = await run([
      {
        name: 'app',
        command: [
          'sh',
          '-c',
          'for i in $(seq 1 200); do echo "out $i"; echo "err $i" >&2; done; printf "no newline"',
        ],
        logConfiguration: awslogs('/ecs/app'),
      },
    ]);
    await waitForTask(ng.client, task.taskArn!, isStopped);
    const taskId = task.taskArn!.split('/').at(-1)!;
    const stream = `web/app/${taskId}`;
    const events = await allEvents(logs, '/ecs/app', stream);
    const messages = events.map((e) => e.message);
    const expected = Array.from({ length: 200 }, (_, i) => [`out ${i + 1}`, `err ${i + 1}`]).flat();
    assert.deepEqual(messages.filter((m) => m !== 'no newline').sort(), expected.sort());
    // Each stream keeps its order (stdout and stderr are two pipes, interleaved as conmon read them).
    assert.deepEqual(
      messages.filter((m) => !m?.startsWith('err')),
      [...Array.from({ length: 200 }, (_, i) => `out ${i + 1}`), 'no newline'],
      'a last line without a newline is shipped when the container ends',
    );
    for (const e of events) {
      assert.ok(e.timestamp! >= started - 1000 && e.timestamp! <= Date.now(), `timestamp ${e.timestamp}`);
      assert.ok(e.ingestionTime! >= e.timestamp!);
    }
    const { logStreams = [] } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/ecs/app' }));
    const described = logStreams.find((s) => s.logStreamName === stream);
    assert.ok(described, 'the stream is described');
    assert.equal(described.firstEventTimestamp, events[0]!.timestamp);
    assert.equal(described.lastEventTimestamp, events.at(-1)!.timestamp);
  });

  test('a missing group stops the task as Fargate does; awslogs-create-group makes it', async () => {
    const missing = await run([{ name: 'app', command: ['true'], logConfiguration: awslogs('/ecs/none') }]);
    const stopped = await waitForTask(ng.client, missing.taskArn!, isStopped);
    assert.equal(stopped.stopCode, 'TaskFailedToStart');
    assert.equal(
      stopped.stoppedReason,
      'ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist. : exit status 1',
    );
    const made = await run([
      {
        name: 'app',
        command: ['echo', 'made it'],
        logConfiguration: awslogs('/ecs/made', { 'awslogs-create-group': 'true' }),
      },
    ]);
    await waitForTask(ng.client, made.taskArn!, isStopped);
    const events = await allEvents(logs, '/ecs/made', `web/app/${made.taskArn!.split('/').at(-1)}`);
    assert.deepEqual(
      events.map((e) => e.message),
      ['made it'],
    );
  });

  test('awslogs-multiline-pattern and awslogs-datetime-format join lines into events as Docker does', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/multi' }));
    const script =
      'printf "INFO start\\n  at a\\n  at b\\nINFO next\\n[2024-05-01 10:00:00] one\\ncontinued\\n[2024-05-01 10:00:01] two\\n"';
    const task = await run([
      {
        name: 'pattern',
        command: ['sh', '-c', script],
        logConfiguration: awslogs('/ecs/multi', { 'awslogs-multiline-pattern': '^INFO' }),
      },
      {
        name: 'datetime',
        command: ['sh', '-c', script],
        logConfiguration: awslogs('/ecs/multi', { 'awslogs-datetime-format': '\\[%Y-%m-%d %H:%M:%S\\]' }),
      },
    ]);
    await waitForTask(ng.client, task.taskArn!, isStopped);
    const id = task.taskArn!.split('/').at(-1);
    const pattern = (await allEvents(logs, '/ecs/multi', `web/pattern/${id}`)).map((e) => e.message);
    assert.deepEqual(pattern, [
      'INFO start\n  at a\n  at b\n',
      'INFO next\n[2024-05-01 10:00:00] one\ncontinued\n[2024-05-01 10:00:01] two\n',
    ]);
    const datetime = (await allEvents(logs, '/ecs/multi', `web/datetime/${id}`)).map((e) => e.message);
    assert.deepEqual(datetime, [
      'INFO start\n  at a\n  at b\nINFO next\n',
      '[2024-05-01 10:00:00] one\ncontinued\n',
      '[2024-05-01 10:00:01] two\n',
    ]);
  });

  test('lines of a running container are readable while it runs', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/live' }));
    const task = await run([
      {
        name: 'app',
        command: [
          'sh',
          '-c',
          'trap "exit 0" TERM; echo ready; i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.2; done',
        ],
        logConfiguration: awslogs('/ecs/live', { mode: 'blocking' }),
      },
    ]);
    await waitForTask(ng.client, task.taskArn!, isRunning);
    const stream = `web/app/${task.taskArn!.split('/').at(-1)}`;
    const messages = await eventually(
      'tick 3',
      async () => (await allEvents(logs, '/ecs/live', stream)).map((e) => e.message),
      (m) => m.includes('tick 3'),
    );
    assert.equal(messages[0], 'ready');
  });
});
