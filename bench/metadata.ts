/**
 * What the metadata and credentials endpoint costs a task: requests from inside a running task's
 * network namespace to 169.254.170.2 (through the DNAT to the server's own port), one at a time,
 * p50 and p95 per path; and an ECS call signed with the task's role credentials, made at
 * 169.254.170.2:4566. Needs root.
 *
 *   node --import tsx bench/metadata.ts [--runs 200]
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import pino from 'pino';
import { NetworkNames } from '../src/agent/network/network-names.ts';
import { resolveConfig } from '../src/config.ts';
import { startNeargate } from '../src/main.ts';
import { writeImageArchive } from '../test/fixtures/images.ts';
import { markdownTable, ms, record } from './results.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RUNS = arg('runs', 200);
const KEY = { id: 'AKIABENCHBENCHBENCHB', secret: 'bench/secret/key/0123456789abcdefghijklm' };
const PREFIX = 'tbm';

const dataDir = await mkdtemp(join(tmpdir(), 'neargate-bench-metadata-'));
const config = resolveConfig(
  {
    port: 0,
    dataDir,
    logLevel: 'silent',
    hostPrefix: PREFIX,
    cgroupParent: '/neargate-bench-metadata',
    defaultVpcCidrs: ['10.249.0.0/16'],
  },
  { NEARGATE_ACCESS_KEY_ID: KEY.id, NEARGATE_SECRET_ACCESS_KEY: KEY.secret },
);
const ng = await startNeargate(config, { log: pino({ level: 'silent' }) });
let taskArn: string | undefined;
try {
  await writeImageArchive(
    join(dataDir, 'busybox.tar'),
    { references: ['busybox:latest'] },
    { format: 'docker' },
  );
  await ng.agent.images.load(join(dataDir, 'busybox.tar'));
  const ecs = new ECSClient({
    endpoint: ng.url,
    region: config.region,
    credentials: { accessKeyId: KEY.id, secretAccessKey: KEY.secret },
    maxAttempts: 1,
  });
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'bench-metadata',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      taskRoleArn: 'bench-role',
      containerDefinitions: [
        {
          name: 'app',
          image: 'busybox',
          command: ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done'],
        },
      ],
    }),
  );
  const run = await ecs.send(
    new RunTaskCommand({
      taskDefinition: taskDefinition!.taskDefinitionArn!,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0000be02'] } },
    }),
  );
  taskArn = run.tasks![0]!.taskArn!;
  let task = run.tasks![0]!;
  while (task.lastStatus !== 'RUNNING') {
    await new Promise((r) => setTimeout(r, 20));
    task = (await ecs.send(new DescribeTasksCommand({ tasks: [taskArn] }))).tasks![0]!;
  }
  const taskId = task.taskArn!.split('/').at(-1)!;
  const id = task.containers![0]!.runtimeId!;
  const plan = (
    await ng.store.db.selectFrom('tasks').select('plan').where('id', '=', taskId).executeTakeFirstOrThrow()
  ).plan;
  const credentialsUri = `/v2/credentials/${JSON.parse(plan).credentialsId}`;

  // A client in the task's network namespace: what a process in one of its containers sees.
  const paths = [`/v4/${id}`, `/v4/${id}/task`, `/v4/${id}/stats`, `/v4/${id}/task/stats`, credentialsUri];
  const script = `
    import { ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
    const runs = ${RUNS};
    const pct = (v, p) => { const s = [...v].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))]; };
    const out = {};
    async function measure(name, once) {
      for (let i = 0; i < 10; i++) await once();
      const t = [];
      for (let i = 0; i < runs; i++) { const t0 = performance.now(); await once(); t.push(performance.now() - t0); }
      out[name] = [pct(t, 50), pct(t, 95)];
    }
    for (const path of ${JSON.stringify(paths)}) {
      await measure(path, async () => {
        const res = await fetch('http://169.254.170.2' + path);
        if (res.status !== 200) throw new Error(path + ': ' + res.status);
        await res.arrayBuffer();
      });
    }
    const ecs = new ECSClient({ endpoint: 'http://169.254.170.2:4566', region: 'us-east-1', maxAttempts: 1 });
    await measure('ListClusters', () => ecs.send(new ListClustersCommand({})));
    console.log(JSON.stringify(out));
  `;
  const netns = new NetworkNames(PREFIX).netnsName(taskId);
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(
      'ip',
      ['netns', 'exec', netns, process.execPath, '--input-type=module', '-e', script],
      {
        cwd: new URL('..', import.meta.url).pathname,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: credentialsUri,
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        maxBuffer: 1 << 20,
      },
      (err, out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(out)),
    ),
  );
  const results = JSON.parse(stdout) as Record<string, [number, number]>;
  const label = (name: string) =>
    name === credentialsUri
      ? '`GET $AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`'
      : name === 'ListClusters'
        ? 'ECS ListClusters at 169.254.170.2:4566, signed with the role credentials'
        : `\`GET ${name.replace(id, '<id>')}\``;
  await record(
    'Task metadata and credentials endpoint',
    `node --import tsx bench/metadata.ts --runs ${RUNS}`,
    `From inside a running task's network namespace, ${RUNS} requests one at a time per row (load average ${loadavg()[0]!.toFixed(1)} as it ended: the machine is shared).\n\n${markdownTable(
      ['request', 'p50', 'p95'],
      Object.entries(results).map(([name, [p50, p95]]) => [label(name), ms(p50), ms(p95)]),
    )}`,
  );
} finally {
  if (taskArn) {
    const ecs = new ECSClient({
      endpoint: ng.url,
      region: config.region,
      credentials: { accessKeyId: KEY.id, secretAccessKey: KEY.secret },
    });
    await ecs.send(new StopTaskCommand({ task: taskArn }));
    for (;;) {
      const t = (await ecs.send(new DescribeTasksCommand({ tasks: [taskArn] }))).tasks![0]!;
      if (t.lastStatus === 'STOPPED') break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  await ng.agent.teardown();
  await ng.close();
  await rm(dataDir, { recursive: true, force: true });
}
