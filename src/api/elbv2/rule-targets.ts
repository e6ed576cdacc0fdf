import type { Kysely } from 'kysely';
import { elbError } from '../../core/elbv2/elbv2-errors.ts';
import type { LbProtocol, LoadBalancerRecord, RuleAction } from '../../core/elbv2/elbv2-records.ts';
import { forwardedGroups } from '../../core/elbv2/elbv2-records.ts';
import { checkForwardProtocol } from '../../core/elbv2/listener-protocols.ts';
import { parseActions, type WireAction } from '../../core/elbv2/rule-actions.ts';
import type { Scope } from '../../core/scope.ts';
import { otherLoadBalancersOf, targetGroupsOfLoadBalancer } from '../../store/lb-rules.ts';
import type { Database } from '../../store/schema.ts';
import { getTargetGroups } from '../../store/target-groups.ts';
import { checkArn } from './elbv2-lookup.ts';

/** ELB's quota of distinct target groups one Application Load Balancer forwards to. */
export const MAX_TARGET_GROUPS_PER_LOAD_BALANCER = 100;

/**
 * A rule's (or listener's default) actions, checked against what they forward to: every target
 * group must exist in the load balancer's VPC, speak a protocol the listener forwards to, and be
 * used by no other load balancer (ELB's TargetGroupAssociationLimit).
 */
export async function resolveActions(
  tx: Kysely<Database>,
  scope: Scope,
  lb: LoadBalancerRecord,
  listenerProtocol: LbProtocol,
  input: readonly WireAction[],
): Promise<RuleAction[]> {
  const actions = parseActions(input, lb.type);
  const arns = forwardedGroups(actions);
  // Every ARN must be one; those of another account or region name nothing.
  const found = await getTargetGroups(
    tx,
    arns.filter((a) => checkArn(scope, a, 'targetgroup')),
  );
  for (const arn of arns) {
    const tg = found.find((t) => t.arn === arn);
    if (!tg) throw elbError('TargetGroupNotFound', `Target group '${arn}' not found`);
    if (tg.vpcId !== lb.vpcId)
      throw elbError(
        'InvalidConfigurationRequest',
        `Target group '${arn}' is in VPC '${tg.vpcId}', not in the load balancer's VPC '${lb.vpcId}'`,
      );
    checkForwardProtocol(listenerProtocol, tg);
  }
  const taken = await otherLoadBalancersOf(tx, arns, lb.arn);
  if (taken.size > 0)
    throw elbError(
      'TargetGroupAssociationLimit',
      `The following target groups cannot be associated with more than one load balancer: ${[...taken.keys()].join(', ')}`,
    );
  const unique = new Set([...(await targetGroupsOfLoadBalancer(tx, lb.arn)), ...arns]);
  if (unique.size > MAX_TARGET_GROUPS_PER_LOAD_BALANCER)
    throw elbError(
      'TooManyUniqueTargetGroupsPerLoadBalancer',
      "You've reached the limit on the number of unique target groups per load balancer across all listeners.",
    );
  return actions;
}

/** Checks the target groups actions forward to against a listener protocol (when a listener changes protocol). */
export async function checkForwardedProtocols(
  tx: Kysely<Database>,
  listenerProtocol: LbProtocol,
  actions: readonly RuleAction[],
): Promise<void> {
  for (const tg of await getTargetGroups(tx, forwardedGroups(actions)))
    checkForwardProtocol(listenerProtocol, tg);
}
