import type { DeleteListenerInput, DeleteListenerOutput } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Wire } from '../../core/wire.ts';
import { deleteListener as deleteRows } from '../../store/lb-listeners.ts';
import { rulesOf } from '../../store/lb-rules.ts';
import { lockLoadBalancer } from '../../store/load-balancers.ts';
import { deleteTags } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { requireListener } from './elbv2-lookup.ts';

/** Deletes a listener with its rules (its default rule too). */
export async function deleteListener(
  ctx: OperationContext,
  input: Wire<DeleteListenerInput>,
): Promise<Wire<DeleteListenerOutput>> {
  await ctx.deps.store.write(async (tx) => {
    const listener = await requireListener(tx, ctx.scope, input.ListenerArn!);
    await lockLoadBalancer(tx, listener.loadBalancerArn);
    for (const rule of await rulesOf(tx, [listener.loadBalancerArn]))
      if (rule.listenerArn === listener.arn) await deleteTags(tx, rule.arn);
    await deleteTags(tx, listener.arn);
    await deleteRows(tx, listener.arn);
  });
  ctx.deps.lb.wake();
  return {};
}
