import type { DeleteRuleInput, DeleteRuleOutput } from '@aws-sdk/client-elastic-load-balancing-v2';
import { elbError } from '../../core/elbv2/elbv2-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { deleteRule as deleteRow } from '../../store/lb-rules.ts';
import { lockLoadBalancer } from '../../store/load-balancers.ts';
import { deleteTags } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { requireRule } from './elbv2-lookup.ts';

/** Deletes a rule; a listener's default rule goes only with its listener. */
export async function deleteRule(
  ctx: OperationContext,
  input: Wire<DeleteRuleInput>,
): Promise<Wire<DeleteRuleOutput>> {
  await ctx.deps.store.write(async (tx) => {
    const rule = await requireRule(tx, ctx.scope, input.RuleArn!);
    if (rule.priority === null) throw elbError('OperationNotPermitted', 'A default rule cannot be deleted');
    await lockLoadBalancer(tx, rule.loadBalancerArn);
    await deleteTags(tx, rule.arn);
    await deleteRow(tx, rule.arn);
  });
  ctx.deps.lb.wake();
  return {};
}
