import type {
  ModifyTargetGroupInput,
  ModifyTargetGroupOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { resolveHealthCheck } from '../../core/elbv2/health-check.ts';
import type { Wire } from '../../core/wire.ts';
import { loadBalancersOfTargetGroups, updateTargetGroup } from '../../store/target-groups.ts';
import type { OperationContext } from '../operation.ts';
import { requireTargetGroup } from './elbv2-lookup.ts';
import { targetGroupView } from './elbv2-views.ts';

/** Changes a target group's health check; what the request leaves out stays as it was. */
export async function modifyTargetGroup(
  ctx: OperationContext,
  input: Wire<ModifyTargetGroupInput>,
): Promise<Wire<ModifyTargetGroupOutput>> {
  const tg = await ctx.deps.store.write(async (tx) => {
    const current = await requireTargetGroup(tx, ctx.scope, input.TargetGroupArn!, { lock: true });
    const next = {
      ...current,
      healthCheck: resolveHealthCheck(current, current.healthCheck, input),
      updatedAt: ctx.now,
    };
    await updateTargetGroup(tx, next);
    return next;
  });
  ctx.deps.lb.wake();
  const lbs = await loadBalancersOfTargetGroups(ctx.deps.store.db, [tg.arn]);
  return { TargetGroups: [targetGroupView(tg, lbs.get(tg.arn) ?? [])] };
}
