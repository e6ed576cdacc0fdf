/** How long ECS's service throttle makes launches wait: the first wait, and the most it grows to. */
export interface ThrottlePolicy {
  /** The wait after the second failure in a row (30 s by default here). */
  baseMs: number;
  /** The longest wait (27 minutes on ECS). */
  maxMs: number;
}

/**
 * ECS's service throttle: once a service's tasks fail to start (PENDING to STOPPED, never
 * RUNNING) twice in a row, its next launch waits the base, and each further failure doubles the
 * wait, up to the maximum. Undefined when the next launch need not wait.
 */
export function throttleWaitMs(consecutiveFailures: number, policy: ThrottlePolicy): number | undefined {
  if (consecutiveFailures < 2) return undefined;
  return Math.min(policy.maxMs, policy.baseMs * 2 ** (consecutiveFailures - 2));
}
