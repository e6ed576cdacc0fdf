import type {
  DescribeAccountLimitsInput,
  DescribeAccountLimitsOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { MAX_FORWARD_TARGET_GROUPS } from '../../core/elbv2/rule-actions.ts';
import { MAX_CONDITION_VALUES } from '../../core/elbv2/rule-conditions.ts';
import type { Wire } from '../../core/wire.ts';
import type { OperationContext } from '../operation.ts';
import { MAX_LOAD_BALANCERS } from './create-load-balancer.ts';
import { MAX_TARGET_GROUPS } from './create-target-group.ts';
import { MAX_LISTENERS } from './listener-settings.ts';
import { MAX_TARGETS } from './register-targets.ts';
import { MAX_RULES } from './rule-settings.ts';
import { MAX_TARGET_GROUPS_PER_LOAD_BALANCER } from './rule-targets.ts';

/** The quotas neargate enforces, named as ELB names them. */
const LIMITS: Record<string, number> = {
  'application-load-balancers': MAX_LOAD_BALANCERS,
  'condition-values-per-alb-rule': MAX_CONDITION_VALUES,
  'listeners-per-application-load-balancer': MAX_LISTENERS,
  'listeners-per-network-load-balancer': MAX_LISTENERS,
  'network-load-balancers': MAX_LOAD_BALANCERS,
  'rules-per-application-load-balancer': MAX_RULES,
  'target-groups': MAX_TARGET_GROUPS,
  'target-groups-per-action-on-application-load-balancer': MAX_FORWARD_TARGET_GROUPS,
  'target-groups-per-action-on-network-load-balancer': 1,
  'target-groups-per-application-load-balancer': MAX_TARGET_GROUPS_PER_LOAD_BALANCER,
  'targets-per-application-load-balancer': MAX_TARGETS,
  'targets-per-network-load-balancer': MAX_TARGETS,
};

/** ELB's quotas as neargate enforces them. */
export async function describeAccountLimits(
  _ctx: OperationContext,
  _input: Wire<DescribeAccountLimitsInput>,
): Promise<Wire<DescribeAccountLimitsOutput>> {
  return { Limits: Object.entries(LIMITS).map(([Name, max]) => ({ Name, Max: String(max) })) };
}
