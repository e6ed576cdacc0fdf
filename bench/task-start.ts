/**
 * How fast a task starts: RunTask until RUNNING for a cached busybox image, p50 and p95 over 50
 * tasks one at a time, beside floors measured in the same run, one of each in turn so that all
 * see the same load: a raw `runc run` of the same rootfs; runc create + start alone; the host work
 * of a Fargate task done by hand with ip, mount and runc (bench/runc-floor.sh), with and without
 * conmon; and a `docker run` when a Docker engine answers (DOCKER_HOST is honoured). Then the
 * time until 100 tasks run. Needs root.
 *
 *   node --import tsx bench/task-start.ts [--tasks 50] [--burst 100]
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
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
/** The first few of each row warm caches (tsx, the image's layers, the subnet bridge, page cache). */
const WARMUP = 3;
/** How often the client asks DescribeTasks whether the task runs yet. */
const POLL_MS = 2;
/** The same, in the row that shows what a client polling that hard costs the start itself. */
const LIGHT_POLL_MS = 50;
const FLOOR = new URL('./runc-floor.sh', import.meta.url).pathname;
const net = { awsvpcConfiguration: { subnets: ['subnet-0000be01'] } };

/** neargate as users run it: `bin/neargate up` in its own process, busybox loaded with `image load`. */
async function startNeargate() {
  const dataDir = await mkdtemp(join(tmpdir(), 'neargate-bench-'));
  // Debug logs carry each task step's duration ('task step', ms), for the breakdown.
  const server = await spawnNeargate(
    ['--data-dir', dataDir, '--insecure-accept-any-credentials', '--log-level', 'debug'],
    {
      NEARGATE_CPU_OVERCOMMIT: '64',
      NEARGATE_MEMORY_OVERCOMMIT: '8',
      NEARGATE_HOST_PREFIX: 'tk',
      NEARGATE_CGROUP_PARENT: '/neargate-bench-start',
      NEARGATE_DEFAULT_VPC_CIDRS: Array.from({ length: 50 }, (_, i) => `10.${150 + i}.0.0/16`).join(','),
    },
  );
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
  const { taskDefinition } = await client.send(
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
  return {
    client,
    taskDefinition: taskDefinition!.taskDefinitionArn!,
    output: server.output,
    async stop() {
      server.child.kill('SIGTERM');
      await server.exited;
      const agent = await LocalAgent.start({
        root: join(dataDir, 'agent'),
        log: pino({ level: 'silent' }),
        prefix: 'tk',
        cgroupParent: '/neargate-bench-start',
      });
      await agent.teardown();
      await agent.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
type Neargate = Awaited<ReturnType<typeof startNeargate>>;

/** One task, RunTask until DescribeTasks says RUNNING; then stopped, so stops never weigh on starts. */
async function oneTask(ng: Neargate, pollMs = POLL_MS) {
  const t0 = performance.now();
  const sentAt = Date.now();
  const out = await ng.client.send(
    new RunTaskCommand({
      taskDefinition: ng.taskDefinition,
      launchType: 'FARGATE',
      networkConfiguration: net,
    }),
  );
  const task = out.tasks![0]!;
  let observed: number;
  let internal: number;
  let sentToStarted: number;
  for (;;) {
    const t = (await ng.client.send(new DescribeTasksCommand({ tasks: [task.taskArn!] }))).tasks![0]!;
    if (t.lastStatus === 'STOPPED') throw new Error(`task ${task.taskArn} stopped: ${t.stoppedReason}`);
    if (t.lastStatus === 'RUNNING') {
      observed = performance.now() - t0;
      internal = t.startedAt!.getTime() - t.createdAt!.getTime();
      sentToStarted = t.startedAt!.getTime() - sentAt;
      break;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  await ng.client.send(new StopTaskCommand({ task: task.taskArn! }));
  for (;;) {
    const d = await ng.client.send(new DescribeTasksCommand({ tasks: [task.taskArn!] }));
    if (d.tasks![0]!.lastStatus === 'STOPPED') break;
    await new Promise((r) => setTimeout(r, 5));
  }
  return { observed, internal, sentToStarted, id: task.taskArn!.split('/').at(-1)! };
}

async function burst(ng: Neargate): Promise<number> {
  const t0 = performance.now();
  const started: string[] = [];
  await Promise.all(
    Array.from({ length: BURST / 10 }, async () => {
      const out = await ng.client.send(
        new RunTaskCommand({
          taskDefinition: ng.taskDefinition,
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
  return burstMs;
}

async function waitAllStopped(client: ECSClient) {
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

/** The busybox rootfs the floors run, extracted from the same layer neargate's image has. */
async function floorRootfs(dir: string): Promise<{ bundle: string; rootfs: string }> {
  const rootfs = join(dir, 'rootfs');
  await mkdir(rootfs);
  await writeFile(join(dir, 'layer.tar'), layerTar(busyboxLayer()));
  await run('tar', ['-xf', join(dir, 'layer.tar'), '-C', rootfs]);
  const bundle = join(dir, 'bundle');
  await mkdir(bundle);
  await run('runc', ['spec', '--bundle', bundle]);
  const spec = JSON.parse((await run('cat', [join(bundle, 'config.json')])).stdout);
  spec.process.terminal = false;
  spec.process.args = ['true'];
  spec.root.path = rootfs;
  await writeFile(join(bundle, 'config.json'), JSON.stringify(spec));
  return { bundle, rootfs };
}

/** `runc run` of the same busybox rootfs: create, start, exit and delete of `true`. */
async function rawRunc(dir: string, bundle: string, i: number): Promise<number> {
  const t0 = performance.now();
  await run('runc', ['--root', join(dir, 'state'), 'run', '--bundle', bundle, `bench-${process.pid}-${i}`]);
  return performance.now() - t0;
}

type FloorMode = 'plain' | 'task' | 'conmon';
interface FloorRun {
  total: number;
  network: number;
  cgroup: number;
  mount: number;
  create: number;
  start: number;
}

/** One start by bench/runc-floor.sh, with the times it took for each part. */
async function floor(mode: FloorMode, rootfs: string, dir: string): Promise<FloorRun> {
  const { stdout } = await run('bash', [FLOOR, mode, rootfs, join(dir, `floor-${mode}`), '1']);
  const [total, network, cgroup, mount, create, start] = stdout.trim().split(/\s+/).map(Number);
  return { total: total!, network: network!, cgroup: cgroup!, mount: mount!, create: create!, start: start! };
}

/** `docker run --rm` of the same image, when a Docker engine answers. */
async function dockerImage(dir: string): Promise<boolean> {
  if (spawnSync('docker', ['info'], { stdio: 'ignore' }).status !== 0) return false;
  await writeImageArchive(
    join(dir, 'img.tar'),
    { references: ['neargate-bench-busybox:latest'] },
    { format: 'docker' },
  );
  await run('docker', ['load', '-i', join(dir, 'img.tar')]);
  return true;
}
async function dockerRun(): Promise<number> {
  const t0 = performance.now();
  await run('docker', ['run', '--rm', '--network', 'none', 'neargate-bench-busybox', 'true']);
  return performance.now() - t0;
}

/** Each task's step durations, from neargate's debug log, by the status each step started from. */
function stepTimes(output: string, taskIds: ReadonlySet<string>): Map<string, Record<string, number>> {
  const byTask = new Map<string, Record<string, number>>();
  for (const line of output.split('\n')) {
    if (!line.includes('"task step"')) continue;
    const entry = JSON.parse(line) as { taskId: string; status: string; ms: number };
    // A RUNNING step observes a task already started.
    if (!taskIds.has(entry.taskId) || entry.status === 'RUNNING') continue;
    const steps = byTask.get(entry.taskId) ?? {};
    steps[entry.status] = (steps[entry.status] ?? 0) + entry.ms;
    byTask.set(entry.taskId, steps);
  }
  return byTask;
}

const dir = await mkdtemp(join(tmpdir(), 'neargate-bench-floor-'));
const ng = await startNeargate();
const rows = {
  observed: [] as number[],
  internal: [] as number[],
  lightlyPolled: [] as number[],
  lightlySent: [] as number[],
  runc: [] as number[],
  plain: [] as FloorRun[],
  task: [] as FloorRun[],
  conmon: [] as FloorRun[],
  docker: [] as number[],
};
const loads: number[] = [];
const ids = new Set<string>();
const starts: { observed: number; internal: number; sentToStarted: number; id: string }[] = [];
let burstMs: number;
let withDocker: boolean;
try {
  const { bundle, rootfs } = await floorRootfs(dir);
  withDocker = await dockerImage(dir);
  for (let i = 0; i < N + WARMUP; i++) {
    const keep = i >= WARMUP;
    loads.push(loadavg()[0]!);
    const t = await oneTask(ng);
    const light = await oneTask(ng, LIGHT_POLL_MS);
    const r = await rawRunc(dir, bundle, i);
    const floors = {
      plain: await floor('plain', rootfs, dir),
      task: await floor('task', rootfs, dir),
      conmon: await floor('conmon', rootfs, dir),
    };
    const d = withDocker ? await dockerRun() : undefined;
    if (!keep) continue;
    rows.observed.push(t.observed);
    rows.internal.push(t.internal);
    rows.lightlyPolled.push(light.internal);
    rows.lightlySent.push(light.sentToStarted);
    starts.push(t);
    ids.add(t.id);
    rows.runc.push(r);
    rows.plain.push(floors.plain);
    rows.task.push(floors.task);
    rows.conmon.push(floors.conmon);
    if (d !== undefined) rows.docker.push(d);
  }
  loads.push(loadavg()[0]!);
  burstMs = await burst(ng);
} finally {
  await ng.stop();
  await rm(dir, { recursive: true, force: true });
}

const p50 = (xs: readonly number[]) => percentile(xs, 50);
const WHAT_RUNC_RUN_LEAVES_OUT =
  "What `runc run true` leaves out, and the floor row does by hand: the task's own network namespace with its ENI (two `ip` processes), a cgroup with its CPU quota and memory limit, an overlayfs rootfs of its own, and a supervisor that outlives the server (conmon; issue 3 asks for one). Most of the floor is runc create itself, under conmon. neargate makes the namespace, the cgroup and the rootfs in parallel, creates the container as soon as the namespace exists (its addresses are set meanwhile), and starts it by opening runc's exec fifo itself rather than running `runc start` (a Go process of its own, about 6 ms). What it adds over the floor beyond that is its server's JavaScript (the API, the store writes, the reconciler) beside runc on 2 cores, and the client's polling: compare the rows polling every 2 and every 50 ms.";
const row = (what: string, xs: number[], note: string) => [what, ms(p50(xs)), ms(percentile(xs, 95)), note];
const totals = (xs: FloorRun[]) => xs.map((x) => x.total);
const steps = stepTimes(ng.output(), ids);
const part = (xs: FloorRun[], k: keyof FloorRun) => ms(p50(xs.map((x) => x[k])));
const stepOf = (id: string, status: string) => steps.get(id)?.[status] ?? Number.NaN;
const stepMs = (status: string) => ms(p50(starts.map((t) => stepOf(t.id, status))));
const restMs = ms(
  p50(starts.map((t) => t.internal - stepOf(t.id, 'PROVISIONING') - stepOf(t.id, 'PENDING'))),
);
const floorMs = p50(totals(rows.conmon));
const body = [
  `${N} starts of each, one of each in turn (after ${WARMUP} of each to warm up); load (1 min) ${Math.min(...loads).toFixed(2)} to ${Math.max(...loads).toFixed(2)} on 2 cores. The client polls DescribeTasks every ${POLL_MS} ms.`,
  '',
  markdownTable(
    ['start of one task (busybox, cached image)', 'p50', 'p95', 'what it includes'],
    [
      row(
        'neargate RunTask → RUNNING, seen by DescribeTasks',
        rows.observed,
        'the API, the store, netns + veth, cgroup, overlayfs, conmon + runc create/start, the polling',
      ),
      row(
        'neargate createdAt → startedAt (its own timestamps)',
        rows.internal,
        'the same, without the client (its requests still load the server)',
      ),
      row(
        `the same, the client polling every ${LIGHT_POLL_MS} ms`,
        rows.lightlyPolled,
        `what polling every ${POLL_MS} ms costs the start itself, on 2 shared cores (\`aws ecs wait\` polls every 6 s)`,
      ),
      row(
        `**neargate RunTask → RUNNING**: RunTask sent until the task's startedAt, the client polling every ${LIGHT_POLL_MS} ms`,
        rows.lightlySent,
        'the start as the client clock times it (same machine, same clock), the API call included, without the cost of polling hard',
      ),
      row(
        "**floor**: a Fargate task's host work by hand (runc-floor.sh conmon)",
        totals(rows.conmon),
        'ip netns + veth on a bridge, address and route (2 `ip -batch`); cgroup with cpu quota and memory limit; overlayfs mount; conmon running runc create; runc start',
      ),
      row(
        'the same without conmon (runc-floor.sh task)',
        totals(rows.task),
        'runc create itself instead of conmon, which neargate needs so containers outlive it',
      ),
      row(
        'runc create + start alone (runc-floor.sh plain)',
        totals(rows.plain),
        "runc's own empty network namespace and a cgroup without limits, the image directory as rootfs",
      ),
      row(
        'raw `runc run true` of the same rootfs',
        rows.runc,
        'create, start, exit, delete, no network, no limits: the bare floor the issue names',
      ),
      ...(withDocker
        ? [row('`docker run --rm --network none … true`', rows.docker, 'the usual alternative')]
        : []),
    ],
  ),
  '',
  `Against the target (p50 under 150 ms, and within 2x of raw runc): RunTask → RUNNING as the client sees it, polling every ${POLL_MS} ms, is ${ms(p50(rows.observed))} = ${(p50(rows.observed) / p50(rows.runc)).toFixed(2)}x raw \`runc run\` and ${(p50(rows.observed) / floorMs).toFixed(2)}x the floor of a Fargate task's host work; from RunTask sent to the task's startedAt with a client polling every ${LIGHT_POLL_MS} ms, it is ${ms(p50(rows.lightlySent))} = ${(p50(rows.lightlySent) / p50(rows.runc)).toFixed(2)}x raw \`runc run\` and ${(p50(rows.lightlySent) / floorMs).toFixed(2)}x the floor (the task's own createdAt → startedAt: ${ms(p50(rows.lightlyPolled))} = ${(p50(rows.lightlyPolled) / p50(rows.runc)).toFixed(2)}x).${withDocker ? '' : ' No Docker engine answered `docker info`, so docker is not in this run.'}`,
  '',
  WHAT_RUNC_RUN_LEAVES_OUT,
  '',
  'Where the time goes, p50 of each part. The floor, by hand, one part after the other:',
  '',
  markdownTable(
    [
      'network namespace, veth, address, route',
      'task cgroup with limits',
      'overlayfs rootfs',
      'conmon + runc create',
      'runc start',
    ],
    [(['network', 'cgroup', 'mount', 'create', 'start'] as const).map((k) => part(rows.conmon, k))],
  ),
  '',
  "neargate, by the task's steps (its debug log), which overlap the same parts:",
  '',
  markdownTable(
    ['step', 'p50', 'what happens in it'],
    [
      [
        'PROVISIONING',
        stepMs('PROVISIONING'),
        'the namespace and veth (2 `ip -batch`), the cgroup and the task files, in parallel; the rootfs mount begins too, and the container is created (conmon + runc create) as soon as rootfs, cgroup and namespace exist',
      ],
      [
        'PENDING',
        stepMs('PENDING'),
        "the pull check of the cached image, the wait for that create, the start through runc's exec fifo",
      ],
      [
        'the rest of createdAt → startedAt',
        restMs,
        'the RunTask write, the reconciler waking, reads and writes of the task between steps',
      ],
      [
        'until the client sees RUNNING',
        ms(p50(starts.map((t) => t.observed - t.internal))),
        `the RunTask answer, then DescribeTasks every ${POLL_MS} ms`,
      ],
    ],
  ),
  '',
  markdownTable(
    ['burst', 'time until all RUNNING'],
    [[`${BURST} tasks (RunTask count 10, ${BURST / 10} calls at once)`, ms(burstMs)]],
  ),
].join('\n');
await record('Task start', `node --import tsx bench/task-start.ts --tasks ${N} --burst ${BURST}`, body, {
  keepRuns: 2,
});
process.exit(0);
