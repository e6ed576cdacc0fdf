/**
 * Services at scale, as issue 6 asks: a service scaled from 0 to 200 tiny tasks, timed until all
 * run and until its steady state; a rolling deployment of 50 tasks, timed until it completes;
 * and how fast a stopped task of a service is replaced by a RUNNING one (target: within 2 s on
 * one host), for a task stopped with StopTask and for one whose essential container is killed,
 * in a steady service and while the service sheds most of its tasks. neargate runs as users run
 * it, in its own process. Needs root.
 *
 *   node --import tsx bench/services.ts [--scale 200] [--rolling 50] [--kills 20] [--churn 3]
 *     [--only replacement]
 *
 * `--only replacement` leaves out the scaling and the rolling deployment (the service of
 * `--rolling` tasks is created without timing it) and records under its own title.
 * `BENCH_SERVER_LOG=<file>` runs the server at debug level (each task step with its duration) and
 * writes its log there, and prints each replacement's task id, stop time and time to RUNNING.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  type HealthCheck,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type Service,
  StopTaskCommand,
  type Task,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import pino from 'pino';
import { LocalAgent } from '../src/agent/local-agent.ts';
import { writeImageArchive } from '../test/fixtures/images.ts';
import { BIN, spawnNeargate } from '../test/support/spawn-neargate.ts';
import { markdownTable, ms, percentile, record } from './results.ts';

const run = promisify(execFile);
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const SCALE = arg('scale', 200);
const ROLLING = arg('rolling', 50);
const KILLS = arg('kills', 20);
/** Replacements timed while the service scales in from ROLLING to KEPT tasks. */
const CHURN_ROUNDS = arg('churn', 3);
const ONLY_REPLACEMENT =
  process.argv.includes('--only') && process.argv.at(process.argv.indexOf('--only') + 1) === 'replacement';
/** Tasks kept by the service whose tasks are stopped one at a time. */
const KEPT = 4;
const CGROUP_PARENT = '/neargate-bench';
const net = { awsvpcConfiguration: { subnets: ['subnet-0000bb01', 'subnet-0000bb02', 'subnet-0000bb03'] } };
const load = () => loadavg()[0]!.toFixed(2);
const CHURN_NOTE = [
  "Where a replacement's time went while the service sheds 46 tasks, from traces of these runs (BENCH_SERVER_LOG, and CPU profiles of the server). Before the changes below (commit 294d177, measured beside these runs: with --scale 200 --rolling 50 --kills 20 --churn 6, p50 1633 and 1046 ms, max 3092 and 2622 ms; with --only replacement --rolling 50 --kills 20 --churn 12, p50 1069 and 1063 ms, max 1321 and 3951 ms; load 5.2 to 22): the scheduler's looks parsed every task of the service, those on their way out and those stopped in the last minute, after each task change, a third of the server's event loop, so the replacement waited for a look (up to 1 s) and for the 46 tasks' RUNNING to DEACTIVATING steps; each of the 46 stops ran `runc kill`, and most a `runc state` too, 92 runc processes at once beside the replacement's conmon + runc create (600 to 900 ms instead of about 100 ms), and then the 46 cleanups (runc delete, umount, namespace and cgroup removal) ran at once.",
  "Now a look reads in full only the tasks it works with, a stop signals the container's init itself (its pid checked to be in the container's cgroup), and cleanups go 8 at a time, 1 at a time while a task starts. What is left is the kernel tearing down 46 containers that exit together (their namespaces, mounts and cgroups) beside the replacement's cgroup and runc create, on 2 cores the benchmark itself loads (50 tasks with health checks, a client polling every 5 ms).",
].join(' ');

const dataDir = await mkdtemp(join(tmpdir(), 'neargate-bench-services-'));
const TRACE = process.env.BENCH_SERVER_LOG;
const server = await spawnNeargate(
  ['--data-dir', dataDir, '--insecure-accept-any-credentials', ...(TRACE ? ['--log-level', 'debug'] : [])],
  {
    NEARGATE_CPU_OVERCOMMIT: '64',
    NEARGATE_MEMORY_OVERCOMMIT: '8',
    NEARGATE_HOST_PREFIX: 'tb',
    NEARGATE_CGROUP_PARENT: CGROUP_PARENT,
    NEARGATE_DEFAULT_VPC_CIDRS: Array.from({ length: 50 }, (_, i) => `10.${200 + i}.0.0/16`).join(','),
  },
);
const client = new ECSClient({
  endpoint: server.url,
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIABENCH', secretAccessKey: 'any' },
});

async function register(family: string, healthCheck?: HealthCheck) {
  const out = await client.send(
    new RegisterTaskDefinitionCommand({
      family,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: 'app',
          image: 'busybox',
          // Ends at once on SIGTERM (a trap runs as soon as `wait` is interrupted), as a server does:
          // a scale-in's containers then exit and are cleaned up while their replacements start.
          command: ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1 & wait $!; done'],
          ...(healthCheck && { healthCheck }),
        },
      ],
    }),
  );
  return out.taskDefinition!.taskDefinitionArn!;
}

async function describe(name: string): Promise<Service> {
  return (await client.send(new DescribeServicesCommand({ services: [name] }))).services![0]!;
}

async function until(name: string, done: (s: Service) => boolean, pollMs = 50): Promise<Service> {
  for (;;) {
    const s = await describe(name);
    if (done(s)) return s;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** What `aws ecs wait services-stable` waits for, on the deployment of this task definition. */
const stableOn = (td: string) => (s: Service) =>
  s.deployments?.length === 1 &&
  s.deployments[0]!.taskDefinition === td &&
  s.deployments[0]!.rolloutState === 'COMPLETED' &&
  s.runningCount === s.desiredCount;

const steadyEventAfter = (t: Date) => (s: Service) =>
  (s.events ?? []).some((e) => e.createdAt! >= t && e.message!.endsWith('has reached a steady state.'));

async function serviceTasks(name: string, desiredStatus?: 'STOPPED'): Promise<Task[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const out = await client.send(
      new ListTasksCommand({ serviceName: name, ...(desiredStatus && { desiredStatus }), nextToken }),
    );
    arns.push(...(out.taskArns ?? []));
    nextToken = out.nextToken;
  } while (nextToken);
  const tasks: Task[] = [];
  for (let i = 0; i < arns.length; i += 100) {
    const d = await client.send(new DescribeTasksCommand({ tasks: arns.slice(i, i + 100) }));
    tasks.push(...(d.tasks ?? []));
  }
  return tasks;
}

/** Until the service's tasks are exactly `count`, all RUNNING and HEALTHY, and none is on its way out. */
async function untilSettled(name: string, count: number) {
  for (;;) {
    const [live, stopping] = await Promise.all([serviceTasks(name), serviceTasks(name, 'STOPPED')]);
    const settled =
      live.length === count &&
      live.every((t) => t.lastStatus === 'RUNNING' && t.healthStatus === 'HEALTHY') &&
      stopping.every((t) => t.lastStatus === 'STOPPED');
    if (settled) return live;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One replacement: how long until it was RUNNING, and where that time went by its own timestamps. */
interface Replacement {
  ms: number;
  /** From the stop until the scheduler recorded the replacement (its createdAt). */
  createdMs: number;
  /** Until its namespace, cgroup and files were made (pullStartedAt: it went PENDING). */
  preparedMs: number;
  /** Until its container ran (startedAt). */
  startedMs: number;
}

/** Time from `stop()` until a task the service did not have before is RUNNING. */
async function timeReplacement(
  name: string,
  before: readonly Task[],
  stop: () => Promise<void>,
): Promise<Replacement> {
  const known = new Set(before.map((t) => t.taskArn!));
  const t0 = performance.now();
  const wall0 = Date.now();
  await stop();
  for (;;) {
    const { taskArns = [] } = await client.send(new ListTasksCommand({ serviceName: name }));
    const fresh = taskArns.filter((a) => !known.has(a));
    if (fresh.length > 0) {
      const d = await client.send(new DescribeTasksCommand({ tasks: fresh }));
      const running = d.tasks!.find((t) => t.lastStatus === 'RUNNING');
      if (running) {
        const elapsed = performance.now() - t0;
        // For reading the server's log: which task replaced, when the stop was asked (epoch ms).
        if (TRACE)
          console.log(`replacement ${running.taskArn!.split('/').at(-1)} ${wall0} ${Math.round(elapsed)}`);
        const since = (at: Date | undefined) => (at ? at.getTime() - wall0 : Number.NaN);
        return {
          ms: elapsed,
          createdMs: since(running.createdAt),
          preparedMs: since(running.pullStartedAt),
          startedMs: since(running.startedAt),
        };
      }
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** SIGKILLs every process of the task's essential container, as a crash would end it. */
async function killContainer(task: Task) {
  const id = task.taskArn!.split('/').at(-1)!;
  const procs = [
    `/sys/fs/cgroup/pids${CGROUP_PARENT}/${id}/app/cgroup.procs`,
    `/sys/fs/cgroup${CGROUP_PARENT}/${id}/app/cgroup.procs`,
  ].find(existsSync);
  if (!procs) throw new Error(`no cgroup for task ${id}`);
  const pids = (await readFile(procs, 'utf8')).split('\n').filter(Boolean);
  if (pids.length === 0) throw new Error(`task ${id} has no process`);
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch (err) {
      // A process that ended meanwhile (the shell's `sleep`, every second).
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
}

const pick = (tasks: readonly Task[], i: number) => tasks[i % tasks.length]!;

try {
  await writeImageArchive(
    join(dataDir, 'busybox.tar'),
    { references: ['busybox:latest'] },
    { format: 'docker' },
  );
  await run(BIN, ['image', 'load', join(dataDir, 'busybox.tar'), '--data-dir', dataDir]);
  // Scaled tasks have no health check (the tiniest task); rolled ones have one that passes, since
  // health gates a deployment (without one ECS counts a task healthy after 40 s RUNNING).
  const tiny = await register('bench-tiny');
  const checked = { command: ['CMD-SHELL', 'exit 0'], interval: 5, retries: 1 };
  const v1 = await register('bench-v1', checked);
  const v2 = await register('bench-v2', checked);

  let scaled: { allRunningMs: number; steadyMs: number; load: string } | undefined;
  let rolled: { ms: number; load: string } | undefined;
  if (!ONLY_REPLACEMENT) {
    // 1. Scale from 0 to SCALE.
    await client.send(
      new CreateServiceCommand({
        serviceName: 'scale',
        taskDefinition: tiny,
        desiredCount: 0,
        launchType: 'FARGATE',
        networkConfiguration: net,
      }),
    );
    await until('scale', stableOn(tiny));
    const scaleLoad = load();
    const scaleFrom = new Date();
    const t0 = performance.now();
    await client.send(new UpdateServiceCommand({ service: 'scale', desiredCount: SCALE }));
    await until('scale', (s) => s.runningCount === SCALE && s.pendingCount === 0);
    const allRunningMs = performance.now() - t0;
    await until('scale', (s) => stableOn(tiny)(s) && steadyEventAfter(scaleFrom)(s));
    scaled = { allRunningMs, steadyMs: performance.now() - t0, load: scaleLoad };
    await client.send(new DeleteServiceCommand({ service: 'scale', force: true }));
    await until('scale', (s) => s.status === 'INACTIVE', 200);
    await untilSettled('scale', 0);
  }

  // 2. A rolling deployment of ROLLING tasks (100% minimum healthy, 200% maximum).
  await client.send(
    new CreateServiceCommand({
      serviceName: 'roll',
      taskDefinition: v1,
      desiredCount: ROLLING,
      launchType: 'FARGATE',
      networkConfiguration: net,
    }),
  );
  await until('roll', stableOn(v1), 200);
  await untilSettled('roll', ROLLING);
  if (!ONLY_REPLACEMENT) {
    const rollLoad = load();
    const t0 = performance.now();
    await client.send(new UpdateServiceCommand({ service: 'roll', taskDefinition: v2 }));
    await until('roll', stableOn(v2));
    rolled = { ms: performance.now() - t0, load: rollLoad };
  }

  // 3. Replacement while the service sheds most of its tasks: scale in to KEPT, and at once
  // stop one of the tasks it keeps; then scale out again for the next round.
  const churn: Replacement[] = [];
  const churnLoad: string[] = [];
  for (let round = 0; round < CHURN_ROUNDS; round++) {
    if (round > 0) {
      await client.send(new UpdateServiceCommand({ service: 'roll', desiredCount: ROLLING }));
      await untilSettled('roll', ROLLING);
    }
    await client.send(new UpdateServiceCommand({ service: 'roll', desiredCount: KEPT }));
    // The scheduler marks the tasks it stops in one look: the ones left listed are kept.
    let kept = await serviceTasks('roll');
    while (kept.length > KEPT) {
      await new Promise((r) => setTimeout(r, 10));
      kept = await serviceTasks('roll');
    }
    churnLoad.push(load());
    churn.push(
      await timeReplacement('roll', kept, async () => {
        await client.send(new StopTaskCommand({ task: kept[0]!.taskArn! }));
      }),
    );
  }

  // 4. Replacement in a steady service of KEPT tasks, one stop at a time.
  const byStopTask: Replacement[] = [];
  const byKill: Replacement[] = [];
  const steadyLoad: string[] = [];
  for (let i = 0; i < KILLS; i++) {
    const before = await untilSettled('roll', KEPT);
    steadyLoad.push(load());
    const victim = pick(before, i);
    if (i % 2 === 0) {
      byStopTask.push(
        await timeReplacement('roll', before, async () => {
          await client.send(new StopTaskCommand({ task: victim.taskArn! }));
        }),
      );
    } else {
      byKill.push(await timeReplacement('roll', before, () => killContainer(victim)));
    }
  }
  const stoppedByKill = (await serviceTasks('roll', 'STOPPED')).filter(
    (t) => t.stopCode === 'EssentialContainerExited',
  );
  if (stoppedByKill.length < byKill.length) throw new Error('killed tasks did not stop as exited');
  await client.send(new DeleteServiceCommand({ service: 'roll', force: true }));
  await until('roll', (s) => s.status === 'INACTIVE', 200);
  await untilSettled('roll', 0);

  const both = [...byStopTask, ...byKill];
  const range = (xs: readonly string[]) =>
    `${Math.min(...xs.map(Number)).toFixed(2)} to ${Math.max(...xs.map(Number)).toFixed(2)}`;
  const row = (what: string, rs: readonly Replacement[]) => {
    const xs = rs.map((r) => r.ms);
    return [what, String(xs.length), ms(percentile(xs, 50)), ms(percentile(xs, 95)), ms(Math.max(...xs))];
  };
  // Where the time went, p50 and max of each part, from the replacement's own timestamps.
  const parts = (what: string, rs: readonly Replacement[]) => {
    const part = (f: (r: Replacement) => number) => {
      const xs = rs.map(f);
      return `${percentile(xs, 50).toFixed(0)} / ${Math.max(...xs).toFixed(0)}`;
    };
    return [
      what,
      part((r) => r.createdMs),
      part((r) => r.preparedMs - r.createdMs),
      part((r) => r.startedMs - r.preparedMs),
      part((r) => r.ms - r.startedMs),
    ];
  };
  const body = [
    ...(scaled && rolled
      ? [
          markdownTable(
            ['what', 'time', 'load (1 min) at start'],
            [
              [
                `scale a service from 0 to ${SCALE} tasks, until all RUNNING`,
                ms(scaled.allRunningMs),
                scaled.load,
              ],
              [
                `the same, until "has reached a steady state" (services-stable holds)`,
                ms(scaled.steadyMs),
                scaled.load,
              ],
              [
                `rolling deployment of ${ROLLING} tasks (min 100%, max 200%), until COMPLETED`,
                ms(rolled.ms),
                rolled.load,
              ],
            ],
          ),
          '',
        ]
      : []),
    `A stopped service task replaced by a RUNNING one (target: within 2 s), timed from the stop until the replacement is RUNNING in DescribeTasks; load (1 min) ${range([...steadyLoad, ...churnLoad])}:`,
    '',
    markdownTable(
      ['stop', 'stops', 'p50', 'p95', 'max'],
      [
        row(`StopTask, steady service of ${KEPT}`, byStopTask),
        row(`essential container SIGKILLed (EssentialContainerExited), steady service of ${KEPT}`, byKill),
        row('both', both),
        row(`StopTask while the service scales in from ${ROLLING} to ${KEPT} tasks`, churn),
      ],
    ),
    '',
    "Where the time went (p50 / max, ms), by the replacement's own timestamps: until the scheduler recorded it (createdAt); until its namespace, cgroup and files were made (pullStartedAt, when it went PENDING); until its container ran (startedAt); until the client saw it RUNNING.",
    '',
    markdownTable(
      ['stop', 'scheduled', 'prepared', 'started', 'seen'],
      [parts('steady service (both)', both), parts(`scale-in from ${ROLLING} to ${KEPT}`, churn)],
    ),
    '',
    'Tasks: busybox, 0.25 vCPU / 512 MiB, over three subnets; the scaled service has no health check, the others a CMD-SHELL one (every 5 s) that passes, which gates the rolling deployment. Replacements are started by the service scheduler, as ECS starts them; the steady-service stops wait until every task is RUNNING and HEALTHY and nothing is stopping.',
    '',
    CHURN_NOTE,
  ].join('\n');
  const flags = ONLY_REPLACEMENT
    ? `--only replacement --rolling ${ROLLING} --kills ${KILLS} --churn ${CHURN_ROUNDS}`
    : `--scale ${SCALE} --rolling ${ROLLING} --kills ${KILLS} --churn ${CHURN_ROUNDS}`;
  await record(
    ONLY_REPLACEMENT ? 'Services: replacement' : 'Services',
    `node --import tsx bench/services.ts ${flags}`,
    body,
    { keepRuns: 2 },
  );
} finally {
  server.child.kill('SIGTERM');
  await server.exited;
  if (TRACE) await writeFile(TRACE, server.output());
  const agent = await LocalAgent.start({
    root: join(dataDir, 'agent'),
    log: pino({ level: 'silent' }),
    prefix: 'tb',
    cgroupParent: CGROUP_PARENT,
  });
  await agent.teardown();
  await agent.close();
  await rm(dataDir, { recursive: true, force: true });
}

process.exit(0);
