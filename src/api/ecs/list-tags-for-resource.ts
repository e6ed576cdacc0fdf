import type { ListTagsForResourceRequest, ListTagsForResourceResponse } from '@aws-sdk/client-ecs';
import type { Wire } from '../../core/wire.ts';
import { getTags } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { checkTaggable } from './taggable.ts';

export async function listTagsForResource(
  ctx: OperationContext,
  input: Wire<ListTagsForResourceRequest>,
): Promise<Wire<ListTagsForResourceResponse>> {
  const db = ctx.deps.store.db;
  const arn = input.resourceArn ?? '';
  await checkTaggable(db, ctx.scope, arn);
  return { tags: await getTags(db, arn) };
}
