import type { Logger } from 'pino';
import type { TargetHealth } from './lb-plan.ts';

/**
 * What a data plane answers the control plane from without asking it (target health, the task
 * DNS names), as plain data: LocalLbDataPlane makes it, WorkerLbDataPlane keeps a copy of it on
 * the main thread. Nothing here loads the listeners' code.
 */
export interface LbDataPlaneSnapshot {
  /** DNS names (lowercase) and the load balancer's task address. */
  readonly names: readonly (readonly [string, string | undefined])[];
  /** Load balancer ARNs and their task address. */
  readonly taskAddresses: readonly (readonly [string, string])[];
  /** Target group ARNs and the health of their targets. */
  readonly health: readonly (readonly [string, readonly TargetHealth[]])[];
}

/**
 * A load balancer DNS name as tasks resolve it, `dualstack.` names too: its task address, [] for
 * a load balancer tasks cannot reach, undefined for a name that is no load balancer's.
 */
export function lookupForTasks(
  names: ReadonlyMap<string, string | undefined>,
  name: string,
): readonly string[] | undefined {
  const key = name.toLowerCase().replace(/\.$/, '');
  const bare = key.startsWith('dualstack.') ? key.slice('dualstack.'.length) : key;
  if (!names.has(bare)) return undefined;
  const address = names.get(bare);
  return address === undefined ? [] : [address];
}

/** The callers of onHealthChange: one that throws is logged, and the others still hear. */
export class HealthListeners {
  readonly #listeners = new Set<(targetGroupArn: string) => void>();

  constructor(private readonly log: Logger) {}

  add(listener: (targetGroupArn: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(targetGroupArn: string): void {
    for (const listener of this.#listeners) {
      try {
        listener(targetGroupArn);
      } catch (err) {
        this.log.error({ err }, 'health change listener failed');
      }
    }
  }
}
