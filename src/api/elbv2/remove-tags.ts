import type { RemoveTagsInput, RemoveTagsOutput } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Wire } from '../../core/wire.ts';
import { deleteTags } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { requireTaggable } from './elbv2-tagging.ts';

/** Removes tags by key from load balancers, target groups, listeners or rules. */
export async function removeTags(
  ctx: OperationContext,
  input: Wire<RemoveTagsInput>,
): Promise<Wire<RemoveTagsOutput>> {
  await ctx.deps.store.write(async (tx) => {
    const arns = [...new Set(input.ResourceArns ?? [])];
    await requireTaggable(tx, ctx.scope, arns);
    for (const arn of arns) await deleteTags(tx, arn, input.TagKeys ?? []);
  });
  return {};
}
