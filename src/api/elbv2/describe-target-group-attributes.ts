import type {
  DescribeTargetGroupAttributesInput,
  DescribeTargetGroupAttributesOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { attributeList } from '../../core/elbv2/attribute-specs.ts';
import type { Wire } from '../../core/wire.ts';
import type { OperationContext } from '../operation.ts';
import { requireTargetGroup } from './elbv2-lookup.ts';

/** Every attribute of a target group, ELB's defaults for its protocol for those never set. */
export async function describeTargetGroupAttributes(
  ctx: OperationContext,
  input: Wire<DescribeTargetGroupAttributesInput>,
): Promise<Wire<DescribeTargetGroupAttributesOutput>> {
  const tg = await requireTargetGroup(ctx.deps.store.db, ctx.scope, input.TargetGroupArn!);
  return { Attributes: attributeList(tg.attributes) };
}
