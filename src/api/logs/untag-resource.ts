import type { UntagResourceRequest } from '@aws-sdk/client-cloudwatch-logs';
import type { Wire } from '../../core/wire.ts';
import { deleteTags } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { taggableGroupArn } from './tagged-group.ts';

export async function untagResource(
  ctx: OperationContext,
  input: Wire<UntagResourceRequest>,
): Promise<object> {
  return ctx.deps.store.write(async (tx) => {
    const arn = await taggableGroupArn(tx, ctx, input.resourceArn!);
    await deleteTags(tx, arn, input.tagKeys ?? []);
    return {};
  });
}
