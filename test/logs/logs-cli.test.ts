import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { AWS_CLI, aws } from '../support/aws-cli.ts';
import { startTestNeargate, type TestNeargate } from '../support/neargate.ts';
import {
  cannotRunTasks,
  isRunning,
  registerTask,
  runTask,
  startTaskNeargate,
  type TaskNeargate,
  waitForTask,
} from '../support/tasks.ts';

/** The AWS CLI (Debian's v2) against CloudWatch Logs: what it prints, and its errors. */
describe('CloudWatch Logs through the AWS CLI', () => {
  let ng: TestNeargate;
  before(async () => {
    ng = await startTestNeargate();
  });
  after(() => ng?.stop());
  const cli = (...args: string[]) => aws(ng.env, ['logs', ...args]);

  test('groups, streams, events, filter patterns, retention and tags', async () => {
    assert.equal((await cli('create-log-group', '--log-group-name', '/cli/app')).code, 0);
    const dup = await cli('create-log-group', '--log-group-name', '/cli/app');
    assert.equal(dup.code, 254);
    assert.match(
      dup.stderr,
      /An error occurred \(ResourceAlreadyExistsException\) when calling the CreateLogGroup operation: The specified log group already exists/,
    );
    assert.equal(
      (await cli('create-log-stream', '--log-group-name', '/cli/app', '--log-stream-name', 'web/1')).code,
      0,
    );
    const now = Date.now();
    const events = JSON.stringify([
      { timestamp: now, message: 'GET /index.html 200' },
      { timestamp: now + 1, message: '{"level":"error","latency":120}' },
      { timestamp: now + 2, message: 'GET /missing 404' },
    ]);
    const put = await cli(
      'put-log-events',
      '--log-group-name',
      '/cli/app',
      '--log-stream-name',
      'web/1',
      '--log-events',
      events,
    );
    assert.equal(put.code, 0, put.stderr);
    const got = await cli(
      'get-log-events',
      '--log-group-name',
      '/cli/app',
      '--log-stream-name',
      'web/1',
      '--start-from-head',
    );
    assert.deepEqual(
      got.json.events.map((e: { message: string }) => e.message),
      ['GET /index.html 200', '{"level":"error","latency":120}', 'GET /missing 404'],
    );
    assert.match(got.json.nextForwardToken, /^f\/\d{56}$/);
    const json = await cli(
      'filter-log-events',
      '--log-group-name',
      '/cli/app',
      '--filter-pattern',
      '{ $.latency > 100 }',
    );
    assert.deepEqual(
      json.json.events.map((e: { message: string }) => e.message),
      ['{"level":"error","latency":120}'],
    );
    const delimited = await cli(
      'filter-log-events',
      '--log-group-name',
      '/cli/app',
      '--filter-pattern',
      '[method, path, status = 4*]',
    );
    assert.deepEqual(
      delimited.json.events.map((e: { message: string }) => e.message),
      ['GET /missing 404'],
    );
    const text = await cli(
      'filter-log-events',
      '--log-group-name',
      '/cli/app',
      '--filter-pattern',
      'GET -404',
      '--query',
      'events[].message',
      '--output',
      'text',
    );
    assert.equal(text.stdout.trim(), 'GET /index.html 200');
    const bad = await cli('filter-log-events', '--log-group-name', '/cli/app', '--filter-pattern', 'a.b');
    assert.equal(bad.code, 254);
    assert.match(bad.stderr, /InvalidParameterException.*Invalid character\(s\) in term 'a\.b'/);
    const missing = await cli('get-log-events', '--log-group-name', '/cli/none', '--log-stream-name', 's');
    assert.match(missing.stderr, /\(ResourceNotFoundException\).*The specified log group does not exist\./);
    assert.equal(
      (await cli('put-retention-policy', '--log-group-name', '/cli/app', '--retention-in-days', '7')).code,
      0,
    );
    assert.equal(
      (await cli('describe-log-groups', '--log-group-name-prefix', '/cli')).json.logGroups[0].retentionInDays,
      7,
    );
    assert.equal((await cli('tag-log-group', '--log-group-name', '/cli/app', '--tags', 'team=web')).code, 0);
    assert.deepEqual((await cli('list-tags-log-group', '--log-group-name', '/cli/app')).json.tags, {
      team: 'web',
    });
    const stream = await cli('describe-log-streams', '--log-group-name', '/cli/app');
    assert.equal(stream.json.logStreams[0].lastEventTimestamp, now + 2);
    const tail = await cli('tail', '/cli/app', '--since', '1h', '--format', 'short');
    assert.equal(tail.code, 0, tail.stderr);
    assert.match(tail.stdout, /GET \/index\.html 200\n.*latency.*\n.*GET \/missing 404/);
  });
});

/** `aws logs tail --follow` polls FilterLogEvents from the newest time it saw, and shows each event once. */
describe('aws logs tail --follow while a task writes', { skip: cannotRunTasks }, () => {
  let ng: TaskNeargate;
  before(async () => {
    ng = await startTaskNeargate();
  });
  after(() => ng?.stop());

  test('shows the lines a running container prints, as it prints them, each once', async () => {
    assert.equal((await aws(ng.env, ['logs', 'create-log-group', '--log-group-name', '/ecs/tail'])).code, 0);
    const td = await registerTask(
      ng.client,
      [
        {
          name: 'app',
          command: [
            'sh',
            '-c',
            'trap "exit 0" TERM; i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.2; done',
          ],
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': '/ecs/tail',
              'awslogs-region': ng.region,
              'awslogs-stream-prefix': 'tail',
            },
          },
        },
      ],
      { executionRoleArn: 'arn:aws:iam::000000000000:role/exec' },
    );
    const task = await runTask(ng.client, td);
    await waitForTask(ng.client, task.taskArn!, isRunning);
    const child = spawn(
      AWS_CLI,
      ['--endpoint-url', ng.url, 'logs', 'tail', '/ecs/tail', '--follow', '--format', 'short'],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? '/root',
          ...ng.env,
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          // Python buffers a pipe's output in 8 KiB blocks: see each line as tail prints it.
          PYTHONUNBUFFERED: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    try {
      const ticks = () => [...out.matchAll(/tick (\d+)/g)].map((m) => Number(m[1]));
      const waitFor = async (done: () => boolean) => {
        while (!done()) {
          if (child.exitCode !== null) throw new Error(`aws logs tail exited: ${err}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      await waitFor(() => ticks().length > 0);
      const firstSeen = Math.max(...ticks());
      // Ticks printed after tail started come in on its next polls.
      await waitFor(() => Math.max(...ticks()) >= firstSeen + 10);
      const seen = ticks();
      assert.equal(new Set(seen).size, seen.length, `each event shown once: ${seen.join(' ')}`);
      assert.deepEqual(
        seen,
        seen.toSorted((a, b) => a - b),
      );
      assert.deepEqual(
        seen,
        Array.from({ length: seen.length }, (_, i) => seen[0]! + i),
        'no tick skipped',
      );
    } finally {
      child.kill('SIGINT');
    }
  });
});
