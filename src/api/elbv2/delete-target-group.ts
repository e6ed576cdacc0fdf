import type {
  DeleteTargetGroupInput,
  DeleteTargetGroupOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { elbError } from '../../core/elbv2/elbv2-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { deleteTags } from '../../store/tags.ts';
import {
  deleteTargetGroup as deleteRows,
  isTargetGroupInUse,
  lockTargetGroup,
} from '../../store/target-groups.ts';
import type { OperationContext } from '../operation.ts';
import { checkArn } from './elbv2-lookup.ts';

/**
 * Deletes a target group and its targets, unless a listener or rule forwards to it. As on AWS,
 * deleting one that does not exist succeeds.
 */
export async function deleteTargetGroup(
  ctx: OperationContext,
  input: Wire<DeleteTargetGroupInput>,
): Promise<Wire<DeleteTargetGroupOutput>> {
  const arn = input.TargetGroupArn!;
  if (!checkArn(ctx.scope, arn, 'targetgroup')) return {};
  await ctx.deps.store.write(async (tx) => {
    if (!(await lockTargetGroup(tx, arn))) return;
    if (await isTargetGroupInUse(tx, arn))
      throw elbError('ResourceInUse', `Target group '${arn}' is currently in use by a listener or a rule`);
    await deleteTags(tx, arn);
    await deleteRows(tx, arn);
  });
  return {};
}
