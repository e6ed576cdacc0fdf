/** The service scheduler's event messages, in ECS's words (see docs/ecs-services.md). */
export const serviceEvent = {
  started: (service: string, taskIds: readonly string[], replacedUnhealthy = 0) =>
    `(service ${service}) has started ${taskIds.length} tasks: ${taskIds.map((t) => `(task ${t})`).join(' ')}.${
      replacedUnhealthy > 0
        ? ` Amazon ECS replaced ${replacedUnhealthy} tasks due to an unhealthy status.`
        : ''
    }`,
  stopped: (service: string, taskIds: readonly string[]) =>
    `(service ${service}) has stopped ${taskIds.length} running tasks: ${taskIds.map((t) => `(task ${t})`).join(' ')}.`,
  steady: (service: string) => `(service ${service}) has reached a steady state.`,
  deploymentCompleted: (service: string, deployment: string) =>
    `(service ${service}) (deployment ${deployment}) deployment completed.`,
  deploymentFailed: (service: string, deployment: string) =>
    `(service ${service}) (deployment ${deployment}) deployment failed: tasks failed to start.`,
  rollingBack: (service: string, deployment: string) =>
    `(service ${service}) rolling back to deployment ${deployment}.`,
  unableToStart: (service: string) =>
    `(service ${service}) is unable to consistently start tasks successfully.`,
  failedHealthChecks: (service: string, taskId: string) =>
    `(service ${service}) (task ${taskId}) failed container health checks.`,
  unableToPlace: (service: string, reason: string) =>
    `(service ${service}) was unable to place a task. Reason: ${reason}`,
  // ECS writes these three without a final period.
  registeredTargets: (service: string, count: number, targetGroupArn: string) =>
    `(service ${service}) registered ${count} targets in (target-group ${targetGroupArn})`,
  failedToRegister: (service: string, targetGroupArn: string, error: string) =>
    `(service ${service}) failed to register targets in (target-group ${targetGroupArn}) with (error ${error})`,
  deregisteredTargets: (service: string, count: number, targetGroupArn: string) =>
    `(service ${service}) deregistered ${count} targets in (target-group ${targetGroupArn})`,
  drainingConnections: (service: string, taskSet: string, count: number) =>
    `(service ${service}, taskSet ${taskSet}) has begun draining connections on ${count} tasks.`,
  unhealthyTarget: (service: string, taskId: string, port: number, targetGroupArn: string, reason: string) =>
    `(service ${service}) (task ${taskId}) (port ${port}) is unhealthy in (target-group ${targetGroupArn}) due to (reason ${reason}).`,
} as const;

/** Rollout reasons a deployment shows. */
export const rolloutReason = {
  inProgress: (deployment: string) => `ECS deployment ${deployment} in progress.`,
  completed: (deployment: string) => `ECS deployment ${deployment} completed.`,
  failed: 'ECS deployment circuit breaker: tasks failed to start.',
  rollingBack: (deployment: string) =>
    `ECS deployment circuit breaker: rolling back to deploymentId ${deployment}.`,
} as const;

/** Why the scheduler stops a task. */
export const schedulerStopReason = {
  scaling: (deployment: string) => `Scaling activity initiated by (deployment ${deployment})`,
  unhealthy: 'Task failed container health checks',
  elbUnhealthy: (targetGroupArn: string) =>
    `Task failed ELB health checks in (target-group ${targetGroupArn})`,
} as const;

/** Whether the scheduler stopped a task for failing its health checks (container or ELB). */
export const failedHealthChecks = (stoppedReason: string | undefined): boolean =>
  stoppedReason === schedulerStopReason.unhealthy ||
  (stoppedReason?.startsWith('Task failed ELB health checks in ') ?? false);

/** ECS repeats the same event at most every six hours. */
export const EVENT_REPEAT_MS = 6 * 3_600_000;
