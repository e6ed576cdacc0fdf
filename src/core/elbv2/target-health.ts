import type { TargetHealthReasonEnum } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { TargetRecord } from './elbv2-records.ts';

/** ELB's target states (the data plane reports the same ones, see src/lb/lb-plan.ts). */
export type TargetHealthState = 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' | 'unavailable';

/** What health checks found of a target: a state, with ELB's reason code and description. */
export interface CheckedHealth {
  readonly state: TargetHealthState;
  readonly reason?: string;
  readonly description?: string;
}

/** What DescribeTargetHealth says of one target. */
export interface TargetHealthView {
  State: TargetHealthState;
  Reason?: TargetHealthReasonEnum;
  Description?: string;
}

/** What the control plane knows of a target's group and load balancers, besides the data plane's checks. */
export interface TargetContext {
  /** Whether any listener or rule forwards to the group. */
  inUse: boolean;
  healthCheckEnabled: boolean;
  /** Whether a load balancer forwarding to the group runs yet (is active). */
  running: boolean;
  /** What the data plane's health checks found, when it checks this target. */
  reported?: CheckedHealth;
}

const REGISTERING: TargetHealthView = {
  State: 'initial',
  Reason: 'Elb.RegistrationInProgress',
  Description: 'Target registration is in progress',
};

/**
 * A target's state and reason code as ELB reports them: what only the control plane knows
 * first (draining after deregistration, unused while no listener forwards to the group,
 * unavailable without health checks, initial until a load balancer runs it), then what the
 * data plane's health checks found.
 */
export function targetHealthView(target: TargetRecord | undefined, ctx: TargetContext): TargetHealthView {
  if (!target)
    return {
      State: 'unused',
      Reason: 'Target.NotRegistered',
      Description: 'Target is not registered to the target group',
    };
  if (target.drainingUntil !== undefined)
    return {
      State: 'draining',
      Reason: 'Target.DeregistrationInProgress',
      Description: 'Target deregistration is in progress',
    };
  if (!ctx.inUse)
    return {
      State: 'unused',
      Reason: 'Target.NotInUse',
      Description: 'Target group is not configured to receive traffic from the load balancer',
    };
  if (!ctx.healthCheckEnabled)
    return {
      State: 'unavailable',
      Reason: 'Target.HealthCheckDisabled',
      Description: 'Health checks are disabled for the target group',
    };
  if (!ctx.running || !ctx.reported) return REGISTERING;
  const r = ctx.reported;
  return {
    State: r.state,
    ...(r.reason !== undefined && { Reason: r.reason as TargetHealthReasonEnum }),
    ...(r.description !== undefined && { Description: r.description }),
  };
}
