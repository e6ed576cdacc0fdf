import type { AddTagsInput, AddTagsOutput } from '@aws-sdk/client-elastic-load-balancing-v2';
import { checkTags, MAX_TAGS, tooManyTags } from '../../core/elbv2/elbv2-tags.ts';
import type { Wire } from '../../core/wire.ts';
import { getTags, putTags } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { requireTaggable } from './elbv2-tagging.ts';

/** Adds tags to load balancers, target groups, listeners or rules; a key they have takes the new value. */
export async function addTags(
  ctx: OperationContext,
  input: Wire<AddTagsInput>,
): Promise<Wire<AddTagsOutput>> {
  const tags = checkTags(input.Tags ?? []);
  await ctx.deps.store.write(async (tx) => {
    const arns = [...new Set(input.ResourceArns ?? [])];
    await requireTaggable(tx, ctx.scope, arns);
    for (const arn of arns) {
      const keys = new Set([...(await getTags(tx, arn)).map((t) => t.key), ...tags.map((t) => t.key)]);
      if (keys.size > MAX_TAGS) throw tooManyTags();
      await putTags(tx, arn, tags);
    }
  });
  return {};
}
