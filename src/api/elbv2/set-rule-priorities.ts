import type {
  SetRulePrioritiesInput,
  SetRulePrioritiesOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { elbError, validationError } from '../../core/elbv2/elbv2-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { getRules, prioritiesOf, setRulePriorities as setPriorities } from '../../store/lb-rules.ts';
import { lockLoadBalancer } from '../../store/load-balancers.ts';
import type { OperationContext } from '../operation.ts';
import { checkArn, ruleNotFound } from './elbv2-lookup.ts';
import { ruleView } from './elbv2-views.ts';
import { priorityInUse } from './rule-settings.ts';

/**
 * Gives rules new priorities in one step, so rules can swap places; a priority another rule of
 * the listener keeps is in use.
 */
export async function setRulePriorities(
  ctx: OperationContext,
  input: Wire<SetRulePrioritiesInput>,
): Promise<Wire<SetRulePrioritiesOutput>> {
  const pairs = (input.RulePriorities ?? []).map((p) => {
    if (p.RuleArn === undefined) throw validationError('A rule ARN must be specified');
    if (p.Priority === undefined) throw validationError('A rule priority must be specified');
    return { arn: p.RuleArn, priority: p.Priority };
  });
  const priorities = new Set<number>();
  const arns = new Set<string>();
  for (const p of pairs) {
    if (priorities.has(p.priority))
      throw validationError(`Priority '${p.priority}' was provided multiple times`);
    if (arns.has(p.arn)) throw validationError(`Rule '${p.arn}' was provided multiple times`);
    priorities.add(p.priority);
    arns.add(p.arn);
  }
  const rules = await ctx.deps.store.write(async (tx) => {
    const found = await getRules(
      tx,
      [...arns].filter((a) => checkArn(ctx.scope, a, 'listener-rule')),
    );
    if (found.length < arns.size) throw ruleNotFound();
    for (const lb of new Set(found.map((r) => r.loadBalancerArn))) await lockLoadBalancer(tx, lb);
    if (found.some((r) => r.priority === null))
      throw elbError('OperationNotPermitted', 'The priority of a default rule cannot be changed');
    for (const listener of new Set(found.map((r) => r.listenerArn))) {
      const held = await prioritiesOf(tx, listener);
      for (const p of pairs) {
        const holder = held.get(p.priority);
        const rule = found.find((r) => r.arn === p.arn)!;
        if (rule.listenerArn === listener && holder !== undefined && !arns.has(holder))
          throw priorityInUse(p.priority);
      }
    }
    await setPriorities(tx, pairs);
    return found.map((r) => ({ ...r, priority: pairs.find((p) => p.arn === r.arn)!.priority }));
  });
  ctx.deps.lb.wake();
  return { Rules: rules.sort((a, b) => a.priority! - b.priority!).map(ruleView) };
}
