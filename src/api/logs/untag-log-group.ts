import type { UntagLogGroupRequest } from '@aws-sdk/client-cloudwatch-logs';
import { logGroupArn } from '../../core/logs/log-group-arn.ts';
import type { Wire } from '../../core/wire.ts';
import { deleteTags } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { groupByName } from './group-lookup.ts';

export async function untagLogGroup(
  ctx: OperationContext,
  input: Wire<UntagLogGroupRequest>,
): Promise<object> {
  return ctx.deps.store.write(async (tx) => {
    const group = await groupByName(tx, ctx, input.logGroupName!);
    await deleteTags(tx, logGroupArn(ctx.scope, group.name), input.tags ?? []);
    return {};
  });
}
