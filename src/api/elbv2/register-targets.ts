import type { RegisterTargetsInput, RegisterTargetsOutput } from '@aws-sdk/client-elastic-load-balancing-v2';
import { elbError } from '../../core/elbv2/elbv2-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { countTargets, registerTargets as registerRows } from '../../store/lb-targets.ts';
import type { OperationContext } from '../operation.ts';
import { requireTargetGroup } from './elbv2-lookup.ts';
import { placeTarget } from './target-placement.ts';

/** ELB's quota of targets in a target group. */
export const MAX_TARGETS = 1000;

/** Registers IP targets in a target group; registering a draining target again ends its draining. */
export async function registerTargets(
  ctx: OperationContext,
  input: Wire<RegisterTargetsInput>,
): Promise<Wire<RegisterTargetsOutput>> {
  await ctx.deps.store.write(async (tx) => {
    const tg = await requireTargetGroup(tx, ctx.scope, input.TargetGroupArn!, { lock: true });
    const targets = [];
    for (const t of input.Targets ?? []) targets.push(await placeTarget(tx, tg, t));
    await registerRows(tx, tg.arn, targets, ctx.now);
    if ((await countTargets(tx, tg.arn, ctx.now)) > MAX_TARGETS)
      throw elbError('TooManyTargets', "You've reached the limit on the number of targets.");
  });
  ctx.deps.lb.wake();
  return {};
}
