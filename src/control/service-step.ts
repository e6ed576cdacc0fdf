import type { Kysely } from 'kysely';
import { assignProviders } from '../core/ecs/capacity-placement.ts';
import { serviceArn } from '../core/ecs/ecs-arn.ts';
import {
  circuitBreakerThreshold,
  type DeploymentTasks,
  planRollingStep,
} from '../core/ecs/rolling-update.ts';
import {
  EVENT_REPEAT_MS,
  failedHealthChecks,
  rolloutReason,
  schedulerStopReason,
  serviceEvent,
} from '../core/ecs/service-events.ts';
import { throttleWaitMs } from '../core/ecs/service-throttle.ts';
import type { TaskDefinition } from '../core/ecs/task-definition.ts';
import { PENDING_STATES, StopCode } from '../core/ecs/task-status.ts';
import { epochSeconds } from '../core/wire.ts';
import { getSubnet } from '../store/networks.ts';
import type { Database, SubnetRow } from '../store/schema.ts';
import { addServiceEvent } from '../store/service-events.ts';
import {
  type DeploymentRecord,
  deploymentsOf,
  getService,
  putDeployment,
  type ServiceRecord,
  updateService,
} from '../store/services.ts';
import { getTags, type Tag } from '../store/tags.ts';
import { getTaskDefinition } from '../store/task-definitions.ts';
import { getTasks, type ScopedTask, taskKeysOfService, updateTask } from '../store/tasks.ts';
import { resolveSubnet } from './eni-allocation.ts';
import { classify, graceEnds, healthFailures, healthyAt, wasHealthy } from './service-health.ts';
import { type TaskTargetHealth, taskTargetHealthReader, taskTargets } from './service-targets.ts';
import type { TargetHealthReport } from './target-health.ts';
import { type LaunchContext, launchTasks, NO_CAPACITY } from './task-launcher.ts';

export interface SchedulingPolicy {
  /** A task without health checks counts as healthy after this long RUNNING (ECS: 40 s). */
  healthyAfterRunningMs: number;
  /** The first wait after tasks fail to start twice in a row; it doubles up to throttleMaxMs. */
  throttleBaseMs: number;
  throttleMaxMs: number;
}

/** What one look at a service did, for the caller to act on after the transaction. */
export interface ServiceStepResult {
  /** Tasks started or asked to stop: the task reconciler drives them. */
  tasks: string[];
  /** When to look again (epoch ms), for a timeout that no event will announce. */
  wakeAt: number | undefined;
  /** Whether the service changed, so another look may find more to do. */
  changed: boolean;
}

/**
 * A look sees the tasks that stopped since the service's counting mark, less this margin for
 * writes in flight; the mark moves on every half margin, so each stopped task is seen by a few
 * looks and counted by the first (deployments keep the ids they counted).
 */
const COUNT_MARGIN_MS = 60_000;
const COUNTED_KEPT = 500;

/**
 * One look of the service scheduler at one service, in one transaction: count failed tasks,
 * trip the circuit breaker (and roll back), replace unhealthy tasks, take one step of the
 * rolling update (start and stop tasks within minimumHealthyPercent and maximumPercent),
 * retire drained deployments, and report completion and steady state with ECS's events.
 */
export async function serviceStep(
  tx: Kysely<Database>,
  lc: LaunchContext,
  policy: SchedulingPolicy,
  key: { cluster: string; name: string },
  targetHealth?: TargetHealthReport,
): Promise<ServiceStepResult> {
  const now = lc.now;
  const found = await getService(tx, lc.scope, key.cluster, key.name);
  if (!found || found.status === 'INACTIVE') return { tasks: [], wakeAt: undefined, changed: false };
  let svc: ServiceRecord = found;
  const name = svc.name;
  const events: string[] = [];
  const touched: string[] = [];
  let deployments = await deploymentsOf(tx, lc.scope, svc.cluster, name);
  const countedThrough = svc.state.countedThrough ?? svc.createdAt;
  // Only the tasks the look works with are read in full: those wanted RUNNING, and those stopped
  // or told to stop that their deployment has not counted yet. Of the others it needs no more.
  const keys = await taskKeysOfService(tx, lc.scope, svc.cluster, name, countedThrough - COUNT_MARGIN_MS);
  const counted = new Map(deployments.map((d) => [d.id, new Set(d.doc.countedTasks)]));
  const toRead = keys.filter((k) =>
    k.lastStatus !== 'STOPPED' && k.desiredStatus === 'RUNNING'
      ? true
      : k.startedBy !== undefined && counted.get(k.startedBy)?.has(k.id) === false,
  );
  const read = await getTasks(
    tx,
    lc.scope,
    toRead.map((k) => k.id),
  );
  const live = read.filter((t) => t.lastStatus !== 'STOPPED' && t.desiredStatus === 'RUNNING');
  // A task's failure is known once it is told to stop, so it counts from then on, not once it is
  // STOPPED: the throttle and the breaker then act before its replacement is launched.
  const ended = read.filter((t) => t.lastStatus === 'STOPPED' || t.desiredStatus === 'STOPPED');
  // Tasks told to stop that are still RUNNING or on their way up count toward maximumPercent.
  const stoppingUp = keys.filter(
    (k) => k.desiredStatus === 'STOPPED' && (k.lastStatus === 'RUNNING' || PENDING_STATES.has(k.lastStatus)),
  ).length;
  const dirty = new Set<DeploymentRecord>();
  const state = { ...svc.state };
  const desired = svc.status === 'DRAINING' ? 0 : svc.config.desiredCount;

  // 1. Count the failures of tasks that stopped or are stopping, once each.
  let failedToStart = 0;
  for (const d of deployments) {
    for (const t of ended) {
      if (t.startedBy !== d.id || d.doc.countedTasks.includes(t.id)) continue;
      d.doc.countedTasks = [...d.doc.countedTasks, t.id].slice(-COUNTED_KEPT);
      dirty.add(d);
      const unhealthy = failedHealthChecks(t.doc.stoppedReason);
      const failed =
        unhealthy ||
        ((t.doc.stopCode === StopCode.TaskFailedToStart ||
          t.doc.stopCode === StopCode.EssentialContainerExited) &&
          !wasHealthy(t, policy.healthyAfterRunningMs));
      if (failed) d.doc.failedTasks++;
      if (failed && t.doc.startedAt === undefined) failedToStart++;
    }
  }

  // 2. The throttle: tasks that keep failing to start wait longer and longer to be replaced.
  // What ELB says of the targets of running tasks behind load balancers.
  const elb = new Map<string, TaskTargetHealth[]>();
  const readElb = taskTargetHealthReader(tx, targetHealth);
  for (const t of live) {
    if (t.lastStatus === 'RUNNING' && taskTargets(t).length > 0) elb.set(t.id, await readElb(t));
  }
  const classes = new Map(
    live.map((t) => [t.id, classify(t, now, policy.healthyAfterRunningMs, elb.get(t.id))]),
  );
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  const primaryHealthy = live.some((t) => t.startedBy === primary?.id && classes.get(t.id) === 'healthy');
  if (failedToStart > 0) {
    state.consecutiveFailures += failedToStart;
    const wait = throttleWaitMs(state.consecutiveFailures, {
      baseMs: policy.throttleBaseMs,
      maxMs: policy.throttleMaxMs,
    });
    if (wait !== undefined) {
      state.throttledUntil = now + wait;
      if (state.unableSaidAt === undefined || now - state.unableSaidAt >= EVENT_REPEAT_MS) {
        events.push(serviceEvent.unableToStart(name));
        state.unableSaidAt = now;
      }
    }
  } else if (primaryHealthy && state.consecutiveFailures > 0) {
    state.consecutiveFailures = 0;
    delete state.throttledUntil;
  }
  // A healthy task resets the deployment's failure count, as ECS's breaker does.
  if (
    primary &&
    primaryHealthy &&
    primary.doc.failedTasks > 0 &&
    primary.doc.rolloutState === 'IN_PROGRESS'
  ) {
    primary.doc.failedTasks = 0;
    dirty.add(primary);
  }

  // 3. The circuit breaker.
  const breaker = svc.config.deploymentConfiguration.deploymentCircuitBreaker;
  if (
    primary &&
    breaker.enable &&
    primary.doc.rolloutState === 'IN_PROGRESS' &&
    primary.doc.failedTasks >= circuitBreakerThreshold(desired)
  ) {
    primary.doc.rolloutState = 'FAILED';
    primary.doc.rolloutStateReason = rolloutReason.failed;
    primary.doc.finishedAt = now;
    dirty.add(primary);
    events.push(serviceEvent.deploymentFailed(name, primary.id));
    const target = breaker.rollback ? await rollbackTarget(tx, svc, primary) : undefined;
    if (target) {
      const td = await taskDefinitionOf(tx, svc, target.doc.taskDefinition);
      primary.status = 'ACTIVE';
      primary.doc.deploymentStatus = 'ROLLBACK_IN_PROGRESS';
      primary.doc.statusReason = rolloutReason.failed;
      primary.doc.rollback = {
        reason: rolloutReason.failed,
        startedAt: now,
        serviceRevisionArn: target.doc.serviceRevisionArn,
      };
      target.status = 'PRIMARY';
      target.doc.rolloutState = 'IN_PROGRESS';
      target.doc.rolloutStateReason = rolloutReason.rollingBack(target.id);
      target.doc.failedTasks = 0;
      dirty.add(target);
      events.push(serviceEvent.rollingBack(name, target.id));
      svc = {
        ...svc,
        config: {
          ...svc.config,
          taskDefinition: td?.taskDefinitionArn ?? target.doc.taskDefinition,
          networkConfiguration: target.doc.networkConfiguration,
        },
      };
      deployments = [target, ...deployments.filter((d) => d.id !== target.id)];
    } else {
      primary.doc.deploymentStatus = 'STOPPED';
      primary.doc.statusReason = rolloutReason.failed;
    }
  }

  // 4. Replace tasks whose health checks fail (the container's, or ELB's), once their grace period is over.
  const graceMs = (svc.config.healthCheckGracePeriodSeconds ?? 0) * 1000;
  const failures = healthFailures(name, live, elb, now, graceMs);
  const unhealthyStops = failures.map((f) => f.task);
  events.push(...failures.map((f) => f.event));

  // 5. One step of the rolling update.
  const current = deployments.find((d) => d.status === 'PRIMARY');
  const inPlan = live.filter((t) => !unhealthyStops.includes(t));
  const view = (d: DeploymentRecord): DeploymentTasks => {
    const mine = inPlan.filter((t) => t.startedBy === d.id);
    return {
      id: d.id,
      primary: d === current,
      pending: mine
        .filter((t) => classes.get(t.id) === 'pending')
        .map((t) => t.id)
        .reverse(),
      healthy: mine.filter((t) => classes.get(t.id) === 'healthy').map((t) => t.id),
      unhealthy: mine.filter((t) => classes.get(t.id) === 'unhealthy').map((t) => t.id),
    };
  };
  const orphans = inPlan.filter((t) => !deployments.some((d) => d.id === t.startedBy));
  const plan = planRollingStep(
    {
      desiredCount: desired,
      minimumHealthyPercent: svc.config.deploymentConfiguration.minimumHealthyPercent,
      maximumPercent: svc.config.deploymentConfiguration.maximumPercent,
      stoppingUp: unhealthyStops.length + stoppingUp,
    },
    [
      ...deployments.map(view),
      // Tasks of a deployment the store no longer has (a crash between writes): stop them.
      ...(orphans.length
        ? [{ id: 'orphans', primary: false, pending: orphans.map((t) => t.id), healthy: [], unhealthy: [] }]
        : []),
    ],
  );
  const throttled = state.throttledUntil !== undefined && now < state.throttledUntil;
  const canLaunch = current !== undefined && current.doc.rolloutState !== 'FAILED' && !throttled;

  const toStop: { task: ScopedTask; reason: string }[] = failures.map(({ task, reason }) => ({
    task,
    reason,
  }));
  for (const s of plan.stop) {
    const task = live.find((t) => t.id === s.taskId)!;
    toStop.push({ task, reason: schedulerStopReason.scaling(current?.id ?? s.deployment) });
  }
  for (const { task, reason } of toStop) {
    const saved = await updateTask(tx, lc.scope, {
      ...task,
      desiredStatus: 'STOPPED',
      doc: {
        ...task.doc,
        desiredStatus: 'STOPPED',
        stopCode: StopCode.ServiceSchedulerInitiated,
        stoppedReason: reason,
        stoppingAt: task.doc.stoppingAt ?? epochSeconds(now),
      },
    });
    if (saved) touched.push(task.id);
  }
  if (toStop.length > 0)
    events.push(
      serviceEvent.stopped(
        name,
        toStop.map((s) => s.task.id),
      ),
    );

  if (canLaunch && plan.start > 0) {
    const started = await startTasks(tx, lc, svc, current, plan.start, live);
    touched.push(...started.ids);
    if (started.ids.length > 0) events.push(serviceEvent.started(name, started.ids, unhealthyStops.length));
    if (started.noCapacity) events.push(serviceEvent.unableToPlace(name, NO_CAPACITY));
  }

  // 6. Retire drained deployments; report completion and steady state.
  const remaining = (d: DeploymentRecord) =>
    live.filter((t) => t.startedBy === d.id && !toStop.some((s) => s.task.id === t.id)).length;
  for (const d of deployments) {
    if (d.status === 'ACTIVE' && remaining(d) === 0) {
      d.status = 'INACTIVE';
      dirty.add(d);
    }
  }
  const lively = deployments.filter((d) => d.status !== 'INACTIVE');
  const runningHealthy = current ? view(current).healthy.length : 0;
  const settled =
    current !== undefined &&
    lively.length === 1 &&
    plan.start === 0 &&
    toStop.length === 0 &&
    runningHealthy === desired &&
    remaining(current) === desired;
  if (settled && current.doc.rolloutState === 'IN_PROGRESS') {
    current.doc.rolloutState = 'COMPLETED';
    current.doc.rolloutStateReason = rolloutReason.completed(current.id);
    current.doc.deploymentStatus = 'SUCCESSFUL';
    current.doc.finishedAt = now;
    dirty.add(current);
    events.push(serviceEvent.deploymentCompleted(name, current.id));
    // The deployment it rolled back from is now rolled back. It may be one this look changed
    // (failed, or retired): that copy is the one written at the end, so it is the one to mark.
    for (const stored of await deploymentsOf(tx, lc.scope, svc.cluster, name, { includeInactive: true })) {
      const d = deployments.find((x) => x.id === stored.id) ?? stored;
      if (d.doc.deploymentStatus === 'ROLLBACK_IN_PROGRESS') {
        d.doc.deploymentStatus = 'ROLLBACK_SUCCESSFUL';
        d.doc.finishedAt = now;
        dirty.add(d);
      }
    }
  }
  const running = live.filter(
    (t) => t.lastStatus === 'RUNNING' && !toStop.some((s) => s.task.id === t.id),
  ).length;
  const steady =
    current !== undefined &&
    current.doc.rolloutState !== 'IN_PROGRESS' &&
    lively.length === 1 &&
    running === desired &&
    plan.start === 0 &&
    toStop.length === 0;
  if (steady && svc.status === 'ACTIVE') {
    if (state.steadySince === undefined || now - state.steadySince >= EVENT_REPEAT_MS) {
      events.push(serviceEvent.steady(name));
      state.steadySince = now;
    }
  } else if (!steady) {
    delete state.steadySince;
  }

  // 7. A service being deleted goes INACTIVE once its last task is on its way out.
  let status = svc.status;
  if (svc.status === 'DRAINING' && live.every((t) => toStop.some((s) => s.task.id === t.id))) {
    status = 'INACTIVE';
    for (const d of deployments) {
      d.status = 'INACTIVE';
      dirty.add(d);
    }
  }

  for (const d of dirty) await putDeployment(tx, { ...d, updatedAt: now });
  for (const [i, message] of events.entries()) {
    // One millisecond apart, so they sort in the order they happened.
    await addServiceEvent(tx, {
      id: lc.ids.uuid(),
      scope: lc.scope,
      cluster: svc.cluster,
      service: name,
      message,
      createdAt: now + i,
    });
  }
  const changed =
    dirty.size > 0 ||
    events.length > 0 ||
    touched.length > 0 ||
    status !== svc.status ||
    JSON.stringify(state) !== JSON.stringify(svc.state);
  // Moving the counting mark is bookkeeping, not a change that calls for another look.
  const markDue = now - countedThrough >= COUNT_MARGIN_MS / 2;
  if (markDue) state.countedThrough = now;
  if (changed || markDue || svc.config !== found.config) {
    const saved = await updateService(tx, { ...svc, status, state, updatedAt: now });
    if (!saved) throw new ServiceConflict();
  }
  const wakeAt = [
    ...(throttled ? [state.throttledUntil!] : []),
    ...live
      .map((t) => healthyAt(t, policy.healthyAfterRunningMs))
      .filter((x): x is number => x !== undefined && x > now),
    ...graceEnds(live, elb, now, graceMs),
  ].reduce<number | undefined>((a, b) => (a === undefined || b < a ? b : a), undefined);
  return { tasks: touched, wakeAt, changed };
}

/** Someone else wrote the service meanwhile (an UpdateService): the step is retried. */
export class ServiceConflict extends Error {
  override readonly name = 'ServiceConflict';
}

/** The most recent deployment that had COMPLETED, other than the failed one: what ECS rolls back to. */
async function rollbackTarget(tx: Kysely<Database>, svc: ServiceRecord, failed: DeploymentRecord) {
  const every = await deploymentsOf(tx, svc.scope, svc.cluster, svc.name, { includeInactive: true });
  return every.find((d) => d.id !== failed.id && d.doc.rolloutState === 'COMPLETED');
}

async function taskDefinitionOf(
  tx: Kysely<Database>,
  svc: ServiceRecord,
  arn: string,
): Promise<TaskDefinition | undefined> {
  const m = /task-definition\/([^:]+):(\d+)$/.exec(arn);
  if (!m) return undefined;
  return (await getTaskDefinition<TaskDefinition>(tx, svc.scope, m[1]!, Number(m[2])))?.doc;
}

/**
 * Starts tasks of the primary deployment, spread over the service's subnets (the ones with
 * fewest of its tasks first, as Fargate spreads across availability zones) and placed on
 * capacity providers by the strategy's base and weight, counting the tasks already running.
 */
async function startTasks(
  tx: Kysely<Database>,
  lc: LaunchContext,
  svc: ServiceRecord,
  deployment: DeploymentRecord,
  count: number,
  live: readonly ScopedTask[],
): Promise<{ ids: string[]; noCapacity: boolean }> {
  const td = await taskDefinitionOf(tx, svc, deployment.doc.taskDefinition);
  if (!td) return { ids: [], noCapacity: false };
  const net = deployment.doc.networkConfiguration.awsvpcConfiguration!;
  const subnets: SubnetRow[] = [];
  for (const id of net.subnets ?? [])
    subnets.push((await getSubnet(tx, id)) ?? (await resolveSubnet(tx, lc, id)));
  const perSubnet = (s: SubnetRow) => live.filter((t) => t.plan.network.subnetId === s.subnet_id).length;
  const order = [...subnets].sort((a, b) => perSubnet(a) - perSubnet(b));
  const strategy = deployment.doc.capacityProviderStrategy;
  const running: Record<string, number> = {};
  for (const t of live.filter((x) => x.startedBy === deployment.id)) {
    running[t.plan.capacityProvider] = (running[t.plan.capacityProvider] ?? 0) + 1;
  }
  const providers = strategy
    ? assignProviders(strategy, count, running)
    : Array<string>(count).fill('FARGATE');
  const arn = serviceArn(lc.scope, svc.cluster, svc.name);
  const tags: Tag[] = [
    ...(svc.config.propagateTags === 'SERVICE' ? await getTags(tx, arn) : []),
    ...(svc.config.propagateTags === 'TASK_DEFINITION' ? await getTags(tx, td.taskDefinitionArn!) : []),
    ...(svc.config.enableECSManagedTags
      ? [
          { key: 'aws:ecs:clusterName', value: svc.cluster },
          { key: 'aws:ecs:serviceName', value: svc.name },
        ]
      : []),
  ];
  const { records, failures } = await launchTasks(tx, lc, {
    cluster: svc.cluster,
    taskDefinition: td,
    overrides: {},
    cpuUnits: Number(td.cpu),
    memoryMiB: Number(td.memory),
    providers,
    viaStrategy: strategy !== undefined,
    subnets: order,
    securityGroups: net.securityGroups ?? [],
    assignPublicIp: net.assignPublicIp === 'ENABLED',
    startedBy: deployment.id,
    group: `service:${svc.name}`,
    serviceName: svc.name,
    ...(deployment.doc.loadBalancers && { loadBalancers: deployment.doc.loadBalancers }),
    tags,
  });
  return { ids: records.map((r) => r.id), noCapacity: failures.some((f) => f.reason === NO_CAPACITY) };
}
