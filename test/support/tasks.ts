import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ContainerDefinition,
  DeleteServiceCommand,
  DescribeTasksCommand,
  type ECSClient,
  ListClustersCommand,
  ListServicesCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  RunTaskCommand,
  type RunTaskCommandInput,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import pino from 'pino';
import { LocalAgent } from '../../src/agent/local-agent.ts';
import { type ImageSpec, writeImageArchive } from '../fixtures/images.ts';
import { ecsClient } from './ecs-client.ts';
import { startTestNeargate, type TestNeargate } from './neargate.ts';
import type { RunningNeargate } from './spawn-neargate.ts';

/** Whether this machine can run tasks; the reason when it cannot. */
export const cannotRunTasks: string | false =
  process.getuid?.() !== 0
    ? 'running tasks needs root (and runc, conmon, iproute2, nftables: npm test installs them)'
    : false;

/** A loop that ends on SIGTERM at once, as a well-behaved service does (busybox sh as pid 1 ignores it otherwise). */
export const SERVE = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done'];

export interface TaskNeargate extends TestNeargate {
  client: ECSClient;
  /** Loads images built from the busybox fixture into the agent. */
  loadImages(specs: ImageSpec[]): Promise<string[]>;
}

let instance = 0;

/**
 * A neargate that runs real tasks, with its own names on the host (prefix, cgroup parent) and
 * VPC addresses in 10.200-249.x.x, so it keeps clear of others; busybox:latest is loaded. stop() stops its
 * tasks and removes all it made on the host.
 */
export async function startTaskNeargate(
  opts: Parameters<typeof startTestNeargate>[0] = {},
): Promise<TaskNeargate> {
  instance++;
  const tag = `t${(process.pid % 100).toString(36)}${instance.toString(36)}`.slice(0, 4);
  const ng = await startTestNeargate({
    hostPrefix: tag,
    cgroupParent: `/neargate-test-${tag}`,
    // neargate skips blocks the host routes already (another test server's bridges, say).
    defaultVpcCidrs: Array.from({ length: 50 }, (_, i) => `10.${200 + i}.0.0/16`),
    ...opts,
  });
  const client = ecsClient(ng);
  const loadImages = async (specs: ImageSpec[]) => {
    const dir = await mkdtemp(join(tmpdir(), 'neargate-images-'));
    try {
      const file = join(dir, 'images.tar');
      await writeImageArchive(file, specs, { format: 'docker' });
      return await ng.agent.images.load(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  await loadImages([{ references: ['busybox:latest'] }]);
  return {
    ...ng,
    client,
    loadImages,
    async stop() {
      await stopAllTasks(client).catch(() => {});
      await ng.agent.teardown().catch(() => {});
      await ng.stop();
    },
  };
}

/**
 * Ends a `bin/neargate up` a test spawned, and what it left on the host: its services and tasks
 * (while it still runs), then the server, then its host prefix's netns, bridges, nft table and
 * cgroups, and its data dir.
 */
export async function stopSpawnedNeargate(
  server: RunningNeargate | undefined,
  client: () => ECSClient,
  host: { dataDir: string; prefix: string; cgroupParent: string },
): Promise<void> {
  if (server && server.child.exitCode === null && server.child.signalCode === null) {
    await stopAllTasks(client()).catch(() => {});
    server.child.kill('SIGTERM');
    await server.exited;
  }
  const agent = await LocalAgent.start({
    root: join(host.dataDir, 'agent'),
    log: pino({ level: 'silent' }),
    prefix: host.prefix,
    cgroupParent: host.cgroupParent,
  });
  await agent.teardown();
  await agent.close();
  await rm(host.dataDir, { recursive: true, force: true });
}

/** Deletes every service and stops every task of every cluster, and waits until all are STOPPED. */
async function stopAllTasks(client: ECSClient) {
  const { clusterArns = [] } = await client.send(new ListClustersCommand({}));
  for (const cluster of clusterArns) {
    // Services first, or their scheduler would replace the tasks being stopped.
    const { serviceArns = [] } = await client.send(new ListServicesCommand({ cluster, maxResults: 100 }));
    for (const service of serviceArns)
      await client.send(new DeleteServiceCommand({ cluster, service, force: true }));
    const { taskArns = [] } = await client.send(new ListTasksCommand({ cluster }));
    await Promise.all(taskArns.map((task) => client.send(new StopTaskCommand({ cluster, task }))));
  }
  for (const cluster of clusterArns) await waitForClusterIdle(client, cluster);
}

/**
 * Waits until every task of the cluster is STOPPED (none running, none on its way down), so
 * that what they reserved of the host is free again: a test that deleted its services calls it
 * before the next test needs the capacity.
 */
export async function waitForClusterIdle(client: ECSClient, cluster?: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const running = await client.send(new ListTasksCommand({ cluster }));
    if (!running.taskArns?.length && (await allStopped(client, cluster))) return;
    if (Date.now() > deadline) throw new Error(`tasks of ${cluster ?? 'default'} did not stop`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Whether every task told to stop (every page of them) has reached STOPPED. */
async function allStopped(client: ECSClient, cluster: string | undefined): Promise<boolean> {
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new ListTasksCommand({ cluster, desiredStatus: 'STOPPED', maxResults: 100, nextToken }),
    );
    if (page.taskArns?.length) {
      const { tasks = [] } = await client.send(new DescribeTasksCommand({ cluster, tasks: page.taskArns }));
      if (tasks.some((t) => t.lastStatus !== 'STOPPED')) return false;
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return true;
}

let family = 0;

/** Registers a Fargate task definition of busybox containers; returns its ARN. */
export async function registerTask(
  client: ECSClient,
  containers: ContainerDefinition[],
  extra: Partial<RegisterTaskDefinitionCommandInput> = {},
): Promise<string> {
  const out = await client.send(
    new RegisterTaskDefinitionCommand({
      family: `test-${process.pid}-${++family}`,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      containerDefinitions: containers.map((c) => ({ image: 'busybox', ...c })),
      ...extra,
    }),
  );
  return out.taskDefinition!.taskDefinitionArn!;
}

export const SUBNET = 'subnet-0000000a';

/** Runs one task on Fargate in SUBNET and returns it as RunTask answered. */
export async function runTask(
  client: ECSClient,
  taskDefinition: string,
  extra: Partial<RunTaskCommandInput> = {},
) {
  const out = await client.send(
    new RunTaskCommand({
      taskDefinition,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: [SUBNET] } },
      ...extra,
    }),
  );
  if (!out.tasks?.[0]) {
    throw new Error(`RunTask started nothing: ${JSON.stringify(out.failures)}; ${await whatRuns(client)}`);
  }
  return out.tasks[0];
}

/** What holds the host's capacity: the tasks not yet STOPPED, counted by cluster, group and status. */
async function whatRuns(client: ECSClient): Promise<string> {
  const counts = new Map<string, number>();
  const { clusterArns = [] } = await client.send(new ListClustersCommand({}));
  for (const cluster of clusterArns) {
    for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
      const { taskArns = [] } = await client.send(
        new ListTasksCommand({ cluster, desiredStatus, maxResults: 100 }),
      );
      if (taskArns.length === 0) continue;
      const { tasks = [] } = await client.send(new DescribeTasksCommand({ cluster, tasks: taskArns }));
      for (const t of tasks.filter((x) => x.lastStatus !== 'STOPPED')) {
        const key = `${cluster.split('/').at(-1)} ${t.group} ${t.lastStatus}/${t.desiredStatus} cpu ${t.cpu}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
  }
  return [...counts].map(([k, n]) => `${n} × ${k}`).join(', ') || 'no tasks';
}

/** Describes a task by ARN, in the cluster its ARN names. */
export async function describeTask(client: ECSClient, taskArn: string): Promise<Task> {
  const cluster = taskArn.split('/').at(-2);
  const out = await client.send(
    new DescribeTasksCommand({ tasks: [taskArn], include: ['TAGS'], ...(cluster && { cluster }) }),
  );
  const t = out.tasks?.[0];
  if (!t) throw new Error(`no task ${taskArn}: ${JSON.stringify(out.failures)}`);
  return t;
}

/** Polls DescribeTasks until `done` holds, or fails after `timeoutMs` with the last task seen. */
export async function waitForTask(
  client: ECSClient,
  taskArn: string,
  done: (t: Task) => boolean,
  timeoutMs = 30_000,
): Promise<Task> {
  const deadline = Date.now() + timeoutMs;
  let last: Task | undefined;
  while (Date.now() < deadline) {
    last = await describeTask(client, taskArn);
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`task did not get there in ${timeoutMs} ms: ${JSON.stringify(last, null, 1)}`);
}

/**
 * Waits until each container's pid 1 in the task (all `containers` of them) handles or ignores
 * SIGTERM. RUNNING comes when the processes start, before a shell has run its `trap`, and the
 * kernel drops a SIGTERM that pid 1 has no handler for (under Docker too): a test that stops a
 * task at once and expects SERVE to exit 0 waits for this first.
 */
export async function untilTermTrapped(taskArn: string, containers: number, timeoutMs = 10_000) {
  const taskId = taskArn.split('/').at(-1)!;
  const deadline = Date.now() + timeoutMs;
  let trapped = 0;
  while (Date.now() < deadline) {
    trapped = 0;
    for (const pid of await readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const cgroup = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '');
      if (!cgroup.includes(`/${taskId}/`)) continue;
      const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
      const field = (name: string) => status.match(new RegExp(`^${name}:\\s*(.*)$`, 'm'))?.[1]?.trim() ?? '';
      if (field('NSpid').split(/\s+/).at(-1) !== '1') continue;
      const mask = (name: string) => BigInt(`0x${field(name) || 0}`);
      // Signal n is bit n - 1: SIGTERM (15) is bit 14.
      if (((mask('SigCgt') | mask('SigIgn')) >> 14n) & 1n) trapped++;
    }
    if (trapped >= containers) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${trapped} of ${containers} containers of ${taskId} trap SIGTERM after ${timeoutMs} ms`);
}

export const isRunning = (t: Task) => t.lastStatus === 'RUNNING';
export const isStopped = (t: Task) => t.lastStatus === 'STOPPED';

/** The task's private IPv4 address from its ENI attachment. */
export function taskIp(t: Task): string {
  const v = t.attachments?.[0]?.details?.find((d) => d.name === 'privateIPv4Address')?.value;
  if (!v) throw new Error('task has no ENI address');
  return v;
}
