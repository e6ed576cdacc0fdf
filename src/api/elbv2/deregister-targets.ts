import type {
  DeregisterTargetsInput,
  DeregisterTargetsOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Wire } from '../../core/wire.ts';
import { deregisterTargets as deregisterRows } from '../../store/lb-targets.ts';
import { isTargetGroupInUse } from '../../store/target-groups.ts';
import type { OperationContext } from '../operation.ts';
import { requireTargetGroup } from './elbv2-lookup.ts';
import { targetKey } from './target-placement.ts';

/**
 * Deregisters targets: each drains for the group's `deregistration_delay.timeout_seconds`
 * (finishing what it serves, taking nothing new), then is gone. A target of a group no listener
 * forwards to has nothing to drain and is gone at once. Targets not registered are skipped.
 */
export async function deregisterTargets(
  ctx: OperationContext,
  input: Wire<DeregisterTargetsInput>,
): Promise<Wire<DeregisterTargetsOutput>> {
  await ctx.deps.store.write(async (tx) => {
    const tg = await requireTargetGroup(tx, ctx.scope, input.TargetGroupArn!, { lock: true });
    const targets = (input.Targets ?? []).map((t) => targetKey(tg, t));
    const delayMs = (await isTargetGroupInUse(tx, tg.arn))
      ? Number(tg.attributes['deregistration_delay.timeout_seconds'] ?? 300) * 1000
      : 0;
    await deregisterRows(tx, tg.arn, targets, ctx.now + delayMs, ctx.now);
  });
  ctx.deps.lb.wake();
  return {};
}
