import { schedulerStopReason, serviceEvent } from '../core/ecs/service-events.ts';
import { PENDING_STATES } from '../core/ecs/task-status.ts';
import type { ScopedTask } from '../store/tasks.ts';
import { type TaskTargetHealth, taskTargets } from './service-targets.ts';

export type TaskHealthClass = 'pending' | 'healthy' | 'unhealthy';

/** Whether any essential container of the task has a health check (then health decides). */
export function hasHealthChecks(t: ScopedTask): boolean {
  return (t.plan.taskDefinition.containerDefinitions ?? []).some(
    (c) => c.essential !== false && c.healthCheck !== undefined && c.healthCheck.command?.[0] !== 'NONE',
  );
}

/**
 * How the scheduler counts a live task, as ECS documents it: behind load balancers, healthy once
 * every one of its targets is healthy in ELB (and its container health checks pass, if any);
 * otherwise healthy once its essential containers' health checks pass, or, without health
 * checks, once it has been RUNNING for `healthyAfterRunningMs` (ECS: 40 seconds).
 */
export function classify(
  t: ScopedTask,
  now: number,
  healthyAfterRunningMs: number,
  elb: readonly TaskTargetHealth[] = [],
): TaskHealthClass {
  if (PENDING_STATES.has(t.lastStatus)) return 'pending';
  if (taskTargets(t).length > 0) {
    const inElb = elb.length > 0 && elb.every((x) => x.health.State === 'healthy');
    const containers = !hasHealthChecks(t) || t.doc.healthStatus === 'HEALTHY';
    return inElb && containers ? 'healthy' : 'unhealthy';
  }
  if (hasHealthChecks(t)) return t.doc.healthStatus === 'HEALTHY' ? 'healthy' : 'unhealthy';
  const startedAt = (t.doc.startedAt ?? Number.POSITIVE_INFINITY) * 1000;
  return now - startedAt >= healthyAfterRunningMs ? 'healthy' : 'unhealthy';
}

/** When a RUNNING task without health checks or targets will count as healthy, if it does not yet. */
export function healthyAt(t: ScopedTask, healthyAfterRunningMs: number): number | undefined {
  if (t.lastStatus !== 'RUNNING' || hasHealthChecks(t) || t.doc.startedAt === undefined) return undefined;
  if (taskTargets(t).length > 0) return undefined; // ELB's health changes wake the scheduler
  return t.doc.startedAt * 1000 + healthyAfterRunningMs;
}

/** Whether a task that stopped had been healthy before: a task that never was counts as a failure. */
export function wasHealthy(t: ScopedTask, healthyAfterRunningMs: number): boolean {
  if (t.doc.startedAt === undefined) return false;
  if (hasHealthChecks(t)) return t.doc.healthStatus === 'HEALTHY';
  const end = (t.doc.executionStoppedAt ?? t.doc.stoppingAt ?? t.doc.stoppedAt ?? 0) * 1000;
  return end - t.doc.startedAt * 1000 >= healthyAfterRunningMs;
}

/** A running task to replace: its health checks fail past its grace period. */
export interface HealthFailure {
  readonly task: ScopedTask;
  /** Its stoppedReason, as ECS words it. */
  readonly reason: string;
  /** The service event that says why. */
  readonly event: string;
}

/** Whether a task fails its health checks: its container's, or ELB's of one of its targets. */
function failing(t: ScopedTask, elb: ReadonlyMap<string, readonly TaskTargetHealth[]>) {
  if (t.lastStatus !== 'RUNNING') return undefined;
  if (t.doc.healthStatus === 'UNHEALTHY') return { container: true as const };
  const target = elb.get(t.id)?.find((x) => x.health.State === 'unhealthy');
  return target && { container: false as const, target };
}

/**
 * The tasks to replace for failing health checks once `graceMs` from their start is over
 * (healthCheckGracePeriodSeconds), with ECS's reasons and events.
 */
export function healthFailures(
  service: string,
  live: readonly ScopedTask[],
  elb: ReadonlyMap<string, readonly TaskTargetHealth[]>,
  now: number,
  graceMs: number,
): HealthFailure[] {
  const out: HealthFailure[] = [];
  for (const task of live) {
    const f = failing(task, elb);
    if (!f || now - (task.doc.startedAt ?? 0) * 1000 < graceMs) continue;
    if (f.container) {
      out.push({
        task,
        reason: schedulerStopReason.unhealthy,
        event: serviceEvent.failedHealthChecks(service, task.id),
      });
      continue;
    }
    const { targetGroupArn, port, health } = f.target;
    out.push({
      task,
      reason: schedulerStopReason.elbUnhealthy(targetGroupArn),
      event: serviceEvent.unhealthyTarget(
        service,
        task.id,
        port,
        targetGroupArn,
        health.Description ?? 'Health checks failed',
      ),
    });
  }
  return out;
}

/** When the grace periods of failing tasks end (epoch ms, after `now`): the scheduler looks again then. */
export function graceEnds(
  live: readonly ScopedTask[],
  elb: ReadonlyMap<string, readonly TaskTargetHealth[]>,
  now: number,
  graceMs: number,
): number[] {
  return live
    .filter((t) => failing(t, elb) !== undefined)
    .map((t) => (t.doc.startedAt ?? 0) * 1000 + graceMs)
    .filter((x) => x > now);
}
