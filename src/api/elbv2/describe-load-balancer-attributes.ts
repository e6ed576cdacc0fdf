import type {
  DescribeLoadBalancerAttributesInput,
  DescribeLoadBalancerAttributesOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { attributeList } from '../../core/elbv2/attribute-specs.ts';
import type { Wire } from '../../core/wire.ts';
import type { OperationContext } from '../operation.ts';
import { requireLoadBalancer } from './elbv2-lookup.ts';

/** Every attribute of a load balancer, ELB's defaults for those never set. */
export async function describeLoadBalancerAttributes(
  ctx: OperationContext,
  input: Wire<DescribeLoadBalancerAttributesInput>,
): Promise<Wire<DescribeLoadBalancerAttributesOutput>> {
  const lb = await requireLoadBalancer(ctx.deps.store.db, ctx.scope, input.LoadBalancerArn!);
  return { Attributes: attributeList(lb.attributes) };
}
