import type { ListTagsLogGroupRequest, ListTagsLogGroupResponse } from '@aws-sdk/client-cloudwatch-logs';
import { logGroupArn } from '../../core/logs/log-group-arn.ts';
import type { Wire } from '../../core/wire.ts';
import { getTags } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { groupByName } from './group-lookup.ts';
import { mapOfTags } from './log-tags.ts';

export async function listTagsLogGroup(
  ctx: OperationContext,
  input: Wire<ListTagsLogGroupRequest>,
): Promise<Wire<ListTagsLogGroupResponse>> {
  const db = ctx.deps.store.db;
  const group = await groupByName(db, ctx, input.logGroupName!);
  return { tags: mapOfTags(await getTags(db, logGroupArn(ctx.scope, group.name))) };
}
