import type { DeleteRetentionPolicyRequest } from '@aws-sdk/client-cloudwatch-logs';
import type { Wire } from '../../core/wire.ts';
import { setRetention } from '../../store/log-groups.ts';
import type { OperationContext } from '../operation.ts';
import { groupByName } from './group-lookup.ts';

/** The group keeps its events for ever again. */
export async function deleteRetentionPolicy(
  ctx: OperationContext,
  input: Wire<DeleteRetentionPolicyRequest>,
): Promise<object> {
  return ctx.deps.store.write(async (tx) => {
    const group = await groupByName(tx, ctx, input.logGroupName!);
    await setRetention(tx, group.id, null);
    return {};
  });
}
