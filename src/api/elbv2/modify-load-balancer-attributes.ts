import type {
  ModifyLoadBalancerAttributesInput,
  ModifyLoadBalancerAttributesOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { applyAttributes, attributeList } from '../../core/elbv2/attribute-specs.ts';
import { elbError } from '../../core/elbv2/elbv2-errors.ts';
import { loadBalancerAttributeSpecs, UNSUPPORTED_WHEN_TRUE } from '../../core/elbv2/lb-attributes.ts';
import type { Wire } from '../../core/wire.ts';
import { updateLoadBalancerAttributes } from '../../store/load-balancers.ts';
import type { OperationContext } from '../operation.ts';
import { requireLoadBalancer } from './elbv2-lookup.ts';

/**
 * Sets load balancer attributes and answers all of them. Logs to S3 cannot be turned on, since
 * neargate has no S3 to write them to; the secondary IP count, as on AWS, never goes down.
 */
export async function modifyLoadBalancerAttributes(
  ctx: OperationContext,
  input: Wire<ModifyLoadBalancerAttributesInput>,
): Promise<Wire<ModifyLoadBalancerAttributesOutput>> {
  const attributes = await ctx.deps.store.write(async (tx) => {
    const lb = await requireLoadBalancer(tx, ctx.scope, input.LoadBalancerArn!, { lock: true });
    const next = applyAttributes(
      'Load balancer',
      loadBalancerAttributeSpecs(lb.type, lb.scheme),
      lb.attributes,
      input.Attributes ?? [],
    );
    for (const key of UNSUPPORTED_WHEN_TRUE)
      if (next[key] === 'true' && lb.attributes[key] !== 'true')
        throw elbError(
          'InvalidConfigurationRequest',
          `Attribute '${key}' cannot be enabled: neargate has no S3 to deliver logs to`,
        );
    const ips = 'secondary_ips.auto_assigned.per_subnet';
    if (lb.attributes[ips] !== undefined && Number(next[ips]) < Number(lb.attributes[ips]))
      throw elbError('InvalidConfigurationRequest', `Attribute '${ips}' cannot be decreased`);
    await updateLoadBalancerAttributes(tx, lb, next, ctx.now);
    return next;
  });
  ctx.deps.lb.wake();
  return { Attributes: attributeList(attributes) };
}
