import type { TagLogGroupRequest } from '@aws-sdk/client-cloudwatch-logs';
import { logGroupArn } from '../../core/logs/log-group-arn.ts';
import type { Wire } from '../../core/wire.ts';
import type { OperationContext } from '../operation.ts';
import { groupByName } from './group-lookup.ts';
import { tagsOfMap } from './log-tags.ts';
import { addGroupTags } from './tagged-group.ts';

/** The older tagging operation, by group name. */
export async function tagLogGroup(ctx: OperationContext, input: Wire<TagLogGroupRequest>): Promise<object> {
  return ctx.deps.store.write(async (tx) => {
    const group = await groupByName(tx, ctx, input.logGroupName!);
    await addGroupTags(tx, logGroupArn(ctx.scope, group.name), tagsOfMap(input.tags));
    return {};
  });
}
