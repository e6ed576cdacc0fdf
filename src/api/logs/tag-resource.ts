import type { TagResourceRequest } from '@aws-sdk/client-cloudwatch-logs';
import type { Wire } from '../../core/wire.ts';
import type { OperationContext } from '../operation.ts';
import { tagsOfMap } from './log-tags.ts';
import { addGroupTags, taggableGroupArn } from './tagged-group.ts';

export async function tagResource(ctx: OperationContext, input: Wire<TagResourceRequest>): Promise<object> {
  return ctx.deps.store.write(async (tx) => {
    const arn = await taggableGroupArn(tx, ctx, input.resourceArn!);
    await addGroupTags(tx, arn, tagsOfMap(input.tags));
    return {};
  });
}
