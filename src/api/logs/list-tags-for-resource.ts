import type {
  ListTagsForResourceRequest,
  ListTagsForResourceResponse,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Wire } from '../../core/wire.ts';
import { getTags } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { mapOfTags } from './log-tags.ts';
import { taggableGroupArn } from './tagged-group.ts';

export async function listTagsForResource(
  ctx: OperationContext,
  input: Wire<ListTagsForResourceRequest>,
): Promise<Wire<ListTagsForResourceResponse>> {
  const db = ctx.deps.store.db;
  const arn = await taggableGroupArn(db, ctx, input.resourceArn!);
  return { tags: mapOfTags(await getTags(db, arn)) };
}
