import type { ScopedTask } from '../store/tasks.ts';
import { type TaskTargetHealth, taskTargets } from './service-targets.ts';

const PENDING = new Set(['PROVISIONING', 'PENDING', 'ACTIVATING']);

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
  if (PENDING.has(t.lastStatus)) return 'pending';
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
