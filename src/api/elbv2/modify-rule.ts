import type { ModifyRuleInput, ModifyRuleOutput } from '@aws-sdk/client-elastic-load-balancing-v2';
import { elbError, validationError } from '../../core/elbv2/elbv2-errors.ts';
import { parseConditions } from '../../core/elbv2/rule-conditions.ts';
import type { Wire } from '../../core/wire.ts';
import { updateRule } from '../../store/lb-rules.ts';
import type { OperationContext } from '../operation.ts';
import { requireListener, requireLoadBalancer, requireRule } from './elbv2-lookup.ts';
import { ruleView } from './elbv2-views.ts';
import { refuseTransforms } from './rule-settings.ts';
import { resolveActions } from './rule-targets.ts';

/** Replaces a rule's conditions or actions (a default rule's actions only). */
export async function modifyRule(
  ctx: OperationContext,
  input: Wire<ModifyRuleInput>,
): Promise<Wire<ModifyRuleOutput>> {
  refuseTransforms(input.Transforms);
  if (input.Conditions === undefined && input.Actions === undefined)
    throw validationError('Either conditions or actions must be specified');
  const conditions = input.Conditions && parseConditions(input.Conditions);
  if (conditions?.length === 0) throw validationError('A rule must have at least one condition');
  const rule = await ctx.deps.store.write(async (tx) => {
    const current = await requireRule(tx, ctx.scope, input.RuleArn!);
    if (conditions && current.priority === null)
      throw elbError('OperationNotPermitted', 'The conditions of a default rule cannot be modified');
    const listener = await requireListener(tx, ctx.scope, current.listenerArn);
    const lb = await requireLoadBalancer(tx, ctx.scope, current.loadBalancerArn, { lock: true });
    const next = {
      ...current,
      ...(conditions && { conditions }),
      ...(input.Actions !== undefined && {
        actions: await resolveActions(tx, ctx.scope, lb, listener.protocol, input.Actions),
      }),
    };
    await updateRule(tx, next);
    return next;
  });
  ctx.deps.lb.wake();
  return { Rules: [ruleView(rule)] };
}
