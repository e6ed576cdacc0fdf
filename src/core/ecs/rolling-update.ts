/** What the scheduler sees of one deployment's tasks. */
export interface DeploymentTasks {
  id: string;
  primary: boolean;
  /** Tasks on their way up (PROVISIONING to ACTIVATING), newest first. */
  pending: readonly string[];
  /** RUNNING tasks that are healthy (or have no health checks, or are within their grace period). */
  healthy: readonly string[];
  /** RUNNING tasks not healthy yet, or unhealthy. */
  unhealthy: readonly string[];
}

export interface RollingLimits {
  desiredCount: number;
  /** @default 100 */
  minimumHealthyPercent: number;
  /** @default 200 */
  maximumPercent: number;
  /**
   * Tasks already told to stop that are still RUNNING or on their way up: until they leave
   * those states they count toward maximumPercent, as ECS counts them. @default 0
   */
  stoppingUp?: number;
}

export interface RollingPlan {
  /** How many tasks to start for the primary deployment. */
  start: number;
  /** Tasks to stop, with the deployment they belong to. */
  stop: { taskId: string; deployment: string }[];
}

/**
 * One step of ECS's rolling update: start primary tasks while the service stays within
 * maximumPercent of desiredCount (rounded down), and stop tasks of older deployments (and the
 * primary's extras) while at least minimumHealthyPercent (rounded up) stay healthy. Tasks not
 * yet healthy never count as healthy, so they may always be stopped. A task stopped here is
 * still RUNNING or PENDING until its stop begins, so the room it leaves is used by the next step,
 * never this one: no moment shows more tasks in those states than maximumPercent allows. Run it
 * again after tasks change state: repeated, it converges on desiredCount healthy primary tasks.
 */
export function planRollingStep(limits: RollingLimits, deployments: readonly DeploymentTasks[]): RollingPlan {
  const { desiredCount } = limits;
  const maxTasks = Math.floor((desiredCount * limits.maximumPercent) / 100);
  const minHealthy = Math.ceil((desiredCount * limits.minimumHealthyPercent) / 100);
  const primary = deployments.find((d) => d.primary);
  const old = deployments.filter((d) => !d.primary);
  const size = (d: DeploymentTasks) => d.pending.length + d.healthy.length + d.unhealthy.length;
  const total = deployments.reduce((n, d) => n + size(d), 0);
  let healthy = deployments.reduce((n, d) => n + d.healthy.length, 0);
  const stop: RollingPlan['stop'] = [];

  // Tasks of old deployments that are not healthy help nobody: stop them at once.
  for (const d of old) {
    for (const taskId of [...d.pending, ...d.unhealthy]) stop.push({ taskId, deployment: d.id });
  }
  // The primary's tasks beyond desiredCount (a scale-in): the least useful first.
  let primaryExtra = primary ? size(primary) - desiredCount : 0;
  if (primary && primaryExtra > 0) {
    for (const taskId of [...primary.pending, ...primary.unhealthy]) {
      if (primaryExtra === 0) break;
      stop.push({ taskId, deployment: primary.id });
      primaryExtra--;
    }
    for (const taskId of primary.healthy) {
      if (primaryExtra === 0) break;
      stop.push({ taskId, deployment: primary.id });
      primaryExtra--;
      healthy--;
    }
  }
  // Healthy tasks of old deployments, as long as enough healthy tasks remain.
  for (const d of old) {
    for (const taskId of d.healthy) {
      if (healthy - 1 < minHealthy) break;
      stop.push({ taskId, deployment: d.id });
      healthy--;
    }
  }
  const up = total + (limits.stoppingUp ?? 0);
  const missing = primary ? desiredCount - Math.min(size(primary), desiredCount) : 0;
  const start = Math.max(0, Math.min(missing, maxTasks - up));
  return { start, stop };
}

/**
 * The deployment circuit breaker's failure threshold: half the desired count, at least 3 and
 * at most 200, as ECS documents it.
 */
export function circuitBreakerThreshold(desiredCount: number): number {
  return Math.min(200, Math.max(3, Math.ceil(desiredCount / 2)));
}
