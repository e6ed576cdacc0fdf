import type { UntagResourceRequest, UntagResourceResponse } from '@aws-sdk/client-ecs';
import type { Wire } from '../../core/wire.ts';
import { deleteTags } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { checkTaggable } from './taggable.ts';

export async function untagResource(
  ctx: OperationContext,
  input: Wire<UntagResourceRequest>,
): Promise<Wire<UntagResourceResponse>> {
  const arn = input.resourceArn ?? '';
  return ctx.deps.store.write(async (tx) => {
    await checkTaggable(tx, ctx.scope, arn);
    await deleteTags(tx, arn, input.tagKeys ?? []);
    return {};
  });
}
