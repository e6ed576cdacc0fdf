import type { CreateRuleInput, CreateRuleOutput } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ruleArn } from '../../core/elbv2/elbv2-arn.ts';
import { elbError, validationError } from '../../core/elbv2/elbv2-errors.ts';
import type { RuleRecord } from '../../core/elbv2/elbv2-records.ts';
import { checkTags, MAX_TAGS, tooManyTags } from '../../core/elbv2/elbv2-tags.ts';
import { parseConditions } from '../../core/elbv2/rule-conditions.ts';
import type { Wire } from '../../core/wire.ts';
import { isUniqueViolation } from '../../store/conflicts.ts';
import { countRules, insertRule, prioritiesOf } from '../../store/lb-rules.ts';
import { putTags } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { requireListener, requireLoadBalancer } from './elbv2-lookup.ts';
import { ruleView } from './elbv2-views.ts';
import { MAX_RULES, noRulesOnNetwork, priorityInUse, refuseTransforms } from './rule-settings.ts';
import { resolveActions } from './rule-targets.ts';

/** Adds a rule to an Application Load Balancer listener, at a priority no other rule of the listener holds. */
export async function createRule(
  ctx: OperationContext,
  input: Wire<CreateRuleInput>,
): Promise<Wire<CreateRuleOutput>> {
  const priority = input.Priority!;
  refuseTransforms(input.Transforms);
  const conditions = parseConditions(input.Conditions ?? []);
  if (conditions.length === 0) throw validationError('A rule must have at least one condition');
  const tags = checkTags(input.Tags ?? []);
  if (tags.length > MAX_TAGS) throw tooManyTags();
  const rule = await ctx.deps.store
    .write(async (tx) => {
      const listener = await requireListener(tx, ctx.scope, input.ListenerArn!);
      const lb = await requireLoadBalancer(tx, ctx.scope, listener.loadBalancerArn, { lock: true });
      if (lb.type === 'network') throw noRulesOnNetwork();
      const actions = await resolveActions(tx, ctx.scope, lb, listener.protocol, input.Actions ?? []);
      if ((await prioritiesOf(tx, listener.arn)).has(priority)) throw priorityInUse(priority);
      if ((await countRules(tx, lb.arn)) >= MAX_RULES)
        throw elbError('TooManyRules', "You've reached the limit on the number of rules per load balancer.");
      const rule: RuleRecord = {
        arn: ruleArn(listener.arn, ctx.deps.ids.hex(8)),
        listenerArn: listener.arn,
        loadBalancerArn: lb.arn,
        priority,
        conditions,
        actions,
        createdAt: ctx.now,
      };
      await insertRule(tx, rule);
      await putTags(tx, rule.arn, tags);
      return rule;
    })
    .catch((err: unknown) => {
      if (isUniqueViolation(err)) throw priorityInUse(priority);
      throw err;
    });
  ctx.deps.lb.wake();
  return { Rules: [ruleView(rule)] };
}
