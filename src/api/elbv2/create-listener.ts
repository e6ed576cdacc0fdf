import type { CreateListenerInput, CreateListenerOutput } from '@aws-sdk/client-elastic-load-balancing-v2';
import { listenerArn, ruleArn } from '../../core/elbv2/elbv2-arn.ts';
import { elbError, validationError } from '../../core/elbv2/elbv2-errors.ts';
import type { ListenerRecord, RuleRecord } from '../../core/elbv2/elbv2-records.ts';
import { checkTags, MAX_TAGS, tooManyTags } from '../../core/elbv2/elbv2-tags.ts';
import { checkListenerProtocol } from '../../core/elbv2/listener-protocols.ts';
import type { Wire } from '../../core/wire.ts';
import { isUniqueViolation } from '../../store/conflicts.ts';
import { countListeners, insertListener, listenersOf } from '../../store/lb-listeners.ts';
import { getDefaultRule, insertRule } from '../../store/lb-rules.ts';
import { putTags } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { requireLoadBalancer } from './elbv2-lookup.ts';
import { listenerView } from './elbv2-views.ts';
import { checkTlsSettings, duplicateListener, MAX_LISTENERS } from './listener-settings.ts';
import { resolveActions } from './rule-targets.ts';

/**
 * Adds a listener to a load balancer, with its default rule holding the default actions. One
 * listener per port; as on AWS, creating the same listener again answers the one that exists.
 */
export async function createListener(
  ctx: OperationContext,
  input: Wire<CreateListenerInput>,
): Promise<Wire<CreateListenerOutput>> {
  const tags = checkTags(input.Tags ?? []);
  if (tags.length > MAX_TAGS) throw tooManyTags();
  const { listener, defaultRule } = await ctx.deps.store
    .write(async (tx) => {
      const lb = await requireLoadBalancer(tx, ctx.scope, input.LoadBalancerArn!, { lock: true });
      const protocol = checkListenerProtocol(lb.type, input.Protocol);
      if (input.Port === undefined) throw validationError('A listener port must be specified');
      checkTlsSettings(protocol, input);
      const actions = await resolveActions(tx, ctx.scope, lb, protocol, input.DefaultActions ?? []);
      const onPort = (await listenersOf(tx, [lb.arn])).find((l) => l.port === input.Port);
      if (onPort) {
        const rule = await getDefaultRule(tx, onPort.arn);
        if (onPort.protocol !== protocol || JSON.stringify(rule?.actions) !== JSON.stringify(actions))
          throw duplicateListener(lb.arn);
        return { listener: onPort, defaultRule: rule };
      }
      if ((await countListeners(tx, lb.arn)) >= MAX_LISTENERS)
        throw elbError(
          'TooManyListeners',
          "You've reached the limit on the number of listeners per load balancer.",
        );
      const listener: ListenerRecord = {
        arn: listenerArn(lb.arn, ctx.deps.ids.hex(8)),
        loadBalancerArn: lb.arn,
        port: input.Port,
        protocol,
        createdAt: ctx.now,
      };
      const defaultRule: RuleRecord = {
        arn: ruleArn(listener.arn, ctx.deps.ids.hex(8)),
        listenerArn: listener.arn,
        loadBalancerArn: lb.arn,
        priority: null,
        conditions: [],
        actions,
        createdAt: ctx.now,
      };
      await insertListener(tx, listener);
      await insertRule(tx, defaultRule);
      await putTags(tx, listener.arn, tags);
      return { listener, defaultRule };
    })
    .catch((err: unknown) => {
      if (isUniqueViolation(err)) throw duplicateListener(input.LoadBalancerArn!);
      throw err;
    });
  ctx.deps.lb.wake();
  return { Listeners: [listenerView(listener, defaultRule)] };
}
