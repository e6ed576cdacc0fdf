import type { DeleteLogGroupRequest } from '@aws-sdk/client-cloudwatch-logs';
import { logGroupArn } from '../../core/logs/log-group-arn.ts';
import { logsError } from '../../core/logs/logs-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { deleteLogGroup as removeGroup } from '../../store/log-groups.ts';
import { deleteTags } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { groupByName } from './group-lookup.ts';

/** Deletes a group with all its streams and events, unless deletion protection is on. */
export async function deleteLogGroup(
  ctx: OperationContext,
  input: Wire<DeleteLogGroupRequest>,
): Promise<object> {
  return ctx.deps.store.write(async (tx) => {
    const group = await groupByName(tx, ctx, input.logGroupName!);
    if (group.deletionProtection) {
      throw logsError(
        'ValidationException',
        'The log group cannot be deleted because deletion protection is enabled for it.',
      );
    }
    await removeGroup(tx, group.id);
    await deleteTags(tx, logGroupArn(ctx.scope, group.name));
    return {};
  });
}
