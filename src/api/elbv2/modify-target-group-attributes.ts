import type {
  ModifyTargetGroupAttributesInput,
  ModifyTargetGroupAttributesOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { applyAttributes, attributeList } from '../../core/elbv2/attribute-specs.ts';
import { validationError } from '../../core/elbv2/elbv2-errors.ts';
import { targetGroupAttributeSpecs } from '../../core/elbv2/tg-attributes.ts';
import type { Wire } from '../../core/wire.ts';
import { updateTargetGroup } from '../../store/target-groups.ts';
import type { OperationContext } from '../operation.ts';
import { requireTargetGroup } from './elbv2-lookup.ts';

/** Sets target group attributes (deregistration delay, stickiness, algorithm...) and answers all of them. */
export async function modifyTargetGroupAttributes(
  ctx: OperationContext,
  input: Wire<ModifyTargetGroupAttributesInput>,
): Promise<Wire<ModifyTargetGroupAttributesOutput>> {
  const attributes = await ctx.deps.store.write(async (tx) => {
    const tg = await requireTargetGroup(tx, ctx.scope, input.TargetGroupArn!, { lock: true });
    const next = applyAttributes(
      'Target group',
      targetGroupAttributeSpecs(tg),
      tg.attributes,
      input.Attributes ?? [],
    );
    if (
      next['stickiness.enabled'] === 'true' &&
      next['stickiness.type'] === 'app_cookie' &&
      !next['stickiness.app_cookie.cookie_name']
    )
      throw validationError(
        "An application cookie name must be specified for stickiness of type 'app_cookie'",
      );
    await updateTargetGroup(tx, { ...tg, attributes: next, updatedAt: ctx.now });
    return next;
  });
  ctx.deps.lb.wake();
  return { Attributes: attributeList(attributes) };
}
