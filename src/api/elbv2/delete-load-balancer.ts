import type {
  DeleteLoadBalancerInput,
  DeleteLoadBalancerOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { elbError } from '../../core/elbv2/elbv2-errors.ts';
import type { Wire } from '../../core/wire.ts';
import {
  childArnsOfLoadBalancer,
  deleteLoadBalancer as deleteRows,
  lockLoadBalancer,
} from '../../store/load-balancers.ts';
import { deleteTags } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { checkArn } from './elbv2-lookup.ts';

/**
 * Deletes a load balancer with its listeners and rules; its target groups stay (and are no
 * longer in use). As on AWS, deleting one that does not exist succeeds; one with deletion
 * protection is refused.
 */
export async function deleteLoadBalancer(
  ctx: OperationContext,
  input: Wire<DeleteLoadBalancerInput>,
): Promise<Wire<DeleteLoadBalancerOutput>> {
  const arn = input.LoadBalancerArn!;
  if (!checkArn(ctx.scope, arn, 'loadbalancer')) return {};
  await ctx.deps.store.write(async (tx) => {
    const lb = await lockLoadBalancer(tx, arn);
    if (!lb) return;
    if (lb.attributes['deletion_protection.enabled'] === 'true')
      throw elbError(
        'OperationNotPermitted',
        `Load balancer '${arn}' cannot be deleted because deletion protection is enabled`,
      );
    for (const child of await childArnsOfLoadBalancer(tx, arn)) await deleteTags(tx, child);
    await deleteTags(tx, arn);
    await deleteRows(tx, arn);
  });
  ctx.deps.lb.wake();
  return {};
}
