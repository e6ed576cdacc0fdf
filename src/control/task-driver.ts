import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { AgentError, type ContainerSpec, type ContainerState, type HostAgent } from '../agent/host-agent.ts';
import type { Clock } from '../core/clock.ts';
import { type ContainerProgress, readiness, stopWaves } from '../core/ecs/container-order.ts';
import { effectiveContainers } from '../core/ecs/container-overrides.ts';
import type { ContainerDef } from '../core/ecs/task-definition.ts';
import { taskHealth } from '../core/ecs/task-health.ts';
import { StopCode, StopReason } from '../core/ecs/task-status.ts';
import type { Ids } from '../core/ids.ts';
import { epochSeconds } from '../core/wire.ts';
import { deleteLogCursors } from '../store/log-cursors.ts';
import { deleteNetworkInterfacesOfTask } from '../store/networks.ts';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { deleteTaskCredentials } from '../store/task-credentials.ts';
import { getTaskById, type ScopedTask, updateTask } from '../store/tasks.ts';
import { containerSpec, startTimeoutMs, stopTimeoutMs, taskSpec } from './container-launch.ts';
import { LogSetupError } from './log-shipper.ts';
import {
  resolveContainerSecrets,
  resolveRepositoryCredentials,
  SecretResolutionError,
  type SecretSources,
} from './resolve-container-secret.ts';
import { deregisterTaskTargets, registerTaskTargets, taskDrainEnd, taskTargets } from './service-targets.ts';
import { truncate, withContainer, withDoc, withStatus, withStop } from './task-changes.ts';

export interface DriverDeps {
  store: Store;
  agent: HostAgent;
  clock: Clock;
  log: Logger;
  /** Where containers' `secrets` and `repositoryCredentials` are read, at each start, never stored. */
  secrets: SecretSources;
  /** Told of every change saved, e.g. so the service scheduler sees its tasks move. */
  onTaskChange?: (t: ScopedTask) => void;
  /** Ships containers' awslogs output; the task's files are released only once it is all shipped. */
  logs?: TaskLogs;
  /** Ids for the service events of registering and deregistering targets. */
  ids: Ids;
  /** Told when a step registered or deregistered targets, so the load balancers learn at once. */
  onTargetsChange?: () => void;
}

/** What the task lifecycle needs of log shipping. */
export interface TaskLogs {
  /** Makes the log groups and streams of containers about to start; throws LogSetupError with ECS's reason. */
  prepare(t: ScopedTask, containers: readonly ContainerDef[]): Promise<void>;
  /** Ships everything the task's (ended) containers wrote. */
  drain(taskId: string): Promise<void>;
  forget(taskId: string): void;
}

/** The result of one step: the task to save (if it changed), and whether to stop driving for now. */
interface Step {
  next?: ScopedTask;
  /** Runs in the transaction that saves `next`. */
  alsoInTx?: (tx: Kysely<Database>) => Promise<void>;
  /** Whether alsoInTx registers or deregisters load balancer targets. */
  targets?: boolean;
  /** Nothing more to do until something happens, or until `wakeAt` (epoch ms). */
  idle?: { wakeAt?: number };
}

const MAX_STEPS = 64;

/**
 * Brings one task as far along its lifecycle as it can go now, one persisted step at a time:
 * toward RUNNING while it is wanted, toward STOPPED once it is not. Level-triggered: each step
 * reads the task and what the host observes afresh, so it is safe to run after any crash.
 * Returns when to look again (epoch ms), if a timeout needs it.
 */
export async function driveTask(d: DriverDeps, id: string): Promise<number | undefined> {
  for (let i = 0; i < MAX_STEPS; i++) {
    const t = await getTaskById(d.store.db, id);
    if (!t || t.lastStatus === 'STOPPED') return undefined;
    const began = performance.now();
    const step = t.desiredStatus === 'STOPPED' ? await stopStep(d, t) : await startStep(d, t);
    d.log.debug({ taskId: id, status: t.lastStatus, ms: Math.round(performance.now() - began) }, 'task step');
    if (step.next && step.next !== t) {
      const saved = await d.store.write(async (tx) => {
        const ok = await updateTask(tx, t.scope, step.next!);
        if (ok && step.alsoInTx) await step.alsoInTx(tx);
        return ok;
      });
      if (!saved) continue; // Someone (StopTask) changed it meanwhile: look again.
      if (step.targets) d.onTargetsChange?.();
      d.onTaskChange?.(step.next);
    }
    if (step.idle) return step.idle.wakeAt;
  }
  d.log.warn({ taskId: id }, 'task did not settle; looking again shortly');
  return d.clock.now() + 1000;
}

async function startStep(d: DriverDeps, t: ScopedTask): Promise<Step> {
  const now = d.clock.now();
  switch (t.lastStatus) {
    case 'PROVISIONING':
      try {
        const spec = taskSpec(t.scope, t.id, t.plan);
        const secrets = await secretEnvironments(d, t);
        await d.agent.prepareTask({
          ...spec,
          containers: spec.containers.map((c) => withSecrets(c, secrets)),
        });
        return { next: withStatus(t, 'PENDING', now) };
      } catch (err) {
        return {
          next: withStop(
            t,
            StopCode.TaskFailedToStart,
            failure(d, t, err, 'ResourceInitializationError'),
            now,
          ),
        };
      }
    case 'PENDING': {
      // Pulling and starting land in one write: every write is time a task waits to run.
      const pulled = await pullImages(d, t);
      if (pulled.desiredStatus === 'STOPPED') return { next: pulled };
      const step = await runContainers(d, pulled);
      return step.next || pulled === t ? step : { ...step, next: pulled };
    }
    case 'ACTIVATING':
      // A service task joins its target groups on its way to RUNNING, in the same write.
      return { next: withStatus(t, 'RUNNING', now), ...targetsStep(d, t, registerTaskTargets) };
    case 'RUNNING': {
      const observed = await observe(d, t);
      return observed === t ? { idle: {} } : { next: observed };
    }
    default:
      throw new RangeError(`task ${t.id} is ${t.lastStatus} while wanted RUNNING`);
  }
}

async function stopStep(d: DriverDeps, t: ScopedTask): Promise<Step> {
  const now = d.clock.now();
  switch (t.lastStatus) {
    case 'PROVISIONING':
      return { next: withStatus(t, 'DEPROVISIONING', now) };
    case 'PENDING':
    case 'ACTIVATING':
    case 'RUNNING':
      // Its targets leave their groups (draining) in the write that makes it DEACTIVATING.
      return { next: withStatus(t, 'DEACTIVATING', now), ...targetsStep(d, t, deregisterTaskTargets) };
    case 'DEACTIVATING': {
      // Its containers are signalled only once its connections drained (the deregistration
      // delay); a Spot interruption signals them at once, as Fargate does, while its targets drain.
      const drainEnd =
        t.doc.stopCode === StopCode.SpotInterruption ? undefined : await taskDrainEnd(d.store.db, t, now);
      if (drainEnd !== undefined) return { idle: { wakeAt: drainEnd } };
      return { next: withStatus(t, 'STOPPING', now) };
    }
    case 'STOPPING': {
      const defs = effectiveContainers(t.plan.taskDefinition, t.plan.overrides);
      for (const wave of stopWaves(defs)) {
        await Promise.all(
          wave.map((name) =>
            d.agent.stopContainer(t.id, name, {
              stopTimeoutMs: stopTimeoutMs(defs.find((c) => c.name === name)!),
            }),
          ),
        );
      }
      const observed = await observe(d, t, { final: true });
      return {
        next: withStatus(
          withDoc(observed, { executionStoppedAt: epochSeconds(d.clock.now()) }),
          'DEPROVISIONING',
          d.clock.now(),
        ),
      };
    }
    case 'DEPROVISIONING':
      // Every line the containers wrote is stored before their log files go with the task.
      await d.logs?.drain(t.id);
      await d.agent.releaseTask(t.id);
      d.logs?.forget(t.id);
      return {
        next: withStatus(t, 'STOPPED', now),
        // Its address goes back to the subnet, its log positions are forgotten, its role credentials stop working.
        alsoInTx: async (tx) => {
          await deleteNetworkInterfacesOfTask(tx, t.id);
          await deleteLogCursors(tx, t.id);
          await deleteTaskCredentials(tx, t.id);
        },
        idle: {},
      };
    default:
      throw new RangeError(`task ${t.id} is ${t.lastStatus} while wanted STOPPED`);
  }
}

/** The part of a step that registers or deregisters the task's targets, when it has some. */
function targetsStep(
  d: DriverDeps,
  t: ScopedTask,
  change: (tx: Kysely<Database>, t: ScopedTask, now: number, ids: Ids) => Promise<void>,
): Pick<Step, 'alsoInTx' | 'targets'> {
  if (taskTargets(t).length === 0) return {};
  return { alsoInTx: (tx) => change(tx, t, d.clock.now(), d.ids), targets: true };
}

/** Makes every image of the task available, stamping pullStartedAt, pullStoppedAt and imageDigest. */
async function pullImages(d: DriverDeps, t: ScopedTask): Promise<ScopedTask> {
  const pending = (t.doc.containers ?? []).filter((c) => c.imageDigest === undefined);
  if (pending.length === 0) return t;
  const startedAt = d.clock.now();
  const defs = effectiveContainers(t.plan.taskDefinition, t.plan.overrides);
  const results = await Promise.allSettled(
    pending.map(async (c) => {
      const parameter = defs.find((def) => def.name === c.name)?.repositoryCredentials?.credentialsParameter;
      const credentials = parameter
        ? await resolveRepositoryCredentials(d.secrets, t.scope, parameter)
        : undefined;
      return d.agent.pullImage(c.image!, { scope: t.scope, ...(credentials && { credentials }) });
    }),
  );
  let next = withDoc(t, {
    pullStartedAt: t.doc.pullStartedAt ?? epochSeconds(startedAt),
    pullStoppedAt: epochSeconds(d.clock.now()),
  });
  for (const [i, r] of results.entries()) {
    const name = pending[i]!.name!;
    if (r.status === 'fulfilled') {
      next = withContainer(next, name, { imageDigest: r.value.imageDigest });
    } else {
      const reason = failure(d, t, r.reason, 'CannotPullContainerError');
      next = withContainer(next, name, { lastStatus: 'STOPPED', reason: truncate(reason) });
      next = withStop(next, StopCode.TaskFailedToStart, reason, d.clock.now());
    }
  }
  return next;
}

/** Starts the containers whose dependencies are met; the task moves on once none is left waiting. */
async function runContainers(d: DriverDeps, t: ScopedTask): Promise<Step> {
  let next = await observe(d, t);
  if (next.desiredStatus === 'STOPPED') return { next };
  const now = d.clock.now();
  const defs = effectiveContainers(t.plan.taskDefinition, t.plan.overrides);
  const progress = progressOf(next, defs);
  const waitingSince = (t.doc.pullStoppedAt ?? epochSeconds(now)) * 1000;
  const toStart: ContainerDef[] = [];
  let wakeAt: number | undefined;
  for (const c of defs) {
    if (docOf(next, c.name!)?.lastStatus !== 'PENDING') continue;
    const r = readiness(c, progress);
    const timedOut = r.state === 'wait' && now - waitingSince >= startTimeoutMs(c);
    if (r.state === 'ready') toStart.push(c);
    else if (r.state === 'never' || timedOut) {
      const why =
        r.state === 'never'
          ? r.reason
          : `timed out after ${startTimeoutMs(c) / 1000} s waiting for its dependencies (startTimeout)`;
      const reason = `DependencyError: container ${c.name} cannot start: ${why}`;
      next = withContainer(next, c.name!, { lastStatus: 'STOPPED', reason: truncate(reason) });
      if (c.essential !== false) next = withStop(next, StopCode.TaskFailedToStart, reason, now);
    } else {
      const at = waitingSince + startTimeoutMs(c);
      wakeAt = wakeAt === undefined ? at : Math.min(wakeAt, at);
    }
  }
  if (next.desiredStatus === 'STOPPED') return { next };
  let secrets: Map<string, Record<string, string>>;
  try {
    secrets = await secretEnvironments(d, t, toStart);
    await d.logs?.prepare(t, toStart);
  } catch (err) {
    const reason = failure(d, t, err, 'ResourceInitializationError');
    return { next: withStop(next, StopCode.TaskFailedToStart, reason, now) };
  }
  const started = await Promise.allSettled(
    toStart.map((c) =>
      d.agent.startContainer({
        ...withSecrets(containerSpec(t.scope, t.id, c, t.plan), secrets),
        ...pulledDigest(t, c.name!),
      }),
    ),
  );
  for (const [i, r] of started.entries()) {
    const c = toStart[i]!;
    if (r.status === 'fulfilled') {
      next = withContainer(next, c.name!, { lastStatus: 'RUNNING', runtimeId: r.value.runtimeId });
    } else {
      const reason = failure(d, t, r.reason, 'CannotStartContainerError');
      next = withContainer(next, c.name!, { lastStatus: 'STOPPED', reason: truncate(reason) });
      if (c.essential !== false) next = withStop(next, StopCode.TaskFailedToStart, reason, d.clock.now());
    }
  }
  const allStarted = (next.doc.containers ?? []).every((c) => c.lastStatus !== 'PENDING');
  if (next.desiredStatus === 'RUNNING' && allStarted) {
    const activating = withStatus(next, 'ACTIVATING', d.clock.now());
    // A task with load balancers registers its targets while ACTIVATING (the next step); others
    // have nothing to do there and go on to RUNNING in the same write.
    return {
      next: taskTargets(t).length > 0 ? activating : withStatus(activating, 'RUNNING', d.clock.now()),
    };
  }
  if (toStart.length > 0) return { next }; // Others may be ready now: look again.
  return next === t ? { idle: wakeAt === undefined ? {} : { wakeAt } } : { next };
}

/**
 * Reads the host's view of the task's started containers into the task: exits (with their
 * codes, and OutOfMemoryError for OOM kills), health, and the task's health. An essential
 * container that exited stops the task. `final` records exits of containers just stopped.
 */
async function observe(d: DriverDeps, t: ScopedTask, opts: { final?: boolean } = {}): Promise<ScopedTask> {
  const defs = effectiveContainers(t.plan.taskDefinition, t.plan.overrides);
  const started = (t.doc.containers ?? []).filter(
    (c) => c.runtimeId !== undefined && (c.lastStatus === 'RUNNING' || opts.final),
  );
  const states = await Promise.all(started.map((c) => d.agent.containerState(t.id, c.name!)));
  let next = t;
  for (const [i, c] of started.entries()) {
    const s: ContainerState = states[i]!;
    const def = defs.find((x) => x.name === c.name)!;
    if (s.status === 'stopped' || s.status === 'missing') {
      if (c.lastStatus === 'STOPPED') continue;
      next = withContainer(next, c.name!, {
        lastStatus: 'STOPPED',
        ...(s.exitCode !== null && { exitCode: s.exitCode }),
        ...(s.oomKilled && { reason: StopReason.outOfMemory }),
        ...(s.status === 'missing' &&
          s.exitCode === null && { reason: 'The container is gone from its host' }),
      });
      if (def.essential !== false && !opts.final) {
        next = withStop(next, StopCode.EssentialContainerExited, StopReason.essentialExited, d.clock.now());
      }
    } else if (def.healthCheck && s.health !== c.healthStatus) {
      next = withContainer(next, c.name!, { healthStatus: s.health });
    }
  }
  if (opts.final) {
    for (const c of next.doc.containers ?? []) {
      if (c.lastStatus === 'PENDING') next = withContainer(next, c.name!, { lastStatus: 'STOPPED' });
    }
  }
  const health = taskHealth(
    defs.map((c) => ({
      essential: c.essential !== false,
      hasHealthCheck: c.healthCheck !== undefined && c.healthCheck.command?.[0] !== 'NONE',
      health: (docOf(next, c.name!)?.healthStatus ?? 'UNKNOWN') as 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN',
    })),
  );
  if (health !== next.doc.healthStatus) next = withDoc(next, { healthStatus: health });
  return next;
}

function progressOf(t: ScopedTask, defs: readonly ContainerDef[]): Map<string, ContainerProgress> {
  return new Map(
    defs.map((c) => {
      const doc = docOf(t, c.name!);
      const exited = doc?.lastStatus === 'STOPPED';
      return [
        c.name!,
        {
          name: c.name!,
          started: doc?.runtimeId !== undefined,
          exited,
          exitCode: doc?.exitCode,
          health: (doc?.healthStatus ?? 'UNKNOWN') as ContainerProgress['health'],
        },
      ];
    }),
  );
}

const docOf = (t: ScopedTask, name: string) => t.doc.containers?.find((c) => c.name === name);

/** A failure as the user reads it; anything unexpected is logged and worded generically. */
function failure(d: DriverDeps, t: ScopedTask, err: unknown, code: AgentError['code']): string {
  if (err instanceof AgentError) return err.reason;
  if (err instanceof SecretResolutionError) return err.reason;
  if (err instanceof LogSetupError) return err.reason;
  d.log.error({ err, taskId: t.id }, 'task step failed');
  return `${code}: ${(err as Error)?.message ?? String(err)}`;
}

/** The digest a container's image was pulled at, so that it starts from that very image. */
function pulledDigest(t: ScopedTask, name: string): { imageDigest?: string } {
  const digest = t.doc.containers?.find((c) => c.name === name)?.imageDigest;
  return digest === undefined ? {} : { imageDigest: digest };
}

/**
 * The values of each container's `secrets`, by container name, read afresh for every start (as
 * the agent reads them at each task start) and never stored: only the container's environment
 * holds them. Throws SecretResolutionError, in ECS's words, when one cannot be read.
 */
async function secretEnvironments(
  d: DriverDeps,
  t: ScopedTask,
  only?: readonly ContainerDef[],
): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  for (const c of only ?? effectiveContainers(t.plan.taskDefinition, t.plan.overrides)) {
    if (c.secrets?.length) out.set(c.name!, await resolveContainerSecrets(d.secrets, t.scope, c.secrets));
  }
  return out;
}

function withSecrets(c: ContainerSpec, secrets: Map<string, Record<string, string>>): ContainerSpec {
  const values = secrets.get(c.name);
  return values ? { ...c, environment: { ...c.environment, ...values } } : c;
}
