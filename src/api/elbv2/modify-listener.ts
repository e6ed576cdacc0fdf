import type { ModifyListenerInput, ModifyListenerOutput } from '@aws-sdk/client-elastic-load-balancing-v2';
import { checkListenerProtocol } from '../../core/elbv2/listener-protocols.ts';
import type { Wire } from '../../core/wire.ts';
import { isUniqueViolation } from '../../store/conflicts.ts';
import { listenersOf, updateListener } from '../../store/lb-listeners.ts';
import { getDefaultRule, rulesOf, updateRule } from '../../store/lb-rules.ts';
import type { OperationContext } from '../operation.ts';
import { requireListener, requireLoadBalancer } from './elbv2-lookup.ts';
import { listenerView } from './elbv2-views.ts';
import { checkTlsSettings, duplicateListener } from './listener-settings.ts';
import { checkForwardedProtocols, resolveActions } from './rule-targets.ts';

/**
 * Changes a listener's port, protocol or default actions; what the request leaves out stays. The
 * actions of its rules are checked again against a new protocol.
 */
export async function modifyListener(
  ctx: OperationContext,
  input: Wire<ModifyListenerInput>,
): Promise<Wire<ModifyListenerOutput>> {
  const { listener, defaultRule } = await ctx.deps.store
    .write(async (tx) => {
      const current = await requireListener(tx, ctx.scope, input.ListenerArn!);
      const lb = await requireLoadBalancer(tx, ctx.scope, current.loadBalancerArn, { lock: true });
      const protocol = checkListenerProtocol(lb.type, input.Protocol ?? current.protocol);
      checkTlsSettings(protocol, input);
      const port = input.Port ?? current.port;
      if ((await listenersOf(tx, [lb.arn])).some((l) => l.port === port && l.arn !== current.arn))
        throw duplicateListener(lb.arn);
      const listener = { ...current, port, protocol };
      await updateListener(tx, listener);
      let defaultRule = await getDefaultRule(tx, current.arn);
      if (input.DefaultActions !== undefined && defaultRule) {
        defaultRule = {
          ...defaultRule,
          actions: await resolveActions(tx, ctx.scope, lb, protocol, input.DefaultActions),
        };
        await updateRule(tx, defaultRule);
      }
      if (protocol !== current.protocol) {
        for (const rule of (await rulesOf(tx, [lb.arn])).filter((r) => r.listenerArn === current.arn))
          await checkForwardedProtocols(tx, protocol, rule.actions);
      }
      return { listener, defaultRule };
    })
    .catch((err: unknown) => {
      if (isUniqueViolation(err)) throw duplicateListener(input.ListenerArn!);
      throw err;
    });
  ctx.deps.lb.wake();
  return { Listeners: [listenerView(listener, defaultRule)] };
}
