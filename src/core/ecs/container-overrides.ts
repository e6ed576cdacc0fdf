import { ecsError } from './ecs-errors.ts';
import type { TaskOverrides } from './task.ts';
import type { ContainerDef, TaskDefinition } from './task-definition.ts';

/** Checks that every container override names a container of the task definition. */
export function checkOverrides(td: TaskDefinition, overrides: TaskOverrides): void {
  const names = new Set(td.containerDefinitions?.map((c) => c.name));
  for (const o of overrides.containerOverrides ?? []) {
    if (!o.name || !names.has(o.name)) {
      throw ecsError(
        'InvalidParameterException',
        `Override for container named ${o.name} is not a container in the TaskDefinition.`,
      );
    }
  }
}

/**
 * The containers a task runs: the task definition's, with RunTask's overrides applied as
 * ECS applies them (command replaced, environment merged by name, cpu and memory replaced).
 */
export function effectiveContainers(td: TaskDefinition, overrides: TaskOverrides): ContainerDef[] {
  return (td.containerDefinitions ?? []).map((c) => {
    const o = overrides.containerOverrides?.find((x) => x.name === c.name);
    if (!o) return c;
    const env = new Map((c.environment ?? []).map((e) => [e.name, e.value]));
    for (const e of o.environment ?? []) env.set(e.name, e.value);
    return {
      ...c,
      ...(o.command !== undefined && { command: o.command }),
      environment: [...env].map(([name, value]) => ({ name, value })),
      ...(o.cpu !== undefined && { cpu: o.cpu }),
      ...(o.memory !== undefined && { memory: o.memory }),
      ...(o.memoryReservation !== undefined && { memoryReservation: o.memoryReservation }),
      ...(o.environmentFiles !== undefined && {
        environmentFiles: [...(c.environmentFiles ?? []), ...o.environmentFiles],
      }),
    };
  });
}
