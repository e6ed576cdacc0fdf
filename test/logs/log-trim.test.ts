import assert from 'node:assert/strict';
import { open, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type CloudWatchLogsClient,
  CreateLogGroupCommand,
  GetLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { StopTaskCommand } from '@aws-sdk/client-ecs';
import { parseK8sLog } from '../../src/agent/logs/k8s-file.ts';
import { taskDirs } from '../../src/agent/task-files.ts';
import { logsClient } from '../support/aws-clients.ts';
import { allEvents } from '../support/logs.ts';
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

const MiB = 1024 * 1024;
/** The shipper's default: the shipped part of a log is freed each time this much more is shipped. */
const TRIM_EVERY = 8 * MiB;
const LINES = 52_000;
const PAD = 'x'.repeat(1000);
/**
 * About 52 MiB of numbered 1 KiB lines as fast as busybox's sh writes them, then `bulk-done`; then
 * it waits for /v/go to print `after`, and runs until stopped.
 */
const CHATTY = [
  'sh',
  '-c',
  `trap "exit 0" TERM; pad=${PAD}; i=0; while [ $i -lt ${LINES} ]; do i=$((i+1)); echo "$i $pad"; done; echo bulk-done; until [ -e /v/go ]; do sleep 0.05; done; echo after; while :; do sleep 0.1; done`,
];

const WAIT_MS = 180_000;

/** Polls until `done` holds; fails with the last value after a generous bound, so a broken trim reports instead of hanging. */
async function waitFor<T>(what: string, get: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await get();
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: not so after ${WAIT_MS / 1000} s, last ${JSON.stringify(last)}`);
}

/**
 * Container logs on the host stay bounded while a chatty container runs: an awslogs log has the
 * disk of its shipped part freed (a hole at its start, offsets unchanged, every line still
 * shipped); a log nothing ships is kept to the configured size.
 */
describe('container logs on the host stay bounded', { skip: cannotRunTasks }, () => {
  let ng: TaskNeargate;
  let logs: CloudWatchLogsClient;
  before(async () => {
    // Small, so that a cut of an awslogs log (which must not happen) would lose lines.
    ng = await startTaskNeargate({ unshippedLogMaxMiB: 1 });
    logs = logsClient(ng);
  });
  after(() => ng?.stop());

  const logFile = (taskId: string, name: string) =>
    taskDirs(join(ng.dataDir, 'agent', 'tasks'), taskId).log(name);
  const go = (taskId: string) =>
    writeFile(join(taskDirs(join(ng.dataDir, 'agent', 'tasks'), taskId).volume('v'), 'go'), '');

  async function run(
    name: string,
    logConfiguration?: { logDriver: 'awslogs'; options: Record<string, string> },
  ) {
    const td = await registerTask(
      ng.client,
      [
        {
          name,
          command: CHATTY,
          mountPoints: [{ sourceVolume: 'v', containerPath: '/v' }],
          ...(logConfiguration && { logConfiguration }),
        },
      ],
      { executionRoleArn: 'arn:aws:iam::000000000000:role/exec', volumes: [{ name: 'v', host: {} }] },
    );
    const task = await runTask(ng.client, td);
    await waitForTask(ng.client, task.taskArn!, isRunning);
    return { arn: task.taskArn!, id: task.taskArn!.split('/').at(-1)! };
  }

  test('awslogs: the shipped part of a running container log is freed, and every line still arrives', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/chatty' }));
    const task = await run('chatty', {
      logDriver: 'awslogs',
      options: {
        'awslogs-group': '/ecs/chatty',
        'awslogs-region': 'us-east-1',
        'awslogs-stream-prefix': 'trim',
        // Every line, however far behind the shipper falls while the container writes.
        mode: 'blocking',
      },
    });
    const stream = `trim/chatty/${task.id}`;
    const lastMessage = async () => {
      const page = await logs.send(
        new GetLogEventsCommand({ logGroupName: '/ecs/chatty', logStreamName: stream, limit: 1 }),
      );
      return page.events?.at(-1)?.message;
    };
    const path = logFile(task.id, 'chatty');
    const first = await stat(path);

    await waitFor('the bulk shipped', lastMessage, (m) => m === 'bulk-done');
    // Everything is shipped: what is still allocated is less than one trim's worth.
    const trimmed = await waitFor(
      'the shipped part freed',
      () => stat(path),
      (st) => st.blocks * 512 <= TRIM_EVERY + MiB,
    );
    assert.ok(
      trimmed.size >= LINES * PAD.length,
      `the file keeps its size and offsets (${trimmed.size} bytes)`,
    );
    assert.equal(trimmed.ino, first.ino, 'the same file, never replaced');
    const head = Buffer.alloc(4096);
    const fh = await open(path, 'r');
    await fh.read(head, 0, head.length, 0).finally(() => fh.close());
    assert.ok(
      head.every((b) => b === 0),
      'its shipped start is a hole',
    );

    // conmon goes on appending at the end, and the shipper reads on from its position.
    await go(task.id);
    await waitFor('the line after the trim shipped', lastMessage, (m) => m === 'after');
    const messages = (await allEvents(logs, '/ecs/chatty', stream)).map((e) => e.message!);
    assert.equal(messages.length, LINES + 2);
    assert.deepEqual(messages.slice(LINES), ['bulk-done', 'after']);
    const wrong = messages
      .slice(0, LINES)
      .map((m, i) => (m === `${i + 1} ${PAD}` ? undefined : `#${i + 1}: ${m.slice(0, 20)}`))
      .filter((x) => x !== undefined);
    assert.deepEqual(wrong.slice(0, 5), [], 'every numbered line once, in order');
    await ng.client.send(new StopTaskCommand({ task: task.arn }));
    await waitForTask(ng.client, task.arn, isStopped, 60_000);
  });

  test('no log driver: the log on the host is kept to the configured size, its newest lines in it', async () => {
    const task = await run('quiet');
    const path = logFile(task.id, 'quiet');
    const text = await waitFor(
      'the bulk written',
      () => readFile(path, 'utf8'),
      (t) => t.endsWith(' stdout F bulk-done\n'),
    );
    const st = await stat(path);
    assert.ok(st.size <= MiB, `the log holds ${st.size} bytes`);
    assert.ok(st.blocks * 512 <= MiB + 64 * 1024, `the log takes ${st.blocks * 512} bytes`);
    // conmon started the file afresh: it holds the last lines, without a gap (the first may be
    // the end of a line begun in the file before).
    const lines = parseK8sLog(Buffer.from(text), 0, { ended: true, force: false }).lines.map((l) => l.text);
    if (!lines[0]?.endsWith(PAD) || !/^\d+ /.test(lines[0])) lines.shift();
    assert.equal(lines.pop(), 'bulk-done');
    assert.ok(lines.length > 100, `${lines.length} lines kept`);
    const from = LINES - lines.length + 1;
    assert.deepEqual(
      lines,
      Array.from({ length: lines.length }, (_, i) => `${from + i} ${PAD}`),
    );
    await ng.client.send(new StopTaskCommand({ task: task.arn }));
    await waitForTask(ng.client, task.arn, isStopped, 60_000);
  });
});
