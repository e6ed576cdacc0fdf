import type { TagResourceRequest, TagResourceResponse } from '@aws-sdk/client-ecs';
import { ecsError } from '../../core/ecs/ecs-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { getTags, putTags } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { checkTags, MAX_TAGS } from './tag-rules.ts';
import { checkTaggable } from './taggable.ts';

export async function tagResource(
  ctx: OperationContext,
  input: Wire<TagResourceRequest>,
): Promise<Wire<TagResourceResponse>> {
  const arn = input.resourceArn ?? '';
  const tags = checkTags(input.tags ?? []);
  if (tags.length === 0) throw ecsError('InvalidParameterException', 'Tags can not be empty.');
  return ctx.deps.store.write(async (tx) => {
    await checkTaggable(tx, ctx.scope, arn);
    const keys = new Set([...(await getTags(tx, arn)).map((t) => t.key), ...tags.map((t) => t.key)]);
    if (keys.size > MAX_TAGS) {
      throw ecsError('LimitExceededException', `The resource can have at most ${MAX_TAGS} tags.`);
    }
    await putTags(tx, arn, tags);
    return {};
  });
}
