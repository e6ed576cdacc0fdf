/**
 * ELB's target health as a state machine over health check results, pure so it is tested without
 * sockets. A new target is `initial` until checks decide; the reason codes and descriptions are
 * ELB's own (DescribeTargetHealth's TargetHealth).
 */

export type CheckedState = 'initial' | 'healthy' | 'unhealthy';

/** Why one health check failed, as ELB reports it. */
export type CheckFailure =
  | { readonly reason: 'Target.ResponseCodeMismatch'; readonly statusCode: number }
  | { readonly reason: 'Target.Timeout' }
  | { readonly reason: 'Target.FailedHealthChecks' };

export type CheckResult = { readonly ok: true } | ({ readonly ok: false } & CheckFailure);

export interface HealthRecord {
  readonly state: CheckedState;
  /** Consecutive passing checks, or failing ones; the other is 0. */
  readonly passes: number;
  readonly failures: number;
  /** The failure that decided an `unhealthy` state (kept until the target is healthy again). */
  readonly failure?: CheckFailure;
}

export interface Thresholds {
  /** Passing checks in a row that make an unhealthy target healthy. */
  readonly healthy: number;
  /** Failing checks in a row that make a target unhealthy. */
  readonly unhealthy: number;
  /** Passing checks in a row that make a new (initial) target healthy. */
  readonly initialHealthy: number;
}

export const INITIAL_HEALTH: HealthRecord = { state: 'initial', passes: 0, failures: 0 };

/** The record after one more check. */
export function nextHealth(record: HealthRecord, result: CheckResult, t: Thresholds): HealthRecord {
  if (result.ok) {
    const passes = record.passes + 1;
    const needed = record.state === 'initial' ? t.initialHealthy : t.healthy;
    if (record.state !== 'healthy' && passes >= needed) return { state: 'healthy', passes, failures: 0 };
    return { ...record, passes, failures: 0 };
  }
  const failures = record.failures + 1;
  const { ok: _ok, ...failure } = result;
  if (failures >= t.unhealthy) return { state: 'unhealthy', passes: 0, failures, failure };
  // Below the threshold an unhealthy target keeps the failure that made it so.
  return { ...record, passes: 0, failures };
}

/** ELB's reason code and description of a state. */
export function describeHealth(record: HealthRecord): { reason?: string; description?: string } {
  switch (record.state) {
    case 'healthy':
      return {};
    case 'initial':
      return { reason: 'Elb.InitialHealthChecking', description: 'Initial health checks in progress' };
    case 'unhealthy':
      return describeFailure(record.failure ?? { reason: 'Target.FailedHealthChecks' });
  }
}

export function describeFailure(failure: CheckFailure): { reason: string; description: string } {
  switch (failure.reason) {
    case 'Target.ResponseCodeMismatch':
      return {
        reason: failure.reason,
        description: `Health checks failed with these codes: [${failure.statusCode}]`,
      };
    case 'Target.Timeout':
      return { reason: failure.reason, description: 'Request timed out' };
    case 'Target.FailedHealthChecks':
      return { reason: failure.reason, description: 'Health checks failed' };
  }
}

/**
 * ELB's HttpCode matcher (`200`, `200,202`, `200-299`, or a mix) as a test. Throws RangeError on
 * a malformed one.
 */
export function parseMatcher(matcher: string): (statusCode: number) => boolean {
  const ranges: [number, number][] = [];
  for (const part of matcher.split(',')) {
    const m = /^\s*(\d{3})\s*(?:-\s*(\d{3})\s*)?$/.exec(part);
    if (!m) throw new RangeError(`Invalid health check matcher '${matcher}'`);
    const low = Number(m[1]);
    const high = m[2] === undefined ? low : Number(m[2]);
    if (high < low) throw new RangeError(`Invalid health check matcher '${matcher}'`);
    ranges.push([low, high]);
  }
  return (code) => ranges.some(([low, high]) => code >= low && code <= high);
}
