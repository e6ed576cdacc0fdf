/**
 * How fast container output reaches CloudWatch Logs: one busybox container prints N numbered
 * lines as fast as it can (`seq`), and a reader pages GetLogEvents forward until it has all of
 * them; beside it, the rate at which the container wrote them into its conmon log (the floor,
 * from the first and last record's times). Then the latency from a line being written (conmon's
 * time on it) to GetLogEvents returning it, for lines printed every 50 ms. Needs root.
 *
 *   node --import tsx bench/logs.ts [--lines 300000] [--samples 100]
 */
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { CreateLogGroupCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { parseK8sLog } from '../src/agent/logs/k8s-file.ts';
import { logsClient } from '../test/support/aws-clients.ts';
import { isRunning, registerTask, runTask, startTaskNeargate, waitForTask } from '../test/support/tasks.ts';
import { markdownTable, ms, percentile, record } from './results.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const LINES = arg('lines', 300_000);
const SAMPLES = arg('samples', 100);

const ng = await startTaskNeargate();
const logs = logsClient(ng);
try {
  await logs.send(new CreateLogGroupCommand({ logGroupName: 'bench' }));
  const awslogs = {
    logDriver: 'awslogs' as const,
    options: {
      'awslogs-group': 'bench',
      'awslogs-region': ng.region,
      'awslogs-stream-prefix': 'b',
      mode: 'blocking',
    },
  };
  const start = async (name: string, script: string) => {
    const td = await registerTask(
      ng.client,
      [{ name, command: ['sh', '-c', script], logConfiguration: awslogs }],
      {
        executionRoleArn: 'arn:aws:iam::000000000000:role/exec',
      },
    );
    const task = await runTask(ng.client, td);
    await waitForTask(ng.client, task.taskArn!, isRunning);
    return task.taskArn!.split('/').at(-1)!;
  };

  // Throughput: seq as fast as it can, then idle.
  const taskId = await start('seq', `trap "exit 0" TERM; seq 1 ${LINES}; while :; do sleep 1; done`);
  let token: string | undefined;
  let count = 0;
  while (count < LINES) {
    const page = await logs.send(
      new GetLogEventsCommand({
        logGroupName: 'bench',
        logStreamName: `b/seq/${taskId}`,
        startFromHead: true,
        ...(token && { nextToken: token }),
      }),
    );
    count += page.events?.length ?? 0;
    if (page.nextForwardToken === token) await new Promise((r) => setTimeout(r, 5));
    token = page.nextForwardToken;
  }
  const readableAt = Date.now();
  const file = await readFile(join(ng.dataDir, 'agent', 'tasks', taskId, 'logs', 'seq.log'));
  const records = parseK8sLog(file, 0, { ended: true, force: false }).lines;
  const written = { first: records[0]!.time, last: records.at(-1)!.time };
  const floorSeconds = Math.max(0.001, (written.last - written.first) / 1000);
  const endToEndSeconds = (readableAt - written.first) / 1000;

  // Latency: a line every 50 ms; a reader polls GetLogEvents forward as fast as it can.
  const latId = await start(
    'tick',
    'trap "exit 0" TERM; i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.05; done',
  );
  const latencies: number[] = [];
  let t: string | undefined;
  while (latencies.length < SAMPLES) {
    const page = await logs.send(
      new GetLogEventsCommand({
        logGroupName: 'bench',
        logStreamName: `b/tick/${latId}`,
        startFromHead: true,
        ...(t && { nextToken: t }),
      }),
    );
    const now = Date.now();
    // The first page holds lines written before the reader began: skip it.
    if (t !== undefined) for (const e of page.events ?? []) latencies.push(now - e.timestamp!);
    t = page.nextForwardToken;
  }

  const rate = (n: number, s: number) => `${Math.round(n / s).toLocaleString('en-US')} lines/s`;
  await record(
    'Logs',
    `node --import tsx bench/logs.ts --lines ${LINES} --samples ${SAMPLES}`,
    `${markdownTable(
      [`one busybox container, \`seq 1 ${LINES}\``, 'time', 'rate'],
      [
        [
          'written into its conmon log file (the floor)',
          `${floorSeconds.toFixed(2)} s`,
          rate(LINES, floorSeconds),
        ],
        [
          'first line written until the last is readable with GetLogEvents',
          `${endToEndSeconds.toFixed(2)} s`,
          rate(LINES, endToEndSeconds),
        ],
      ],
    )}\n\n${markdownTable(
      ["a line written (conmon's time) until GetLogEvents returns it", 'p50', 'p95', 'max'],
      [
        [
          `${latencies.length} lines, one every 50 ms`,
          ms(percentile(latencies, 50)),
          ms(percentile(latencies, 95)),
          ms(Math.max(...latencies)),
        ],
      ],
    )}\n\nSQLite store; server, reader and container on the same machine (load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(
        ', ',
      )} at the end: other engineers' test suites run beside it). The shipper reads the log a MiB at a time and stores each batch with its read position in one transaction.\n`,
  );
} finally {
  await ng.stop();
}
