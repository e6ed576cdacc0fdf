import type { HealthStatus } from './task-status.ts';

/**
 * A task's health from its containers', as ECS documents it: the essential containers with a
 * health check decide (UNHEALTHY if one is, HEALTHY if all are); when none has one, the other
 * containers with a health check decide; without any health check the task is UNKNOWN.
 */
export function taskHealth(
  containers: readonly { essential: boolean; hasHealthCheck: boolean; health: HealthStatus }[],
): HealthStatus {
  const essential = containers.filter((c) => c.essential && c.hasHealthCheck);
  const judged = essential.length > 0 ? essential : containers.filter((c) => c.hasHealthCheck);
  if (judged.length === 0) return 'UNKNOWN';
  if (judged.some((c) => c.health === 'UNHEALTHY')) return 'UNHEALTHY';
  if (judged.every((c) => c.health === 'HEALTHY')) return 'HEALTHY';
  return 'UNKNOWN';
}
