import type { ContainerDef } from './task-definition.ts';
import type { HealthStatus } from './task-status.ts';

/** What the task knows of a container while it starts: enough to judge dependsOn conditions. */
export interface ContainerProgress {
  name: string;
  /** Created and started at least once. */
  started: boolean;
  exitCode: number | null | undefined;
  /** Whether it has ended (exitCode may be unknown, e.g. its supervisor died). */
  exited: boolean;
  health: HealthStatus;
}

/** `ready`: start it now; `wait`: not yet; `never`: a dependency can no longer be met. */
export type Readiness = { state: 'ready' } | { state: 'wait' } | { state: 'never'; reason: string };

/**
 * Whether a container may start, judged by its dependsOn conditions against the others'
 * progress, as the ECS agent judges them: START once the dependency started, COMPLETE once it
 * exited, SUCCESS once it exited 0, HEALTHY once its health check passed.
 */
export function readiness(c: ContainerDef, progress: ReadonlyMap<string, ContainerProgress>): Readiness {
  for (const d of c.dependsOn ?? []) {
    const p = progress.get(d.containerName!);
    if (!p) return { state: 'never', reason: `dependency ${d.containerName} does not exist` };
    switch (d.condition) {
      case 'START':
        if (!p.started) return { state: 'wait' };
        break;
      case 'COMPLETE':
        if (!p.exited) return { state: 'wait' };
        break;
      case 'SUCCESS':
        if (!p.exited) return { state: 'wait' };
        if (p.exitCode !== 0) {
          return {
            state: 'never',
            reason: `dependency ${p.name} exited with code ${p.exitCode} instead of 0`,
          };
        }
        break;
      case 'HEALTHY':
        if (p.health === 'HEALTHY') break;
        if (p.exited)
          return { state: 'never', reason: `dependency ${p.name} exited before it became HEALTHY` };
        return { state: 'wait' };
      default:
        return { state: 'never', reason: `unknown dependency condition ${d.condition}` };
    }
  }
  return { state: 'ready' };
}

/**
 * Containers in stop order: a container stops only after every container that depends on it
 * (the reverse of start order), so a sidecar outlives the app that uses it. Each inner list
 * may stop at once.
 */
export function stopWaves(containers: readonly ContainerDef[]): string[][] {
  const dependents = new Map<string, Set<string>>(containers.map((c) => [c.name!, new Set()]));
  for (const c of containers)
    for (const d of c.dependsOn ?? []) dependents.get(d.containerName!)?.add(c.name!);
  const waves: string[][] = [];
  const done = new Set<string>();
  while (done.size < containers.length) {
    const wave = containers
      .map((c) => c.name!)
      .filter((n) => !done.has(n) && [...dependents.get(n)!].every((d) => done.has(d)));
    // A cycle cannot pass registration; stop whatever is left together rather than never.
    const next = wave.length > 0 ? wave : containers.map((c) => c.name!).filter((n) => !done.has(n));
    for (const n of next) done.add(n);
    waves.push(next);
  }
  return waves;
}
