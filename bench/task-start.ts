/**
 * How fast a task starts: RunTask until RUNNING for a cached busybox image, p50 and p95 over 50
 * tasks one at a time, beside a raw `runc run` of the same rootfs and a `docker run` when a
 * Docker engine is there; then the time until 100 tasks run. Needs root.
 *
 *   node --import tsx bench/task-start.ts [--tasks 50] [--burst 100]
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import pino from 'pino';
import { LocalAgent } from '../src/agent/local-agent.ts';
import { busyboxLayer, layerTar, writeImageArchive } from '../test/fixtures/images.ts';
import { BIN, spawnNeargate } from '../test/support/spawn-neargate.ts';
import { markdownTable, ms, percentile, record } from './results.ts';

const run = promisify(execFile);
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('tasks', 50);
const BURST = arg('burst', 100);
const net = { awsvpcConfiguration: { subnets: ['subnet-0000be01'] } };

/** neargate as users run it: `bin/neargate up` in its own process, busybox loaded with `image load`. */
async function startServer() {
  const dataDir = await mkdtemp(join(tmpdir(), 'neargate-bench-'));
  const server = await spawnNeargate(['--data-dir', dataDir, '--insecure-accept-any-credentials'], {
    NEARGATE_CPU_OVERCOMMIT: '64',
    NEARGATE_MEMORY_OVERCOMMIT: '8',
    NEARGATE_HOST_PREFIX: 'tb',
    NEARGATE_CGROUP_PARENT: '/neargate-bench',
    NEARGATE_DEFAULT_VPC_CIDRS: Array.from({ length: 50 }, (_, i) => `10.${200 + i}.0.0/16`).join(','),
  });
  await writeImageArchive(
    join(dataDir, 'busybox.tar'),
    { references: ['busybox:latest'] },
    { format: 'docker' },
  );
  await run(BIN, ['image', 'load', join(dataDir, 'busybox.tar'), '--data-dir', dataDir]);
  const client = new ECSClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIABENCH', secretAccessKey: 'any' },
  });
  return {
    client,
    async stop() {
      server.child.kill('SIGTERM');
      await server.exited;
      const agent = await LocalAgent.start({
        root: join(dataDir, 'agent'),
        log: pino({ level: 'silent' }),
        prefix: 'tb',
        cgroupParent: '/neargate-bench',
      });
      await agent.teardown();
      await agent.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function neargateLatencies() {
  const ng = await startServer();
  try {
    const { taskDefinition } = await ng.client.send(
      new RegisterTaskDefinitionCommand({
        family: 'bench',
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          {
            name: 'app',
            image: 'busybox',
            command: ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done'],
          },
        ],
      }),
    );
    const arn = taskDefinition!.taskDefinitionArn!;
    const observed: number[] = [];
    const internal: number[] = [];
    for (let i = 0; i < N + 3; i++) {
      const t0 = performance.now();
      const out = await ng.client.send(
        new RunTaskCommand({ taskDefinition: arn, launchType: 'FARGATE', networkConfiguration: net }),
      );
      const task = out.tasks![0]!.taskArn!;
      for (;;) {
        const d = await ng.client.send(new DescribeTasksCommand({ tasks: [task] }));
        const t = d.tasks![0]!;
        if (t.lastStatus === 'RUNNING') {
          if (i >= 3) {
            // The first few warm the caches (tsx, the image's layers, the subnet bridge).
            observed.push(performance.now() - t0);
            internal.push(t.startedAt!.getTime() - t.createdAt!.getTime());
          }
          break;
        }
        await new Promise((r) => setTimeout(r, 2));
      }
      // One task at a time: the next starts once this one is gone, so stops do not weigh on starts.
      await ng.client.send(new StopTaskCommand({ task }));
      for (;;) {
        const d = await ng.client.send(new DescribeTasksCommand({ tasks: [task] }));
        if (d.tasks![0]!.lastStatus === 'STOPPED') break;
        await new Promise((r) => setTimeout(r, 5));
      }
    }

    const t0 = performance.now();
    const started: string[] = [];
    await Promise.all(
      Array.from({ length: BURST / 10 }, async () => {
        const out = await ng.client.send(
          new RunTaskCommand({
            taskDefinition: arn,
            launchType: 'FARGATE',
            networkConfiguration: net,
            count: 10,
          }),
        );
        if (out.failures?.length) throw new Error(JSON.stringify(out.failures));
        started.push(...out.tasks!.map((t) => t.taskArn!));
      }),
    );
    for (;;) {
      let running = 0;
      for (let i = 0; i < started.length; i += 100) {
        const d = await ng.client.send(new DescribeTasksCommand({ tasks: started.slice(i, i + 100) }));
        running += d.tasks!.filter((t) => t.lastStatus === 'RUNNING').length;
      }
      if (running === started.length) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const burstMs = performance.now() - t0;
    await Promise.all(started.map((task) => ng.client.send(new StopTaskCommand({ task }))));
    await waitAllStopped(ng.client);
    return { observed, internal, burstMs };
  } finally {
    await ng.stop();
  }
}

async function waitAllStopped(client: import('@aws-sdk/client-ecs').ECSClient) {
  for (;;) {
    const { taskArns = [] } = await client.send(new ListTasksCommand({}));
    const d = taskArns.length
      ? await client.send(new DescribeTasksCommand({ tasks: taskArns.slice(0, 100) }))
      : { tasks: [] };
    if ((d.tasks ?? []).every((t) => t.lastStatus === 'STOPPED') && taskArns.length <= 100) {
      const stopped = await client.send(new ListTasksCommand({ desiredStatus: 'STOPPED', maxResults: 100 }));
      const s = stopped.taskArns?.length
        ? await client.send(new DescribeTasksCommand({ tasks: stopped.taskArns }))
        : { tasks: [] };
      if ((s.tasks ?? []).every((t) => t.lastStatus === 'STOPPED')) return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `runc run` of the same busybox rootfs: create, start, exit and delete of `true`. */
async function rawRunc() {
  const dir = await mkdtemp(join(tmpdir(), 'neargate-bench-runc-'));
  try {
    const rootfs = join(dir, 'rootfs');
    await mkdir(rootfs);
    await writeFile(join(dir, 'layer.tar'), layerTar(busyboxLayer()));
    execFileSync('tar', ['-xf', join(dir, 'layer.tar'), '-C', rootfs]);
    execFileSync('runc', ['spec', '--bundle', dir]);
    const spec = JSON.parse(execFileSync('cat', [join(dir, 'config.json')], { encoding: 'utf8' }));
    spec.process.terminal = false;
    spec.process.args = ['true'];
    await writeFile(join(dir, 'config.json'), JSON.stringify(spec));
    const root = join(dir, 'state');
    const times: number[] = [];
    for (let i = 0; i < N + 3; i++) {
      const t0 = performance.now();
      await run('runc', ['--root', root, 'run', '--bundle', dir, `bench-${process.pid}-${i}`]);
      if (i >= 3) times.push(performance.now() - t0);
    }
    return times;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `docker run --rm` of the same image, when a Docker engine answers. */
async function dockerRun(): Promise<number[] | undefined> {
  if (spawnSync('docker', ['info'], { stdio: 'ignore' }).status !== 0) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'neargate-bench-docker-'));
  try {
    await writeImageArchive(
      join(dir, 'img.tar'),
      { references: ['neargate-bench-busybox:latest'] },
      { format: 'docker' },
    );
    await run('docker', ['load', '-i', join(dir, 'img.tar')]);
    const times: number[] = [];
    for (let i = 0; i < N + 3; i++) {
      const t0 = performance.now();
      await run('docker', ['run', '--rm', '--network', 'none', 'neargate-bench-busybox', 'true']);
      if (i >= 3) times.push(performance.now() - t0);
    }
    return times;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const ng = await neargateLatencies();
const runc = await rawRunc();
const docker = await dockerRun();
const row = (what: string, xs: number[], note: string) => [
  what,
  ms(percentile(xs, 50)),
  ms(percentile(xs, 95)),
  note,
];
const rows = [
  row(
    'neargate RunTask → RUNNING, seen by DescribeTasks',
    ng.observed,
    'the API, the store, netns + veth, cgroup, overlayfs, conmon + runc create/start',
  ),
  row(
    'neargate createdAt → startedAt (its own timestamps)',
    ng.internal,
    'the same, without the client polling',
  ),
  row('raw `runc run true` of the same rootfs', runc, 'create, start, exit, delete: the floor'),
  ...(docker ? [row('`docker run --rm --network none … true`', docker, 'the usual alternative')] : []),
];
const ratio = percentile(ng.observed, 50) / percentile(runc, 50);
const body = [
  markdownTable(['start of one task (busybox, cached image)', 'p50', 'p95', 'what it includes'], rows),
  '',
  `neargate p50 / raw runc p50 = ${ratio.toFixed(2)}x (target: under 150 ms and within 2x).${docker ? '' : ' No Docker engine answered `docker info`, so docker is not in this run.'}`,
  '',
  markdownTable(
    ['burst', 'time until all RUNNING'],
    [[`${BURST} tasks (RunTask count 10, ${BURST / 10} calls at once)`, ms(ng.burstMs)]],
  ),
].join('\n');
await record('Task start', `node --import tsx bench/task-start.ts --tasks ${N} --burst ${BURST}`, body);
process.exit(0);
