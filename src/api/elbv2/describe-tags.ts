import type { DescribeTagsInput, DescribeTagsOutput } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Wire } from '../../core/wire.ts';
import { getTags } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { requireTaggable } from './elbv2-tagging.ts';

/** The tags of load balancers, target groups, listeners or rules, in the order asked. */
export async function describeTags(
  ctx: OperationContext,
  input: Wire<DescribeTagsInput>,
): Promise<Wire<DescribeTagsOutput>> {
  const db = ctx.deps.store.db;
  const arns = [...new Set(input.ResourceArns ?? [])];
  await requireTaggable(db, ctx.scope, arns);
  const TagDescriptions = [];
  for (const arn of arns)
    TagDescriptions.push({
      ResourceArn: arn,
      Tags: (await getTags(db, arn)).map((t) => ({ Key: t.key, Value: t.value })),
    });
  return { TagDescriptions };
}
